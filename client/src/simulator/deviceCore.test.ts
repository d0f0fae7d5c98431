/**
 * DeviceCore's behaviour that the contract vectors cannot express — the vector schema has no
 * progress step, and the C machine has no notes, no owed `ready` and no power cycle of its own
 * (its app and NVS port do that) — so it is tested here, beside the machine. The shared rules
 * are the vectors (test/contract/deviceContract.test.ts).
 */
import { describe, expect, it } from "vitest";
import { DeviceCore, actionsOf, type CoreOutput, type CoreState, type DeviceProfile } from "./deviceCore.ts";

const profile: DeviceProfile = {
  heartbeatIntervalMs: 5_000,
  jobGraceMs: 5_000,
  reconnect: { baseDelayMs: 250, maxDelayMs: 10_000, maxAttempts: 2 },
  sessionTypes: [{ name: "weighing", maxDurationMs: 30_000 }],
  firmware: "test/1",
};

function online(overrides: Partial<CoreState> = {}, profileOverrides: Partial<DeviceProfile> = {}): DeviceCore {
  return new DeviceCore({ ...profile, ...profileOverrides }, {
    nowMs: 1_000, connection: "online", reconnectAttempts: 0, nextHeartbeatAtMs: 6_000, highestEpoch: 1, held: [], resend: { attempts: 0 }, ...overrides,
  });
}
const start = (runId: string, epoch = 1) => ({ epoch, runId, sessionType: "weighing", input: {}, deadlineMs: 30_000 });
const notes = (outputs: CoreOutput[]) => outputs.flatMap((output) => ("note" in output ? [output.note] : []));
const sends = (outputs: CoreOutput[]) => outputs.flatMap((output) => ("send" in output ? [output.send] : []));

describe("notes", () => {
  it("explain a decision beside the actions, and are not actions", () => {
    const core = online({ highestEpoch: 5 });
    const outputs = core.receive("start", start("r-old", 4));
    expect(actionsOf(outputs)).toEqual([]);
    expect(notes(outputs)).toEqual([{ kind: "staleIgnored", type: "start", epoch: 4, highestEpoch: 5 }]);
  });

  it("name why a job ended", () => {
    const core = online();
    core.receive("start", start("r-1"));
    expect(notes(core.receive("cancel", { epoch: 1, runId: "r-1" }))).toContainEqual({ kind: "jobEnded", runId: "r-1", outcome: "cancelled" });
    core.receive("start", start("r-2"));
    expect(notes(core.receive("start", start("r-3")))).toContainEqual(expect.objectContaining({ kind: "jobEnded", runId: "r-2", outcome: "replaced" }));
    expect(notes(core.advance(40_000))).toContainEqual(expect.objectContaining({ kind: "jobEnded", runId: "r-3", outcome: "timedOut" }));
  });

  it("say why the device gave up", () => {
    expect(notes(online().closed(4101))).toContainEqual({ kind: "gaveUp", attempts: 0, reason: "the server closed with 4101; not reconnecting" });
    const core = online({ connection: "waiting", reconnectAttempts: 2 });
    expect(notes(core.attemptFailed())).toContainEqual({ kind: "gaveUp", attempts: 2, reason: "2 reconnect attempt(s) failed" });
    expect(notes(online({ connection: "stopped" }, { reconnect: { ...profile.reconnect, maxAttempts: 0 } }).attemptFailed())).toContainEqual(expect.objectContaining({ reason: "reconnecting is off" }));
  });

  it("count a report held back while offline", () => {
    const core = online({ connection: "waiting" });
    expect(notes(core.reportResult({ epoch: 1, runId: "r-1", output: {} }))).toContainEqual({ kind: "notSent", type: "result" });
  });
});

describe("ready", () => {
  it("is owed while not joined and said after the next welcome", () => {
    const core = online({ connection: "waiting" });
    expect(sends(core.ready())).toEqual([]);
    core.rejoin();
    expect(sends(core.receive("welcome", { epoch: 1, phase: "idle" }))).toEqual(["ready"]);
    expect(core.state.readyOwed).toBe(false);
  });

  it("is not owed once a job has started", () => {
    const core = online({ connection: "waiting" });
    core.ready();
    core.rejoin();
    const outputs = core.receive("welcome", { epoch: 1, phase: "running", runId: "r-1", sessionType: "weighing", input: {}, deadlineMs: 30_000 });
    expect(sends(outputs)).toEqual(["accepted"]);
    expect(sends(core.ready())).toEqual([]); // a job runs: the reset it reports is not over
  });
});

describe("progress", () => {
  it("is sent for the job in progress only, clamped, and said again on resume", () => {
    const core = online();
    core.receive("start", start("r-1"));
    expect(core.progress("r-other", 0.5)).toEqual([]);
    expect(core.progress("r-1", 1.7)).toEqual([{ send: "progress", payload: { epoch: 1, runId: "r-1", progress: 1 } }]);
    core.progress("r-1", 0.4, "settling");
    core.closed(1006);
    core.rejoin();
    const resumed = core.receive("welcome", { epoch: 1, phase: "running", runId: "r-1" });
    expect(resumed).toContainEqual({ send: "progress", payload: { epoch: 1, runId: "r-1", progress: 0.4, message: "settling" } });
    expect(notes(resumed)).toContainEqual({ kind: "jobResumed", runId: "r-1" });
  });
});

describe("reports the application makes", () => {
  it("may carry another epoch (tests fake one) and end the job of their run", () => {
    const core = online({ highestEpoch: 2 });
    core.receive("start", start("r-1", 2));
    const outputs = core.reportResult({ epoch: 1, runId: "r-1", output: { weight: 1 } });
    expect(actionsOf(outputs)).toEqual([{ send: "result", payload: { epoch: 1, runId: "r-1", output: { weight: 1 } } }]);
    expect(core.state.job).toBeUndefined();
  });
});

describe("time", () => {
  it("sends no heartbeat when the interval is 0, and names its next due time", () => {
    const core = online({ nextHeartbeatAtMs: undefined }, { heartbeatIntervalMs: 0 });
    core.rejoin();
    core.receive("welcome", { epoch: 1, phase: "idle" });
    expect(core.state.nextHeartbeatAtMs).toBeUndefined();
    expect(sends(core.advance(20_000))).toEqual([]);
    expect(core.nextDueAtMs()).toBeUndefined();
    core.receive("start", start("r-1"));
    expect(core.nextDueAtMs()).toBe(core.state.job!.deadlineAtMs);
  });
});

describe("a power cycle", () => {
  it("loses the job and what is in RAM, keeps held reports unless told not to", () => {
    const core = online({ highestEpoch: 7 });
    core.reportFailure({ epoch: 7, runId: "r-f", code: "DEVICE_FAILED", message: "jammed" });
    core.receive("start", start("r-1", 7));
    expect(notes(core.powerCycle())).toEqual([{ kind: "jobEnded", runId: "r-1", outcome: "powerLoss" }]);
    expect(core.state).toMatchObject({ connection: "stopped", held: [expect.objectContaining({ runId: "r-f", inFlight: false })] });
    expect(core.state.highestEpoch).toBeUndefined();
    expect(core.state.job).toBeUndefined();
    core.powerCycle(false);
    expect(core.state.held).toEqual([]);
  });
});
