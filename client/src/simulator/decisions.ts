/**
 * What the device decides when a command or a `welcome` arrives — fencing and the resume
 * rules — as pure functions of what the device knows. The simulator's device and the C
 * firmware implement the same table; keeping it pure means every row is unit-tested
 * without a socket (decisions.test.ts) and docs/PROTOCOL.md can quote it.
 */
import { Phase } from "@baton/protocol";
import type { CancelMessage, StartMessage, WelcomeMessage } from "@baton/protocol";

/** What the device knows about its work, at the moment a message arrives. */
export interface DeviceKnowledge {
  /** Highest epoch seen in any command or welcome; lower epochs are stale. */
  highestEpoch: number;
  /** The job physically in progress, if any. */
  running?: { epoch: number; runId: string };
  /** Runs whose `result` was sent but not yet acknowledged (oldest first). */
  heldResultRunIds: readonly string[];
  /**
   * The run this device last reported `failed`. `failed` is not acknowledged, so the
   * device cannot know it arrived; if the room still thinks the run is going, say it again.
   */
  lastFailedRunId?: string;
}

export type WelcomeAction =
  /**
   * A second welcome on the same connection with a lower epoch: the room answers each hello
   * once, so this is a delayed duplicate — ignored like a stale command; the connection stays.
   */
  | { kind: "ignoreStale"; epoch: number; highestEpoch: number }
  /**
   * The welcome's epoch is lower than one already seen: the server does not know what this
   * device knows (a stale process, or a store restored from an old backup). The device does
   * nothing the welcome says — it keeps its job and held results — leaves, and tries again
   * with backoff; its `hello.epoch` lets a current server catch up (docs/PROTOCOL.md §6).
   */
  | { kind: "refuseEpoch"; epoch: number; highestEpoch: number }
  /** Re-send a held result (the room acknowledges duplicates and orphans alike). */
  | { kind: "resendResult"; runId: string }
  /** Re-send the failure of a run the room still thinks is in progress. */
  | { kind: "resendFailure"; runId: string }
  /** The room still wants the job in progress: carry on, report progress at once. */
  | { kind: "resume"; runId: string }
  /** The room no longer wants the job in progress: stop it, send nothing about it. */
  | { kind: "abandon"; runId: string; reason: string }
  /** The room is running a run this device does not know (it rebooted): start it now. */
  | { kind: "start"; start: StartMessage }
  /** The room is running a run this device does not know and cannot start (no type/input). */
  | { kind: "cannotStart"; runId: string; epoch: number };

/**
 * The resume rules after (re)connecting, in order:
 * 1. a welcome whose epoch is below the highest seen is refused (the first on a connection)
 *    or ignored (a repeated one), and nothing else happens;
 * 2. every held result is re-sent, and a held failure of the run the welcome says is running;
 * 3. a job in progress is resumed if the welcome says `running` with the same run id and
 *    epoch, otherwise abandoned;
 * 4. a `running` run the device does not hold a result or a failure for, and is not
 *    running, is started from the welcome's sessionType + input (the device rebooted).
 */
export function planWelcome(known: DeviceKnowledge, welcome: WelcomeMessage, options: { repeated?: boolean } = {}): WelcomeAction[] {
  if (welcome.epoch < known.highestEpoch) {
    const kind = options.repeated ? "ignoreStale" : "refuseEpoch";
    return [{ kind, epoch: welcome.epoch, highestEpoch: known.highestEpoch }];
  }
  const actions: WelcomeAction[] = [];
  actions.push(...known.heldResultRunIds.map((runId) => ({ kind: "resendResult", runId }) as const));
  const wantedRunId = welcome.phase === Phase.RUNNING && typeof welcome.runId === "string" ? welcome.runId : undefined;
  const failureWanted = wantedRunId !== undefined && known.lastFailedRunId === wantedRunId && !known.heldResultRunIds.includes(wantedRunId);
  if (failureWanted) actions.push({ kind: "resendFailure", runId: wantedRunId });
  if (known.running) {
    if (wantedRunId === known.running.runId && welcome.epoch === known.running.epoch) {
      return [...actions, { kind: "resume", runId: wantedRunId }];
    }
    const reason = wantedRunId ? `the room is running ${wantedRunId} at epoch ${welcome.epoch}` : `the room's phase is ${welcome.phase}`;
    actions.push({ kind: "abandon", runId: known.running.runId, reason });
  }
  if (wantedRunId === undefined || known.heldResultRunIds.includes(wantedRunId) || failureWanted) return actions;
  if (typeof welcome.sessionType === "string" && welcome.input && typeof welcome.input === "object") {
    actions.push({
      kind: "start",
      start: { epoch: welcome.epoch, runId: wantedRunId, sessionType: welcome.sessionType, input: welcome.input, deadlineMs: welcome.deadlineMs ?? 0 },
    });
  } else {
    actions.push({ kind: "cannotStart", runId: wantedRunId, epoch: welcome.epoch });
  }
  return actions;
}

export type StartDecision =
  | { kind: "ignoreStale"; epoch: number; highestEpoch: number }
  /** The same start again (a retransmission): confirm with `accepted`, change nothing. */
  | { kind: "duplicate" }
  /** A start for a run whose result is held: the result went missing; send it again. */
  | { kind: "resendResult" }
  /** Start it; `replaces` names a job in progress that the room evidently gave up on. */
  | { kind: "start"; replaces?: string };

export function planStart(known: DeviceKnowledge, start: StartMessage): StartDecision {
  if (start.epoch < known.highestEpoch) return { kind: "ignoreStale", epoch: start.epoch, highestEpoch: known.highestEpoch };
  if (known.running?.runId === start.runId) return { kind: "duplicate" };
  if (known.heldResultRunIds.includes(start.runId)) return { kind: "resendResult" };
  // The room is the single writer: if it starts a new run while one is going here, the old
  // one was ended on its side (a cancel got lost), so the new one wins.
  return known.running ? { kind: "start", replaces: known.running.runId } : { kind: "start" };
}

export type CancelDecision =
  | { kind: "ignoreStale"; epoch: number; highestEpoch: number }
  | { kind: "stop"; runId: string }
  /** Not the job in progress (already finished or never started here): nothing to stop. */
  | { kind: "notRunning" };

export function planCancel(known: DeviceKnowledge, cancel: CancelMessage): CancelDecision {
  if (cancel.epoch < known.highestEpoch) return { kind: "ignoreStale", epoch: cancel.epoch, highestEpoch: known.highestEpoch };
  return known.running?.runId === cancel.runId ? { kind: "stop", runId: cancel.runId } : { kind: "notRunning" };
}
