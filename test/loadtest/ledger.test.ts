/**
 * The load tool's accounting, fed synthetic event logs: it must fail a run on a lost result,
 * a double grant or a misdelivered result — and must not fail a clean one. This is what
 * makes the CI soak (soak.test.ts) able to fail.
 */
import { describe, expect, it } from "vitest";
import type { LoadEvent } from "../../loadtest/events.ts";
import { Ledger } from "../../loadtest/ledger.ts";
import { judge } from "../../loadtest/report.ts";

function ledgerOf(events: LoadEvent[]): Ledger {
  const ledger = new Ledger();
  for (const event of events) ledger.apply(event);
  return ledger;
}

/** Alice holds scale-1 at epoch 1, runs r1, the device's result is acked, Alice gets it. */
const cleanSession: LoadEvent[] = [
  { t: "belief", userId: "alice", deviceId: "scale-1", epoch: 1 },
  { t: "runStarted", userId: "alice", deviceId: "scale-1", epoch: 1, runId: "r1" },
  { t: "deviceAck", deviceId: "scale-1", epoch: 1, runId: "r1" },
  { t: "outcome", userId: "alice", deviceId: "scale-1", runId: "r1", kind: "result", latencyUs: 1_500 },
  { t: "failure", userId: "bob", deviceId: "scale-1", code: "DEVICE_BUSY", request: "claim" },
  { t: "belief", userId: "bob", deviceId: "scale-1", epoch: 2 },
];

describe("load tool ledger", () => {
  it("passes a clean run and counts what happened", () => {
    const ledger = ledgerOf(cleanSession);
    const verdict = ledger.verdict();
    expect(verdict).toMatchObject({ ok: true, lostResults: [], doubleGrants: [], misdelivered: [], unattributed: [] });
    const snapshot = ledger.snapshot();
    expect(snapshot).toMatchObject({ sessions: 2, runsStarted: 1, runsOk: 1, runsFailed: 0, resultsAcked: 1, failuresByCode: { DEVICE_BUSY: 1 } });
    expect(snapshot.latency.count).toBe(1);
    expect(judge(snapshot, verdict).exitCode).toBe(0);
  });

  it("fails on a double grant: two users holding one device at the same epoch", () => {
    const ledger = ledgerOf([...cleanSession, { t: "belief", userId: "carol", deviceId: "scale-1", epoch: 2 }]);
    const verdict = ledger.verdict();
    expect(verdict.ok).toBe(false);
    expect(verdict.doubleGrants).toEqual([{ deviceId: "scale-1", epoch: 2, userIds: ["bob", "carol"] }]);
    expect(judge(ledger.snapshot(), verdict)).toMatchObject({ exitCode: 1, message: expect.stringMatching(/1 double grant/) });
  });

  it("does not call holders of different epochs, or of the same epoch on different devices, a double grant", () => {
    const verdict = ledgerOf([
      { t: "belief", userId: "alice", deviceId: "scale-1", epoch: 1 },
      { t: "belief", userId: "bob", deviceId: "scale-1", epoch: 2 },
      { t: "belief", userId: "carol", deviceId: "lab-1", epoch: 1 },
      { t: "belief", userId: "alice", deviceId: "scale-1", epoch: 1 }, // seen again after a rejoin
    ]).verdict();
    expect(verdict.doubleGrants).toEqual([]);
  });

  it("fails on a lost result: acked by the device, no outcome at its owner", () => {
    const ledger = ledgerOf([
      ...cleanSession,
      { t: "runStarted", userId: "bob", deviceId: "scale-1", epoch: 2, runId: "r2" },
      { t: "deviceAck", deviceId: "scale-1", epoch: 2, runId: "r2" },
    ]);
    expect(ledger.undelivered()).toEqual([{ deviceId: "scale-1", epoch: 2, runId: "r2", ownerId: "bob" }]);
    const verdict = ledger.verdict();
    expect(verdict.lostResults).toEqual([{ deviceId: "scale-1", epoch: 2, runId: "r2", ownerId: "bob" }]);
    expect(judge(ledger.snapshot(), verdict)).toMatchObject({ exitCode: 1, message: expect.stringMatching(/1 lost result/) });
  });

  it("a result the owner found later in GET /results is not lost", () => {
    const ledger = ledgerOf([
      ...cleanSession,
      { t: "away", userId: "bob", deviceId: "scale-1", how: "left", forGood: true },
      { t: "deviceAck", deviceId: "scale-1", epoch: 2, runId: "r2" },
      { t: "recovered", userId: "bob", deviceId: "scale-1", runId: "r2" },
    ]);
    expect(ledger.verdict().ok).toBe(true);
    expect(ledger.snapshot()).toMatchObject({ recovered: 1, runsOk: 2 });
  });

  it("a result found in someone else's GET /results does not save the owner", () => {
    const ledger = ledgerOf([
      ...cleanSession,
      { t: "deviceAck", deviceId: "scale-1", epoch: 2, runId: "r2" },
      { t: "recovered", userId: "alice", deviceId: "scale-1", runId: "r2" },
    ]);
    expect(ledger.verdict().lostResults).toHaveLength(1);
  });

  it("run_failed is an outcome: a late result acked as orphaned after the owner was told the run failed is not lost", () => {
    const ledger = ledgerOf([
      ...cleanSession,
      { t: "runStarted", userId: "bob", deviceId: "scale-1", epoch: 2, runId: "r2" },
      { t: "outcome", userId: "bob", deviceId: "scale-1", runId: "r2", kind: "run_failed", code: "RUN_TIMEOUT" },
      { t: "deviceAck", deviceId: "scale-1", epoch: 2, runId: "r2" },
    ]);
    expect(ledger.verdict().ok).toBe(true);
    expect(ledger.snapshot()).toMatchObject({ runsFailed: 1, failuresByCode: { RUN_TIMEOUT: 1, DEVICE_BUSY: 1 } });
  });

  it("fails when a result reaches a user who did not hold the device at the run's epoch", () => {
    const verdict = ledgerOf([
      ...cleanSession,
      { t: "outcome", userId: "bob", deviceId: "scale-1", runId: "r1", kind: "result" },
    ]).verdict();
    expect(verdict.ok).toBe(false);
    expect(verdict.misdelivered).toEqual([{ deviceId: "scale-1", runId: "r1", epoch: 1, userId: "bob", ownerIds: ["alice"] }]);
  });

  it("counts a second delivery of one result to its owner as a duplicate, not a second run", () => {
    const snapshot = ledgerOf([...cleanSession, { t: "outcome", userId: "alice", deviceId: "scale-1", runId: "r1", kind: "result" }]).snapshot();
    expect(snapshot).toMatchObject({ runsOk: 1, duplicateDeliveries: 1 });
  });

  it("reports, without failing, an acked result of an epoch nobody was seen to hold", () => {
    const verdict = ledgerOf([{ t: "deviceAck", deviceId: "lab-1", epoch: 7, runId: "r9" }]).verdict();
    expect(verdict).toMatchObject({ ok: true, unattributed: [{ deviceId: "lab-1", epoch: 7, runId: "r9" }] });
  });

  it("fails a run in which nothing happened", () => {
    const ledger = ledgerOf([{ t: "failure", userId: "alice", deviceId: "scale-1", code: "JOIN_FAILED", request: "join" }]);
    expect(judge(ledger.snapshot(), ledger.verdict())).toMatchObject({ exitCode: 1, message: expect.stringMatching(/nothing happened/) });
  });

  it("adds the gauges of every load process", () => {
    const ledger = new Ledger();
    ledger.setGauges(0, { usersConnected: 3, devicesConnected: 1 });
    ledger.setGauges(1, { usersConnected: 4, devicesConnected: 2 });
    ledger.setGauges(0, { usersConnected: 2, devicesConnected: 1 });
    expect(ledger.snapshot()).toMatchObject({ usersConnected: 6, devicesConnected: 3 });
  });
});
