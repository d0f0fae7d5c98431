/**
 * The load tool's accounting: facts from every worker (events.ts) in, counters and verdicts
 * out. Pure — no sockets, no clock — so the two verdicts that fail a run are unit-tested
 * with synthetic event logs (test/loadtest/ledger.test.ts).
 *
 * - **Double grant**: two different users each saw themselves as the holder of one device
 *   at the same epoch. Fencing makes a stale belief at an *older* epoch harmless; the same
 *   epoch held by two people is the bug the baton exists to prevent.
 * - **Lost result**: a device got `ack` for a result (the server stored it) and the user who
 *   held the device at that epoch never got an outcome for that run — not live, not on
 *   rejoining, and not in its own `GET /results` at the end. A `run_failed` counts as an
 *   outcome: when a run timed out or was cancelled before the device's result came, the
 *   server acks the late result as orphaned and the owner was told the run failed.
 * - **Misdelivered**: a `result` reached a user who did not hold the device at the run's
 *   epoch (an owner's output is private).
 */
import { newHistogram, summarize, type Histogram, type LatencySummary } from "../bench/lib/histogram.ts";
import type { LoadEvent, WorkerGauges } from "./events.ts";

export interface DoubleGrant { deviceId: string; epoch: number; userIds: string[] }
export interface LostResult { deviceId: string; epoch: number; runId: string; ownerId: string }
export interface Misdelivery { deviceId: string; runId: string; epoch: number; userId: string; ownerIds: string[] }
export interface Unattributed { deviceId: string; epoch: number; runId: string }

export interface Verdict {
  doubleGrants: DoubleGrant[];
  lostResults: LostResult[];
  misdelivered: Misdelivery[];
  /** Acked results whose epoch no simulated user ever saw itself hold, and nobody received (reported, not failed). */
  unattributed: Unattributed[];
  ok: boolean;
}

export interface Snapshot {
  usersConnected: number;
  devicesConnected: number;
  /** Distinct (device, epoch) pairs some user saw itself hold. */
  sessions: number;
  /** Runs known from any side: seen running by their owner, answered, or acked on the device (a fast run can finish between two patches). */
  runsStarted: number;
  runsOk: number;
  runsFailed: number;
  resultsAcked: number;
  /** Results received a second time by their owner (e.g. live, then again on rejoin). */
  duplicateDeliveries: number;
  recovered: number;
  away: { left: number; dropped: number; reconnected: number; rejoined: number };
  /** Refusals, run failures and timeouts, by code (DEVICE_BUSY is ordinary contention). */
  failuresByCode: Record<string, number>;
  /** Claim/run sent → result received, µs. */
  latency: LatencySummary;
}

const key = (deviceId: string, x: string | number) => `${deviceId}\u0000${x}`;

export class Ledger {
  /** (device, epoch) → users who believed they held it. */
  private readonly holders = new Map<string, Set<string>>();
  /** (device, runId) → epoch, from the device's ack or the owner's view of its run. */
  private readonly runEpochs = new Map<string, number>();
  /** (device, runId) → acked by the device at epoch. */
  private readonly acks = new Map<string, { deviceId: string; runId: string; epoch: number }>();
  /** (device, runId) → users who got an outcome (result or run_failed), and whether it was a result. */
  private readonly delivered = new Map<string, Map<string, "result" | "run_failed">>();
  private readonly startedRuns = new Set<string>();
  private readonly gauges = new Map<number, WorkerGauges>();
  private readonly failures: Record<string, number> = {};
  private readonly latency: Histogram = newHistogram();
  private runsOk = 0;
  private runsFailed = 0;
  private duplicates = 0;
  private recoveredCount = 0;
  private readonly away = { left: 0, dropped: 0, reconnected: 0, rejoined: 0 };

  apply(event: LoadEvent): void {
    switch (event.t) {
      case "belief": {
        const k = key(event.deviceId, event.epoch);
        const users = this.holders.get(k) ?? new Set<string>();
        users.add(event.userId);
        this.holders.set(k, users);
        return;
      }
      case "runStarted":
        this.startedRuns.add(key(event.deviceId, event.runId));
        this.runEpochs.set(key(event.deviceId, event.runId), event.epoch);
        return;
      case "deviceAck":
        this.acks.set(key(event.deviceId, event.runId), { deviceId: event.deviceId, runId: event.runId, epoch: event.epoch });
        this.runEpochs.set(key(event.deviceId, event.runId), event.epoch);
        return;
      case "outcome": {
        const k = key(event.deviceId, event.runId);
        const receivers = this.delivered.get(k) ?? new Map();
        if (receivers.has(event.userId)) {
          this.duplicates++;
          return;
        }
        receivers.set(event.userId, event.kind);
        this.delivered.set(k, receivers);
        if (event.kind === "result") {
          this.runsOk++;
          if (event.latencyUs !== undefined) this.latency.recordValue(Math.max(1, Math.round(event.latencyUs)));
        } else {
          this.runsFailed++;
          this.countFailure(event.code ?? "RUN_FAILED");
        }
        return;
      }
      case "recovered": {
        const k = key(event.deviceId, event.runId);
        const receivers = this.delivered.get(k) ?? new Map();
        if (!receivers.has(event.userId)) {
          receivers.set(event.userId, "result");
          this.delivered.set(k, receivers);
          this.recoveredCount++;
          this.runsOk++;
        }
        return;
      }
      case "failure":
        this.countFailure(event.code);
        return;
      case "away":
        this.away[event.how]++;
        return;
      case "back":
        this.away[event.how]++;
        return;
    }
  }

  setGauges(workerIndex: number, gauges: WorkerGauges): void {
    this.gauges.set(workerIndex, gauges);
  }

  snapshot(): Snapshot {
    let usersConnected = 0;
    let devicesConnected = 0;
    for (const g of this.gauges.values()) {
      usersConnected += g.usersConnected;
      devicesConnected += g.devicesConnected;
    }
    return {
      usersConnected,
      devicesConnected,
      sessions: this.holders.size,
      runsStarted: new Set([...this.startedRuns, ...this.delivered.keys(), ...this.acks.keys()]).size,
      runsOk: this.runsOk,
      runsFailed: this.runsFailed,
      resultsAcked: this.acks.size,
      duplicateDeliveries: this.duplicates,
      recovered: this.recoveredCount,
      away: { ...this.away },
      failuresByCode: { ...this.failures },
      latency: summarize(this.latency),
    };
  }

  /** Acked results whose single known owner has no outcome yet: look for them in the owner's `GET /results`. */
  undelivered(): LostResult[] {
    const missing: LostResult[] = [];
    for (const ack of this.acks.values()) {
      const owners = this.holders.get(key(ack.deviceId, ack.epoch));
      if (!owners || owners.size !== 1) continue;
      const [ownerId] = owners;
      if (!this.delivered.get(key(ack.deviceId, ack.runId))?.has(ownerId!)) missing.push({ ...ack, ownerId: ownerId! });
    }
    return missing;
  }

  verdict(): Verdict {
    const doubleGrants: DoubleGrant[] = [];
    for (const [k, users] of this.holders) {
      if (users.size > 1) {
        const [deviceId, epoch] = k.split("\u0000");
        doubleGrants.push({ deviceId: deviceId!, epoch: Number(epoch), userIds: [...users].sort() });
      }
    }
    const lostResults: LostResult[] = [];
    const unattributed: Unattributed[] = [];
    for (const ack of this.acks.values()) {
      const owners = this.holders.get(key(ack.deviceId, ack.epoch));
      const receivers = this.delivered.get(key(ack.deviceId, ack.runId));
      if (!owners || owners.size === 0) {
        if (!receivers || receivers.size === 0) unattributed.push(ack);
        continue;
      }
      for (const ownerId of owners) {
        if (!receivers?.has(ownerId)) lostResults.push({ ...ack, ownerId });
      }
    }
    const misdelivered: Misdelivery[] = [];
    for (const [k, receivers] of this.delivered) {
      const epoch = this.runEpochs.get(k);
      if (epoch === undefined) continue;
      const [deviceId, runId] = k.split("\u0000");
      const owners = this.holders.get(key(deviceId!, epoch));
      if (!owners || owners.size === 0) continue;
      for (const [userId, kind] of receivers) {
        if (kind === "result" && !owners.has(userId)) misdelivered.push({ deviceId: deviceId!, runId: runId!, epoch, userId, ownerIds: [...owners] });
      }
    }
    return {
      doubleGrants, lostResults, misdelivered, unattributed,
      ok: doubleGrants.length === 0 && lostResults.length === 0 && misdelivered.length === 0,
    };
  }

  private countFailure(code: string) {
    this.failures[code] = (this.failures[code] ?? 0) + 1;
  }
}
