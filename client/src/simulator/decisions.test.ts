/** Every row of the device's fencing and resume table, without a socket. */
import { describe, expect, it } from "vitest";
import { planCancel, planStart, planWelcome, type DeviceKnowledge } from "./decisions.ts";

const idle: DeviceKnowledge = { highestEpoch: 3, heldResultRunIds: [] };
const busy: DeviceKnowledge = { highestEpoch: 3, running: { epoch: 3, runId: "r-7" }, heldResultRunIds: [] };
const start = { epoch: 3, runId: "r-8", sessionType: "weighing", input: {}, deadlineMs: 30_000 };

describe("planWelcome", () => {
  it("resumes the job in progress when the room is running the same run at the same epoch", () => {
    expect(planWelcome(busy, { epoch: 3, phase: "running", runId: "r-7" })).toEqual([{ kind: "resume", runId: "r-7" }]);
  });

  it("abandons the job when the room is no longer running anything", () => {
    for (const phase of ["idle", "claimed", "completed", "failed"] as const) {
      expect(planWelcome(busy, { epoch: 4, phase })).toEqual([{ kind: "abandon", runId: "r-7", reason: `the room's phase is ${phase}` }]);
    }
  });

  it("abandons the job when the room runs another run, and starts that one", () => {
    const actions = planWelcome(busy, { epoch: 4, phase: "running", runId: "r-9", sessionType: "weighing", input: { userAge: 3 }, deadlineMs: 900 });
    expect(actions).toEqual([
      { kind: "abandon", runId: "r-7", reason: "the room is running r-9 at epoch 4" },
      { kind: "start", start: { epoch: 4, runId: "r-9", sessionType: "weighing", input: { userAge: 3 }, deadlineMs: 900 } },
    ]);
  });

  it("abandons a job with the right run id but another epoch", () => {
    expect(planWelcome(busy, { epoch: 5, phase: "running", runId: "r-7" })[0]).toMatchObject({ kind: "abandon", runId: "r-7" });
  });

  it("re-sends every held result, whatever the phase", () => {
    const known = { ...idle, heldResultRunIds: ["r-5", "r-6"] };
    expect(planWelcome(known, { epoch: 3, phase: "completed" })).toEqual([
      { kind: "resendResult", runId: "r-5" },
      { kind: "resendResult", runId: "r-6" },
    ]);
  });

  it("does not restart a run whose result it holds (the re-sent result finishes it)", () => {
    const known = { ...idle, heldResultRunIds: ["r-7"] };
    expect(planWelcome(known, { epoch: 3, phase: "running", runId: "r-7", sessionType: "weighing", input: {} })).toEqual([
      { kind: "resendResult", runId: "r-7" },
    ]);
  });

  it("re-sends a failure the room has not taken note of", () => {
    const known = { ...idle, lastFailedRunId: "r-7" };
    expect(planWelcome(known, { epoch: 3, phase: "running", runId: "r-7", sessionType: "weighing", input: {} })).toEqual([
      { kind: "resendFailure", runId: "r-7" },
    ]);
  });

  it("starts a run it does not know (after a reboot) from the welcome's type and input", () => {
    expect(planWelcome({ highestEpoch: 0, heldResultRunIds: [] }, { epoch: 6, phase: "running", runId: "r-1", sessionType: "analysis", input: { testType: "pH" }, deadlineMs: 1234 }))
      .toEqual([{ kind: "start", start: { epoch: 6, runId: "r-1", sessionType: "analysis", input: { testType: "pH" }, deadlineMs: 1234 } }]);
  });

  it("says so when it cannot start an unknown run (no type or input)", () => {
    expect(planWelcome(idle, { epoch: 3, phase: "running", runId: "r-1" })).toEqual([{ kind: "cannotStart", runId: "r-1", epoch: 3 }]);
  });

  it("does nothing for an idle room and an idle device", () => {
    expect(planWelcome(idle, { epoch: 3, phase: "idle" })).toEqual([]);
  });

  it("refuses a welcome whose epoch went backwards: keeps its job and held results, does nothing else", () => {
    const known = { ...busy, heldResultRunIds: ["r-6"] };
    expect(planWelcome(known, { epoch: 0, phase: "idle" })).toEqual([{ kind: "refuseEpoch", epoch: 0, highestEpoch: 3 }]);
    expect(planWelcome(known, { epoch: 2, phase: "running", runId: "r-x", sessionType: "weighing", input: {} })).toEqual([{ kind: "refuseEpoch", epoch: 2, highestEpoch: 3 }]);
  });

  it("ignores an older second welcome on the same connection (a delayed duplicate), as the firmware does", () => {
    expect(planWelcome(busy, { epoch: 2, phase: "idle" }, { repeated: true })).toEqual([{ kind: "ignoreStale", epoch: 2, highestEpoch: 3 }]);
    expect(planWelcome(busy, { epoch: 3, phase: "idle" }, { repeated: true })[0]).toMatchObject({ kind: "abandon" });
  });

  it("re-sends a held failure of the running run with the held reports, before touching the job", () => {
    const known = { ...busy, heldResultRunIds: ["r-6"], lastFailedRunId: "r-8" };
    expect(planWelcome(known, { epoch: 4, phase: "running", runId: "r-8" })).toEqual([
      { kind: "resendResult", runId: "r-6" },
      { kind: "resendFailure", runId: "r-8" },
      { kind: "abandon", runId: "r-7", reason: "the room is running r-8 at epoch 4" },
    ]);
  });
});

describe("planStart", () => {
  it("refuses a lower epoch", () => {
    expect(planStart(idle, { ...start, epoch: 2 })).toEqual({ kind: "ignoreStale", epoch: 2, highestEpoch: 3 });
  });
  it("starts at the current or a higher epoch", () => {
    expect(planStart(idle, start)).toEqual({ kind: "start" });
    expect(planStart(idle, { ...start, epoch: 9 })).toEqual({ kind: "start" });
  });
  it("recognises a retransmitted start", () => {
    expect(planStart(busy, { ...start, runId: "r-7" })).toEqual({ kind: "duplicate" });
  });
  it("answers a start for a held result with the result", () => {
    expect(planStart({ ...idle, heldResultRunIds: ["r-8"] }, start)).toEqual({ kind: "resendResult" });
  });
  it("replaces a job the room has evidently given up on", () => {
    expect(planStart(busy, start)).toEqual({ kind: "start", replaces: "r-7" });
  });
});

describe("planCancel", () => {
  it("stops the job in progress", () => {
    expect(planCancel(busy, { epoch: 3, runId: "r-7" })).toEqual({ kind: "stop", runId: "r-7" });
  });
  it("refuses a lower epoch", () => {
    expect(planCancel(busy, { epoch: 1, runId: "r-7" })).toEqual({ kind: "ignoreStale", epoch: 1, highestEpoch: 3 });
  });
  it("ignores a cancel for another run", () => {
    expect(planCancel(busy, { epoch: 3, runId: "r-1" })).toEqual({ kind: "notRunning" });
    expect(planCancel(idle, { epoch: 3, runId: "r-7" })).toEqual({ kind: "notRunning" });
  });
});
