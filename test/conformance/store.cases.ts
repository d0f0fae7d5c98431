/**
 * The store's conformance suite, written once and run against every adapter (in the manner
 * of hono's `common.case.test.ts`): each adapter has a small test file that calls
 * `runStoreConformance` with a factory for a fresh, empty store.
 *
 * What every adapter must do: results insert-once by run id (a re-sent copy is one row);
 * orphans kept apart, never overwriting or evicting a delivered result; newest-first
 * pagination without gaps or repeats; pending results handed over once, also to concurrent
 * callers; epochs that never decrease, also with concurrent writers; history, audit,
 * registry and retention.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { initialState, type CoreState } from "@baton/server/session/index.ts";
import { AuditAction, DeviceExistsError, EpochRegressionError, ORPHAN_LIMITS, type BatonStore, type FirmwareUpdateRecord, type NewDeliveredResult } from "@baton/server/ports/store.ts";
import { poolOf } from "@baton/server/ports/devices.ts";

export interface StoreFactory {
  /** A fresh, empty, migrated store. */
  open(): Promise<BatonStore>;
  /** Called after each test with the store it opened. */
  dispose?(store: BatonStore): Promise<void>;
}

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

function result(overrides: Partial<NewDeliveredResult> = {}): NewDeliveredResult {
  return { deviceId: "dev-1", runId: unique("r"), epoch: 1, userId: "alice", sessionType: "weighing", output: { weight: 70.5 }, storedAt: 1_000, ...overrides };
}

function stateAt(deviceId: string, epoch: number): CoreState {
  return { ...initialState(deviceId, 1_000), epoch };
}

export function runStoreConformance(name: string, factory: StoreFactory) {
  describe(`store conformance: ${name}`, () => {
    let store: BatonStore;
    beforeEach(async () => {
      store = await factory.open();
    });
    afterEach(async () => {
      if (factory.dispose) await factory.dispose(store);
      else await store.close();
    });

    describe("results", () => {
      it("stores a delivered result and finds it by run id, output intact", async () => {
        const saved = result({ output: { weight: 64.2, nested: { unit: "kg", list: [1, 2] } } });
        expect(await store.results.saveDelivered(saved)).toEqual({ inserted: true });
        expect(await store.results.findByRunId(saved.deviceId, saved.runId)).toEqual({ ...saved, status: "delivered", handedOverAt: null });
        expect(await store.results.findByRunId(saved.deviceId, "no-such-run")).toBeUndefined();
        expect(await store.results.findByRunId("other-device", saved.runId)).toBeUndefined();
      });

      it("is idempotent: the same run id stored twice is one row, and the first copy wins", async () => {
        const first = result();
        expect(await store.results.saveDelivered(first)).toEqual({ inserted: true });
        expect(await store.results.saveDelivered({ ...first, output: { weight: 1 }, storedAt: 9_999 })).toEqual({ inserted: false });
        expect((await store.results.findByRunId(first.deviceId, first.runId))?.output).toEqual(first.output);
        expect((await store.results.listForUser("alice", { limit: 100 })).results).toHaveLength(1);
      });

      it("keeps the same run id apart on two devices", async () => {
        const a = result({ deviceId: "dev-a", runId: "r-same" });
        const b = result({ deviceId: "dev-b", runId: "r-same", output: { weight: 2 } });
        expect(await store.results.saveDelivered(a)).toEqual({ inserted: true });
        expect(await store.results.saveDelivered(b)).toEqual({ inserted: true });
        expect((await store.results.findByRunId("dev-b", "r-same"))?.output).toEqual({ weight: 2 });
      });

      it("keeps orphans apart: an orphan never overwrites, evicts or shows up as a delivered result", async () => {
        const delivered = result({ runId: "r-delivered" });
        await store.results.saveDelivered(delivered);
        const orphan = { deviceId: delivered.deviceId, runId: "r-delivered", epoch: 0, reason: "STALE_EPOCH", output: { weight: -1 }, storedAt: 2_000 };
        expect(await store.results.saveOrphan(orphan)).toEqual({ inserted: true, dropped: 0 });
        expect(await store.results.findByRunId(delivered.deviceId, "r-delivered")).toMatchObject({ status: "delivered", output: delivered.output, userId: "alice" });
        expect(await store.results.findOrphan(delivered.deviceId, "r-delivered")).toEqual({ ...orphan, status: "orphaned" });
        // Orphans of unknown runs are never listed for anyone.
        await store.results.saveOrphan({ ...orphan, runId: "r-unknown", reason: "UNKNOWN_RUN" });
        expect((await store.results.listForUser("alice", { limit: 100 })).results.map((r) => r.runId)).toEqual(["r-delivered"]);
        expect(await store.results.findByRunId(delivered.deviceId, "r-unknown")).toBeUndefined();
        // An orphan stored twice is one row too.
        expect(await store.results.saveOrphan({ ...orphan, output: { weight: -2 } })).toEqual({ inserted: false, dropped: 0 });
        expect((await store.results.findOrphan(delivered.deviceId, "r-delivered"))?.output).toEqual({ weight: -1 });
      });

      it("keeps at most ORPHAN_LIMITS.count orphans per device, the newest, and says how many it dropped (issue 18 finding 8)", async () => {
        const orphanOf = (deviceId: string, index: number) => ({ deviceId, runId: `o-${index}`, epoch: 1, reason: "UNKNOWN_RUN", output: { index }, storedAt: index });
        await store.results.saveOrphan(orphanOf("dev-other", 0));
        let dropped = 0;
        for (let index = 0; index < ORPHAN_LIMITS.count + 30; index++) dropped += (await store.results.saveOrphan(orphanOf("dev-o", index))).dropped;
        const viaTransition = await store.transitions.commit({ orphans: [orphanOf("dev-o", 1_000)] });
        dropped += viaTransition.orphans[0].dropped;
        expect(dropped).toBe(31);
        expect(await store.results.findOrphan("dev-o", "o-30")).toBeUndefined();
        expect(await store.results.findOrphan("dev-o", "o-31")).toMatchObject({ output: { index: 31 } });
        expect(await store.results.findOrphan("dev-o", `o-${ORPHAN_LIMITS.count + 29}`)).toBeDefined();
        expect(await store.results.findOrphan("dev-o", "o-1000")).toBeDefined();
        expect(await store.results.findOrphan("dev-other", "o-0")).toBeDefined(); // another device's are its own
      });

      it("keeps at most ORPHAN_LIMITS.bytes of orphan output per device, the newest", async () => {
        const big = "x".repeat(Math.floor(ORPHAN_LIMITS.bytes / 3.5));
        let dropped = 0;
        for (let index = 0; index < 6; index++) {
          dropped += (await store.results.saveOrphan({ deviceId: "dev-b", runId: `b-${index}`, epoch: 1, reason: "UNKNOWN_RUN", output: { big }, storedAt: index })).dropped;
        }
        expect(dropped).toBe(3);
        expect(await store.results.findOrphan("dev-b", "b-2")).toBeUndefined();
        for (const index of [3, 4, 5]) expect(await store.results.findOrphan("dev-b", `b-${index}`)).toBeDefined();
      });

      it("an orphan stored first never blocks the delivered result of the same run id", async () => {
        await store.results.saveOrphan({ deviceId: "dev-1", runId: "r-x", epoch: 3, reason: "UNKNOWN_RUN", output: {}, storedAt: 1 });
        expect(await store.results.saveDelivered(result({ runId: "r-x" }))).toEqual({ inserted: true });
      });

      it("lists a user's results newest first, in pages without gaps or repeats", async () => {
        const runIds: string[] = [];
        for (let index = 0; index < 7; index++) {
          const saved = result({ runId: `page-${index}`, storedAt: 1_000 + index });
          runIds.push(saved.runId);
          await store.results.saveDelivered(saved);
          await store.results.saveDelivered(result({ userId: "bob" })); // interleaved: someone else's
        }
        const seen: string[] = [];
        let before: string | undefined;
        for (let page = 0; page < 10; page++) {
          const listed = await store.results.listForUser("alice", { limit: 3, before });
          seen.push(...listed.results.map((r) => r.runId));
          expect(listed.results.every((r) => r.userId === "alice")).toBe(true);
          if (!listed.next) break;
          before = listed.next;
        }
        expect(seen).toEqual([...runIds].reverse());
        expect((await store.results.listForUser("nobody", { limit: 5 })).results).toEqual([]);
      });

      it("hands pending results over once, also to concurrent callers", async () => {
        const pendingA = result({ deviceId: "dev-p", runId: "p-1" });
        const pendingB = result({ deviceId: "dev-p", runId: "p-2" });
        const already = result({ deviceId: "dev-p", runId: "p-0", handedOverAt: 5 });
        for (const saved of [already, pendingA, pendingB]) await store.results.saveDelivered(saved);
        await store.results.saveDelivered(result({ deviceId: "dev-p", runId: "p-bob", userId: "bob" }));
        expect((await store.results.pendingFor("dev-p", "alice")).map((r) => r.runId)).toEqual(["p-1", "p-2"]);

        const attempts = await Promise.all(Array.from({ length: 8 }, () => store.results.markHandedOver("dev-p", ["p-1", "p-2", "p-0"], 7)));
        expect(attempts.flat().sort()).toEqual(["p-1", "p-2"]);
        expect(await store.results.pendingFor("dev-p", "alice")).toEqual([]);
        expect((await store.results.findByRunId("dev-p", "p-1"))?.handedOverAt).toBe(7);
        expect((await store.results.findByRunId("dev-p", "p-0"))?.handedOverAt).toBe(5);
        expect(await store.results.markHandedOver("dev-p", [], 8)).toEqual([]);
      });

      it("concurrent writers of one run id: exactly one insert wins", async () => {
        const runId = unique("race");
        const outcomes = await Promise.all(Array.from({ length: 12 }, (_, index) => store.results.saveDelivered(result({ runId, output: { writer: index } }))));
        expect(outcomes.filter((outcome) => outcome.inserted)).toHaveLength(1);
        expect((await store.results.listForUser("alice", { limit: 100 })).results.filter((r) => r.runId === runId)).toHaveLength(1);
      });
    });

    describe("device state", () => {
      it("round-trips a core state with a session and a run in flight", async () => {
        const state: CoreState = {
          ...stateAt("dev-s", 4),
          session: {
            holder: { userId: "alice", name: "Alice" }, startedAt: 10, lastActivity: 20, expiresAt: 3_600_010, releaseOnComplete: true, ownerLostAt: 0,
            run: { runId: "r-9", sessionType: "printing", input: { fileName: "a.gcode" }, startedAt: 15, hardDeadline: 999_999, stepDeadline: 30_015, accepted: true, progress: 0.5, progressMessage: "layer 3" },
            lastRun: null,
          },
          recentlyCompletedRunIds: ["r-7", "r-8"],
        };
        expect(await store.deviceStates.load("dev-s")).toBeUndefined();
        await store.deviceStates.save(state);
        expect(await store.deviceStates.load("dev-s")).toEqual(state);
      });

      it("never lets the epoch go down", async () => {
        await store.deviceStates.save(stateAt("dev-e", 3));
        await store.deviceStates.save(stateAt("dev-e", 3)); // the same epoch again is fine (state changes within a session)
        await expect(store.deviceStates.save(stateAt("dev-e", 2))).rejects.toBeInstanceOf(EpochRegressionError);
        expect((await store.deviceStates.load("dev-e"))?.epoch).toBe(3);
        await store.deviceStates.save(stateAt("dev-e", 5));
        expect((await store.deviceStates.load("dev-e"))?.epoch).toBe(5);
      });

      it("concurrent writers end at the highest epoch; every lower write after it is refused", async () => {
        const epochs = Array.from({ length: 20 }, (_, index) => index + 1).sort(() => Math.random() - 0.5);
        const outcomes = await Promise.allSettled(epochs.map((epoch) => store.deviceStates.save(stateAt("dev-c", epoch))));
        for (const outcome of outcomes) {
          if (outcome.status === "rejected") expect(outcome.reason).toBeInstanceOf(EpochRegressionError);
        }
        expect((await store.deviceStates.load("dev-c"))?.epoch).toBe(20);
      });

      it("raises an epoch for recovery, and never lowers it", async () => {
        expect(await store.deviceStates.raiseEpoch("dev-r", 17, 1)).toBe(17);
        expect((await store.deviceStates.load("dev-r"))?.epoch).toBe(17);
        expect(await store.deviceStates.raiseEpoch("dev-r", 4, 2)).toBe(17);
        await expect(store.deviceStates.save(stateAt("dev-r", 16))).rejects.toBeInstanceOf(EpochRegressionError);
      });

      it("repairs only an epoch beyond MAX_EPOCH (issue 18 finding 7); a sane one is never lowered", async () => {
        expect(await store.deviceStates.repairEpoch("dev-none", 3, 1)).toBeUndefined();
        await store.deviceStates.save(stateAt("dev-x", Number.MAX_SAFE_INTEGER));
        expect(await store.deviceStates.repairEpoch("dev-x", 8, 2)).toBe(8);
        expect((await store.deviceStates.load("dev-x"))?.epoch).toBe(8);
        await store.deviceStates.save(stateAt("dev-x", 9));
        expect(await store.deviceStates.repairEpoch("dev-x", 2, 3)).toBe(9);
        expect((await store.deviceStates.load("dev-x"))?.epoch).toBe(9);
      });
    });

    describe("history", () => {
      it("records sessions and runs with who, when and how they ended", async () => {
        await store.history.sessionStarted({ deviceId: "dev-h", epoch: 1, userId: "alice", userName: "Alice", startedAt: 100 });
        await store.history.runStarted({ deviceId: "dev-h", runId: "r-1", epoch: 1, userId: "alice", sessionType: "weighing", input: { userAge: 30 }, startedAt: 110 });
        await store.history.runFinished("dev-h", "r-1", { endedAt: 150, ok: true, output: { weight: 70 } });
        await store.history.runStarted({ deviceId: "dev-h", runId: "r-2", epoch: 1, userId: "alice", sessionType: "weighing", input: {}, startedAt: 160 });
        await store.history.runFinished("dev-h", "r-2", { endedAt: 170, ok: false, failureCode: "RUN_TIMEOUT", failureMessage: "too slow" });
        await store.history.runFinished("dev-h", "r-2", { endedAt: 999, ok: true }); // the first ending stands
        await store.history.sessionEnded("dev-h", 1, 200, "released");
        await store.history.sessionStarted({ deviceId: "dev-h", epoch: 2, userId: "bob", userName: "Bob", startedAt: 300 });

        expect(await store.history.listSessions("dev-h", 10)).toEqual([
          { deviceId: "dev-h", epoch: 2, userId: "bob", userName: "Bob", startedAt: 300, endedAt: null, endReason: null },
          { deviceId: "dev-h", epoch: 1, userId: "alice", userName: "Alice", startedAt: 100, endedAt: 200, endReason: "released" },
        ]);
        expect(await store.history.findRun("dev-h", "r-1")).toEqual({
          deviceId: "dev-h", runId: "r-1", epoch: 1, userId: "alice", sessionType: "weighing", input: { userAge: 30 }, startedAt: 110, endedAt: 150, ok: true, output: { weight: 70 }, failureCode: null, failureMessage: null,
        });
        expect((await store.history.listRuns("dev-h", 10)).map((run) => [run.runId, run.ok, run.failureCode])).toEqual([["r-2", false, "RUN_TIMEOUT"], ["r-1", true, null]]);
      });

      it("pages a device's sessions and a user's sessions newest first, and lists one session's runs", async () => {
        for (let epoch = 1; epoch <= 5; epoch++) {
          await store.history.sessionStarted({ deviceId: "dev-p", epoch, userId: epoch % 2 ? "carol" : "dan", userName: "x", startedAt: 1_000 + epoch });
        }
        // Same start time on two devices: the cursor still pages through both exactly once.
        await store.history.sessionStarted({ deviceId: "dev-q", epoch: 9, userId: "carol", userName: "x", startedAt: 1_005 });
        await store.history.runStarted({ deviceId: "dev-p", runId: "r-b", epoch: 3, userId: "carol", sessionType: "t", input: {}, startedAt: 20 });
        await store.history.runStarted({ deviceId: "dev-p", runId: "r-a", epoch: 3, userId: "carol", sessionType: "t", input: {}, startedAt: 10 });
        await store.history.runStarted({ deviceId: "dev-p", runId: "r-c", epoch: 4, userId: "dan", sessionType: "t", input: {}, startedAt: 30 });

        expect((await store.history.listSessions("dev-p", 2)).map((s) => s.epoch)).toEqual([5, 4]);
        expect((await store.history.listSessions("dev-p", 2, 4)).map((s) => s.epoch)).toEqual([3, 2]);
        expect((await store.history.findSession("dev-p", 3))?.userId).toBe("carol");
        expect(await store.history.findSession("dev-p", 42)).toBeUndefined();
        expect((await store.history.listSessionRuns("dev-p", 3, 10)).map((run) => run.runId)).toEqual(["r-a", "r-b"]);

        const first = await store.history.listUserSessions("carol", 2);
        expect(first.map((s) => `${s.deviceId}/${s.epoch}`)).toEqual(["dev-q/9", "dev-p/5"]);
        const last = first[first.length - 1];
        const second = await store.history.listUserSessions("carol", 2, { startedAt: last.startedAt, deviceId: last.deviceId, epoch: last.epoch });
        expect(second.map((s) => `${s.deviceId}/${s.epoch}`)).toEqual(["dev-p/3", "dev-p/1"]);
      });
    });

    describe("firmware updates (issue 23)", () => {
      const request = (overrides: Partial<FirmwareUpdateRecord> = {}): FirmwareUpdateRecord => ({
        deviceId: "dev-ota", url: "https://firmware.lab/scale-1.2.0.bin", version: "1.2.0", sha256: "a".repeat(64), status: "pending",
        requestedBy: "root", requestedAt: 1_000, fromVersion: "1.1.0", offeredAt: 0, finishedAt: 0, detail: "", ...overrides,
      });

      it("keeps the latest request per device, listed by id; a new request replaces the old one whole", async () => {
        expect(await store.firmwareUpdates.find("dev-ota")).toBeUndefined();
        await store.firmwareUpdates.request(request({ offeredAt: 5, status: "failed", finishedAt: 6, detail: "rolled back" }));
        await store.firmwareUpdates.request(request({ deviceId: "dev-aaa", version: "9" }));
        const newer = request({ version: "1.3.0", requestedAt: 2_000, requestedBy: "cli:ops" });
        await store.firmwareUpdates.request(newer);
        expect(await store.firmwareUpdates.find("dev-ota")).toEqual(newer);
        expect((await store.firmwareUpdates.list()).map((record) => [record.deviceId, record.version])).toEqual([["dev-aaa", "9"], ["dev-ota", "1.3.0"]]);
      });

      it("moves a request on only while it is still the stored one (a newer request is never overwritten)", async () => {
        const first = request();
        await store.firmwareUpdates.request(first);
        expect(await store.firmwareUpdates.update({ ...first, offeredAt: 1_500 })).toBe(true);
        expect(await store.firmwareUpdates.update({ ...first, offeredAt: 1_500, status: "applied", finishedAt: 1_600, url: "https://ignored/" })).toBe(true);
        expect(await store.firmwareUpdates.find("dev-ota")).toEqual({ ...first, offeredAt: 1_500, status: "applied", finishedAt: 1_600 });
        const second = request({ requestedAt: 3_000, version: "2.0.0" });
        await store.firmwareUpdates.request(second);
        expect(await store.firmwareUpdates.update({ ...first, status: "failed", finishedAt: 3_100, detail: "late" })).toBe(false);
        expect(await store.firmwareUpdates.find("dev-ota")).toEqual(second);
        expect(await store.firmwareUpdates.update({ ...second, deviceId: "dev-none" })).toBe(false);
      });
    });

    describe("queue and availability (issue 13)", () => {
      it("round-trips a core state with a line, an open offer, an owed ready and a quarantine", async () => {
        const bob = { user: { userId: "bob", name: "Bob" }, enqueuedAt: 50, lostAt: 0, sessionType: "weighing", input: { userAge: 3 }, releaseOnComplete: true };
        const carol = { user: { userId: "carol", name: "Carol" }, enqueuedAt: 60, lostAt: 70 };
        const state: CoreState = {
          ...stateAt("dev-queue", 2),
          queue: [carol],
          offer: { entry: bob, offeredAt: 80, expiresAt: 60_080 },
          awaitingReadySince: 75,
          availability: { status: "quarantined", reason: "3 failed runs in a row (last: JAM)", since: 77, by: "health" },
          consecutiveFailures: 3,
        };
        await store.deviceStates.save(state);
        expect(await store.deviceStates.load("dev-queue")).toEqual(state);
      });

      it("keeps one availability record per device, replaced by the latest decision, listed by id", async () => {
        expect(await store.availability.find("dev-av")).toBeUndefined();
        await store.availability.set({ deviceId: "dev-av", status: "drained", reason: "recalibration", since: 10, by: "root" });
        await store.availability.set({ deviceId: "dev-aa", status: "maintenance", reason: "no ready", since: 11, by: "readiness" });
        await store.availability.set({ deviceId: "dev-av", status: "quarantined", reason: "cable", since: 20, by: "cli:ops" });
        expect(await store.availability.find("dev-av")).toEqual({ deviceId: "dev-av", status: "quarantined", reason: "cable", since: 20, by: "cli:ops" });
        expect((await store.availability.list()).map((record) => [record.deviceId, record.status])).toEqual([["dev-aa", "maintenance"], ["dev-av", "quarantined"]]);
      });

      it("gives the recent durations the queue's ETA is learned from: successful runs and ended sessions, newest first", async () => {
        const runs: [string, string, number, number, boolean | null][] = [
          ["r-1", "weighing", 100, 130, true], ["r-2", "weighing", 200, 210, true], ["r-3", "printing", 300, 900, true],
          ["r-4", "weighing", 1_000, 1_500, false], ["r-5", "weighing", 2_000, 0, null],
        ];
        for (const [runId, sessionType, startedAt, endedAt, ok] of runs) {
          await store.history.runStarted({ deviceId: "dev-eta", runId, epoch: 1, userId: "u", sessionType, input: {}, startedAt });
          if (ok !== null) await store.history.runFinished("dev-eta", runId, { endedAt, ok, ...(ok ? { output: {} } : { failureCode: "X" }) });
        }
        await store.history.runStarted({ deviceId: "dev-other", runId: "r-9", epoch: 1, userId: "u", sessionType: "weighing", input: {}, startedAt: 1 });
        await store.history.runFinished("dev-other", "r-9", { endedAt: 99_999, ok: true, output: {} });
        expect(await store.history.recentRunDurations("dev-eta", 10)).toEqual([
          { sessionType: "printing", durationMs: 600 }, { sessionType: "weighing", durationMs: 10 }, { sessionType: "weighing", durationMs: 30 },
        ]);
        expect(await store.history.recentRunDurations("dev-eta", 1)).toHaveLength(1);

        await store.history.sessionStarted({ deviceId: "dev-eta", epoch: 1, userId: "u", userName: "U", startedAt: 100 });
        await store.history.sessionEnded("dev-eta", 1, 400, "released");
        await store.history.sessionStarted({ deviceId: "dev-eta", epoch: 2, userId: "u", userName: "U", startedAt: 500 });
        await store.history.sessionEnded("dev-eta", 2, 550, "completed");
        await store.history.sessionStarted({ deviceId: "dev-eta", epoch: 3, userId: "u", userName: "U", startedAt: 600 });
        expect(await store.history.recentSessionDurations("dev-eta", 10)).toEqual([50, 300]);
      });
    });

    describe("webhook outbox", () => {
      it("hands out only the head of each (endpoint, device) queue, once per claim, in order through retries and give-ups", async () => {
        const message = (endpoint: string, deviceId: string, n: number) => ({ endpoint, deviceId, eventType: "device.free", body: `{"n":${n}}`, createdAt: 100 + n });
        await store.outbox.enqueue([message("a", "d1", 1), message("a", "d1", 2), message("a", "d2", 3), message("b", "d1", 4)]);
        expect(await store.outbox.pendingCount()).toBe(4);
        let due = await store.outbox.due(1_000, 10);
        expect(due.map((m) => m.body)).toEqual(['{"n":1}', '{"n":3}', '{"n":4}']);
        const head = due[0];
        expect(await store.outbox.claim(head.id, head.nextAttemptAt, 5_000)).toBe(true);
        expect(await store.outbox.claim(head.id, head.nextAttemptAt, 5_000)).toBe(false); // another dispatcher lost
        // The claimed head is leased: its queue has nothing due, and its successor waits behind it.
        expect((await store.outbox.due(1_000, 10)).map((m) => m.body)).toEqual(['{"n":3}', '{"n":4}']);
        await store.outbox.failed(head.id, 2_000, "HTTP 500", 1_000);
        expect((await store.outbox.due(1_999, 10)).map((m) => m.body)).toEqual(['{"n":3}', '{"n":4}']);
        due = await store.outbox.due(2_000, 10);
        expect(due[0]).toMatchObject({ body: '{"n":1}', attempts: 1 });
        await store.outbox.delivered(due[0].id, 2_000);
        expect((await store.outbox.due(2_000, 10)).map((m) => m.body)).toEqual(['{"n":2}', '{"n":3}', '{"n":4}']);
        const second = (await store.outbox.due(2_000, 1))[0];
        await store.outbox.failed(second.id, null, "gave up", 2_000); // given up: the queue moves on
        expect(await store.outbox.pendingCount()).toBe(2);
        expect(await store.purgeOlderThan(2_001)).toBeGreaterThanOrEqual(2);
        expect(await store.outbox.pendingCount()).toBe(2);
      });

      it("lists pending and given-up messages newest first without their bodies, and puts a given-up one back in line", async () => {
        const message = (deviceId: string, n: number) => ({ endpoint: "https://hooks.example/x", deviceId, eventType: "device.free", body: `{"n":${n}}`, createdAt: 100 + n });
        await store.outbox.enqueue([message("r1", 1), message("r1", 2), message("r2", 3)]);
        const pending = await store.outbox.list("pending", 10);
        expect(pending.map((m) => m.createdAt)).toEqual([103, 102, 101]);
        expect(pending[0]).toEqual({ id: pending[0].id, endpoint: "https://hooks.example/x", deviceId: "r2", eventType: "device.free", attempts: 0, nextAttemptAt: 103, createdAt: 103, givenUpAt: null, lastError: null });
        expect(await store.outbox.list("pending", 1)).toHaveLength(1);
        const first = pending[2];
        expect(await store.outbox.retry(first.id, 500)).toBe(false); // not given up: nothing to retry
        await store.outbox.failed(first.id, null, "HTTP 410", 300);
        expect(await store.outbox.list("failed", 10)).toEqual([{ ...first, attempts: 1, givenUpAt: 300, lastError: "HTTP 410" }]);
        expect((await store.outbox.due(1_000, 10)).map((m) => m.body)).toEqual(['{"n":2}', '{"n":3}']);
        expect(await store.outbox.retry(first.id, 500)).toBe(true);
        expect(await store.outbox.retry(first.id, 500)).toBe(false);
        expect(await store.outbox.list("failed", 10)).toEqual([]);
        // Back at the head of its queue, due now; its successor waits behind it again.
        expect((await store.outbox.due(1_000, 10)).map((m) => m.body)).toEqual(['{"n":1}', '{"n":3}']);
        expect((await store.outbox.due(1_000, 10))[0]).toMatchObject({ attempts: 1, nextAttemptAt: 500 });
      });
    });

    describe("device registry", () => {
      it("adds, finds, lists, disables, rotates, and refuses a duplicate id", async () => {
        await store.devices.add({ deviceId: "scale-01", label: "Clinic scale", kind: "scale", secretHash: "scrypt$a", createdAt: 5 });
        await expect(store.devices.add({ deviceId: "scale-01", label: "x", kind: "", secretHash: "scrypt$b", createdAt: 6 })).rejects.toBeInstanceOf(DeviceExistsError);
        expect(await store.devices.find("scale-01")).toEqual({ deviceId: "scale-01", label: "Clinic scale", kind: "scale", secretHash: "scrypt$a", createdAt: 5, disabledAt: null, sessionTypes: [], pool: "" });
        expect(await store.devices.setSecretHash("scale-01", "scrypt$rotated")).toBe(true);
        expect(await store.devices.disable("scale-01", 9)).toBe(true);
        expect(await store.devices.disable("nope", 9)).toBe(false);
        const types = [{ name: "weighing", inputSchema: { type: "object" }, maxDurationMs: 1000 }];
        await store.devices.recordSessionTypes("scale-01", types);
        expect(await store.devices.find("scale-01")).toMatchObject({ secretHash: "scrypt$rotated", disabledAt: 9, sessionTypes: types });
        expect((await store.devices.list()).map((device) => device.deviceId)).toEqual(["scale-01"]);
      });

      it("removes a device; its stored epoch stays, so the id registered again continues above it", async () => {
        await store.devices.add({ deviceId: "gone-1", label: "", kind: "scale", secretHash: "scrypt$a", createdAt: 5 });
        await store.deviceStates.raiseEpoch("gone-1", 12, 6);
        expect(await store.devices.remove("gone-1")).toBe(true);
        expect(await store.devices.remove("gone-1")).toBe(false);
        expect(await store.devices.find("gone-1")).toBeUndefined();
        expect((await store.devices.list()).map((device) => device.deviceId)).not.toContain("gone-1");
        await store.devices.add({ deviceId: "gone-1", label: "again", kind: "scale", secretHash: "scrypt$b", createdAt: 7 });
        expect((await store.deviceStates.load("gone-1"))?.epoch).toBe(12);
      });

      it("imports from a file: adds new devices, updates changed ones, leaves the rest", async () => {
        const device = { deviceId: "imp-1", label: "A", kind: "", secretHash: "scrypt$1", createdAt: 1 };
        expect(await store.devices.upsertFromImport(device)).toBe("added");
        expect(await store.devices.upsertFromImport(device)).toBe("unchanged");
        expect(await store.devices.upsertFromImport({ ...device, secretHash: "scrypt$2" })).toBe("updated");
        expect((await store.devices.find("imp-1"))?.secretHash).toBe("scrypt$2");
      });
    });

    describe("device pools (issue 13)", () => {
      it("a device's pool is its kind unless an explicit pool name is set; clearing it returns to the kind", async () => {
        await store.devices.add({ deviceId: "scale-p1", label: "", kind: "scale", secretHash: "scrypt$a", createdAt: 1 });
        await store.devices.add({ deviceId: "scale-p2", label: "", kind: "scale", secretHash: "scrypt$a", createdAt: 1, pool: "lab-2" });
        expect(poolOf((await store.devices.find("scale-p1"))!)).toBe("scale");
        expect((await store.devices.find("scale-p2"))?.pool).toBe("lab-2");
        expect(await store.devices.setPool("scale-p1", "lab-2")).toBe(true);
        expect((await store.devices.list()).filter((device) => poolOf(device) === "lab-2").map((device) => device.deviceId)).toEqual(["scale-p1", "scale-p2"]);
        expect(await store.devices.setPool("scale-p2", "")).toBe(true);
        expect(poolOf((await store.devices.find("scale-p2"))!)).toBe("scale");
        expect(await store.devices.setPool("nope", "x")).toBe(false);
      });
    });

    describe("audit log", () => {
      it("records who did what, newest first, per device or for all", async () => {
        await store.audit.record({ at: 1, actor: "cli:ops", action: AuditAction.REGISTER, deviceId: "d-1", detail: { label: "x" } });
        await store.audit.record({ at: 2, actor: "alice", action: AuditAction.CLAIM, deviceId: "d-1", detail: { epoch: 1 } });
        await store.audit.record({ at: 3, actor: "cli:ops", action: AuditAction.DISABLE, deviceId: "d-2", detail: {} });
        expect((await store.audit.list({ deviceId: "d-1", limit: 10 })).map((entry) => entry.action)).toEqual(["claim", "register"]);
        expect(await store.audit.list({ limit: 1 })).toEqual([{ at: 3, actor: "cli:ops", action: "disable", deviceId: "d-2", detail: {} }]);
      });
    });

    describe("transitions (one transaction per transition, grouped across devices)", () => {
      it("commits the state, a result, an orphan, history and audit together, readable through the other ports", async () => {
        const state = stateAt("dev-t", 3);
        const delivered = result({ deviceId: "dev-t", runId: "t-1", epoch: 3 });
        const orphan = { deviceId: "dev-t", runId: "t-old", epoch: 1, reason: "STALE_EPOCH", output: { weight: 1 }, storedAt: 1_000 };
        const outcome = await store.transitions.commit({
          state,
          delivered: [delivered],
          orphans: [orphan],
          history: [
            { kind: "sessionStarted", record: { deviceId: "dev-t", epoch: 3, userId: "alice", userName: "Alice", startedAt: 100 } },
            { kind: "runStarted", record: { deviceId: "dev-t", runId: "t-1", epoch: 3, userId: "alice", sessionType: "weighing", input: { a: 1 }, startedAt: 110 } },
            { kind: "runFinished", deviceId: "dev-t", runId: "t-1", outcome: { endedAt: 120, ok: true, output: { weight: 70.5 } } },
            { kind: "sessionEnded", deviceId: "dev-t", epoch: 3, endedAt: 130, endReason: "released" },
          ],
          audit: [{ at: 100, actor: "alice", action: AuditAction.CLAIM, deviceId: "dev-t", detail: { epoch: 3 } }],
        });
        expect(outcome).toEqual({ delivered: [{ inserted: true }], orphans: [{ inserted: true, dropped: 0 }], recordErrors: [] });
        expect(await store.deviceStates.load("dev-t")).toEqual(state);
        expect(await store.results.findByRunId("dev-t", "t-1")).toEqual({ ...delivered, status: "delivered", handedOverAt: null });
        expect(await store.results.findOrphan("dev-t", "t-old")).toEqual({ ...orphan, status: "orphaned" });
        expect(await store.history.findSession("dev-t", 3)).toEqual({ deviceId: "dev-t", epoch: 3, userId: "alice", userName: "Alice", startedAt: 100, endedAt: 130, endReason: "released" });
        expect(await store.history.findRun("dev-t", "t-1")).toMatchObject({ startedAt: 110, endedAt: 120, ok: true, output: { weight: 70.5 }, input: { a: 1 } });
        expect(await store.audit.list({ deviceId: "dev-t", limit: 10 })).toEqual([{ at: 100, actor: "alice", action: AuditAction.CLAIM, deviceId: "dev-t", detail: { epoch: 3 } }]);
      });

      it("commits a late result as its owner's, marked why, and adds its output to the run that ended without one (issue 21 item 3)", async () => {
        const late = result({ deviceId: "dev-late", runId: "l-1", epoch: 2, lateReason: "RUN_TIMEOUT" });
        await store.transitions.commit({ history: [
          { kind: "runStarted", record: { deviceId: "dev-late", runId: "l-1", epoch: 2, userId: "alice", sessionType: "weighing", input: {}, startedAt: 10 } },
          { kind: "runFinished", deviceId: "dev-late", runId: "l-1", outcome: { endedAt: 20, ok: false, failureCode: "RUN_TIMEOUT", failureMessage: "timed out" } },
        ] });
        await store.transitions.commit({ delivered: [late], history: [{ kind: "runLateOutput", deviceId: "dev-late", runId: "l-1", output: { weight: 5 } }] });
        expect(await store.results.findByRunId("dev-late", "l-1")).toEqual({ ...late, status: "delivered", handedOverAt: null });
        expect((await store.results.pendingFor("dev-late", late.userId))[0]).toMatchObject({ lateReason: "RUN_TIMEOUT" });
        expect(await store.history.findRun("dev-late", "l-1")).toMatchObject({ endedAt: 20, ok: false, failureCode: "RUN_TIMEOUT", output: { weight: 5 } });
        // Only a run without an output gets one: a second late copy changes nothing.
        await store.history.runLateOutput("dev-late", "l-1", { weight: 6 });
        expect((await store.history.findRun("dev-late", "l-1"))?.output).toEqual({ weight: 5 });
      });

      it("stores results insert-once: a re-sent copy reports inserted: false and the first copy stays", async () => {
        const first = result({ deviceId: "dev-t2", runId: "t-dup" });
        expect((await store.transitions.commit({ delivered: [first] })).delivered).toEqual([{ inserted: true }]);
        expect((await store.transitions.commit({ delivered: [{ ...first, output: { weight: 0 } }] })).delivered).toEqual([{ inserted: false }]);
        expect((await store.results.findByRunId("dev-t2", "t-dup"))?.output).toEqual(first.output);
      });

      it("refuses a lower epoch and then stores nothing of that write", async () => {
        await store.transitions.commit({ state: stateAt("dev-t3", 5) });
        const stale = store.transitions.commit({
          state: stateAt("dev-t3", 4),
          delivered: [result({ deviceId: "dev-t3", runId: "t-stale" })],
          audit: [{ at: 1, actor: "alice", action: AuditAction.CLAIM, deviceId: "dev-t3", detail: {} }],
        });
        await expect(stale).rejects.toBeInstanceOf(EpochRegressionError);
        expect((await store.deviceStates.load("dev-t3"))?.epoch).toBe(5);
        expect(await store.results.findByRunId("dev-t3", "t-stale")).toBeUndefined();
        expect(await store.audit.list({ deviceId: "dev-t3", limit: 10 })).toEqual([]);
      });

      it("writes submitted together are independent: one refused write leaves the others committed", async () => {
        await store.deviceStates.save(stateAt("dev-g0", 9));
        // Submitted in one turn of the event loop: a grouping adapter commits them in one transaction.
        const settled = await Promise.allSettled(Array.from({ length: 6 }, (_, index) => store.transitions.commit({
          state: stateAt(`dev-g${index}`, index === 0 ? 1 : 2),
          delivered: [result({ deviceId: `dev-g${index}`, runId: `g-${index}` })],
        })));
        expect(settled.map((outcome) => outcome.status)).toEqual(["rejected", "fulfilled", "fulfilled", "fulfilled", "fulfilled", "fulfilled"]);
        expect((settled[0] as PromiseRejectedResult).reason).toBeInstanceOf(EpochRegressionError);
        expect(await store.results.findByRunId("dev-g0", "g-0")).toBeUndefined();
        for (let index = 1; index < 6; index++) {
          expect((await store.deviceStates.load(`dev-g${index}`))?.epoch).toBe(2);
          expect(await store.results.findByRunId(`dev-g${index}`, `g-${index}`)).toMatchObject({ status: "delivered" });
        }
        expect((await store.deviceStates.load("dev-g0"))?.epoch).toBe(9);
      });

      it("concurrent writes of one device end at the highest epoch; the lower ones after it are refused", async () => {
        const epochs = [3, 7, 5, 8, 2, 8, 6];
        const settled = await Promise.allSettled(epochs.map((epoch) => store.transitions.commit({ state: stateAt("dev-c", epoch) })));
        expect((await store.deviceStates.load("dev-c"))?.epoch).toBe(8);
        // Submitted in this order: every write below an epoch submitted before it was refused.
        settled.forEach((outcome, index) => {
          const highestBefore = Math.max(0, ...epochs.slice(0, index));
          expect(outcome.status).toBe(epochs[index]! >= highestBefore ? "fulfilled" : "rejected");
        });
      });

      it("a record that cannot be written is reported, and the rest of the write is committed", async () => {
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic; // not JSON: the record cannot be stored
        const outcome = await store.transitions.commit({
          state: stateAt("dev-r", 2),
          delivered: [result({ deviceId: "dev-r", runId: "r-kept" })],
          audit: [
            { at: 1, actor: "alice", action: AuditAction.CLAIM, deviceId: "dev-r", detail: cyclic },
            { at: 2, actor: "alice", action: AuditAction.RELEASE, deviceId: "dev-r", detail: { ok: true } },
          ],
        });
        expect(outcome.recordErrors).toHaveLength(1);
        expect(outcome.delivered).toEqual([{ inserted: true }]);
        expect((await store.deviceStates.load("dev-r"))?.epoch).toBe(2);
        expect(await store.audit.list({ deviceId: "dev-r", limit: 10 })).toEqual([{ at: 2, actor: "alice", action: AuditAction.RELEASE, deviceId: "dev-r", detail: { ok: true } }]);
      });
    });

    describe("telemetry samples (issue 24)", () => {
      it("keeps appended samples per device and channel, oldest first, with their types, and purges old ones", async () => {
        await store.telemetry.append([
          { deviceId: "dev-t", channel: "nozzle", at: 3_000, value: 211.5 },
          { deviceId: "dev-t", channel: "nozzle", at: 1_000, value: 24.25 },
          { deviceId: "dev-t", channel: "door", at: 1_500, value: true },
          { deviceId: "dev-t", channel: "stage", at: 1_600, value: "heating" },
          { deviceId: "dev-u", channel: "nozzle", at: 2_000, value: 99 },
        ]);
        await store.telemetry.append([]);
        expect(await store.telemetry.list("dev-t", "nozzle")).toEqual([
          { deviceId: "dev-t", channel: "nozzle", at: 1_000, value: 24.25 },
          { deviceId: "dev-t", channel: "nozzle", at: 3_000, value: 211.5 },
        ]);
        expect(await store.telemetry.list("dev-t", "door")).toEqual([{ deviceId: "dev-t", channel: "door", at: 1_500, value: true }]);
        expect(await store.telemetry.list("dev-t", "stage")).toEqual([{ deviceId: "dev-t", channel: "stage", at: 1_600, value: "heating" }]);
        expect((await store.telemetry.list("dev-t", "nozzle", { since: 2_000 })).map((sample) => sample.at)).toEqual([3_000]);
        expect((await store.telemetry.list("dev-t", "nozzle", { limit: 1 })).map((sample) => sample.at)).toEqual([1_000]);
        expect(await store.purgeOlderThan(2_500)).toBe(4);
        expect((await store.telemetry.list("dev-t", "nozzle")).map((sample) => sample.value)).toEqual([211.5]);
        expect(await store.telemetry.list("dev-u", "nozzle")).toEqual([]);
      });
    });

    describe("retention", () => {
      it("purges what is older than the cutoff and keeps the rest, and never device state or the registry", async () => {
        await store.results.saveDelivered(result({ runId: "old", storedAt: 100 }));
        await store.results.saveDelivered(result({ runId: "new", storedAt: 10_000 }));
        await store.results.saveOrphan({ deviceId: "dev-1", runId: "old-orphan", epoch: 0, reason: "STALE_EPOCH", output: {}, storedAt: 100 });
        await store.history.sessionStarted({ deviceId: "dev-1", epoch: 1, userId: "a", userName: "A", startedAt: 50 });
        await store.history.sessionEnded("dev-1", 1, 100, "released");
        await store.history.sessionStarted({ deviceId: "dev-1", epoch: 2, userId: "a", userName: "A", startedAt: 60 }); // still open: kept
        await store.audit.record({ at: 100, actor: "a", action: AuditAction.CLAIM, deviceId: "dev-1", detail: {} });
        await store.deviceStates.save(stateAt("dev-1", 2));
        await store.devices.add({ deviceId: "dev-1", label: "", kind: "", secretHash: "scrypt$x", createdAt: 1 });

        expect(await store.purgeOlderThan(5_000)).toBe(4);
        expect(await store.results.findByRunId("dev-1", "old")).toBeUndefined();
        expect(await store.results.findByRunId("dev-1", "new")).toBeDefined();
        expect(await store.results.findOrphan("dev-1", "old-orphan")).toBeUndefined();
        expect((await store.history.listSessions("dev-1", 10)).map((s) => s.epoch)).toEqual([2]);
        expect(await store.audit.list({ limit: 10 })).toEqual([]);
        expect((await store.deviceStates.load("dev-1"))?.epoch).toBe(2);
        expect(await store.devices.find("dev-1")).toBeDefined();
      });
    });
  });
}
