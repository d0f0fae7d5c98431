/**
 * When to re-send held reports after the room said RATE_LIMITED (docs/PROTOCOL.md §7.3) —
 * pure functions of a small state, the clock and what is held, like decisions.ts, so every
 * rule is unit-tested with a fake clock (resend.test.ts). The C firmware has the same rule
 * in its session state machine (baton_session.c, `resend_due_ms`).
 *
 * Why: the room's rate limit drops frames before reading them. A dropped `progress` costs
 * nothing, but a dropped `result` or `failed` is a report the owner never gets, and it is
 * not acknowledged, so it stays held; without this rule it would only go out again after the
 * next reconnect, which a healthy connection never has. The room answers a dropped report
 * with RATE_LIMITED (and other dropped frames with at most one per second), so RATE_LIMITED
 * of any kind means "something of yours may be lost": after a back-off, re-send whatever is
 * still held. Re-sending is always safe: the room recognises reports by run id and
 * acknowledges every copy.
 *
 * Why a back-off and not "at once": the bucket that dropped the report is empty; an immediate
 * re-send would be dropped too and earn another RATE_LIMITED — a loop. One re-send per
 * back-off period at most, the period doubling (with jitter) while the room keeps refusing,
 * and back to the base once an `ack` shows reports get through again.
 */
import { reconnectDelayMs } from "./backoff.ts";

export interface ResendPolicy {
  /** Back-off before the first re-send, before jitter (the delay is drawn from [c/2, c]). */
  baseDelayMs: number;
  /** Cap on any back-off. */
  maxDelayMs: number;
}

/**
 * 1 s: by then the room's bucket has refilled by its per-second rate. 30 s cap: a device still
 * refused after several doublings is being throttled hard, and its reports wait in memory.
 * Mirrored by BATON_RESEND_INITIAL_DELAY_MS / BATON_RESEND_MAX_DELAY_MS in the firmware's
 * baton_config.h (test/e2e/resendPolicy.test.ts checks they agree).
 */
export const DEFAULT_RESEND_POLICY: ResendPolicy = { baseDelayMs: 1_000, maxDelayMs: 30_000 };

export interface ResendState {
  /** Re-sends scheduled since the last `ack`: the back-off exponent. */
  attempts: number;
  /** When the scheduled re-send is due (device clock, ms); undefined when none is scheduled. */
  dueAtMs?: number;
}

export const NO_RESEND: ResendState = { attempts: 0 };

export type RateLimitedDecision =
  /** Arm a timer for `delayMs`; at its end call planResendDue. */
  | { kind: "schedule"; delayMs: number; state: ResendState }
  /** A re-send is already due later: one per back-off period, never a second timer. */
  | { kind: "alreadyScheduled"; dueAtMs: number; state: ResendState };

/**
 * The room said RATE_LIMITED (about any request: a report may have been dropped silently
 * within the same second). Schedules one re-send after the back-off, unless one is pending.
 * It is scheduled even when nothing is held yet: a report sent just after the frame that was
 * refused may be dropped too, and what is held is looked at when the re-send is due.
 */
export function planRateLimited(state: ResendState, nowMs: number, policy: ResendPolicy, random: () => number = Math.random): RateLimitedDecision {
  if (state.dueAtMs !== undefined) return { kind: "alreadyScheduled", dueAtMs: state.dueAtMs, state };
  const attempts = state.attempts + 1;
  const delayMs = reconnectDelayMs(attempts, { ...policy, maxAttempts: Infinity }, random);
  return { kind: "schedule", delayMs, state: { attempts, dueAtMs: nowMs + delayMs } };
}

export type ResendDueDecision =
  /** Re-send these held reports, in this order (oldest first). */
  | { kind: "resend"; runIds: string[]; state: ResendState }
  /** Everything was acknowledged meanwhile (or the re-send was cancelled): nothing to do. */
  | { kind: "nothing"; state: ResendState };

/**
 * The re-send timer ran out. `heldRunIds` are the reports held *now* (oldest first): those
 * acknowledged since the RATE_LIMITED are not sent again. A call before the due time (or with
 * none scheduled) does nothing, so a stray timer cannot cause an early re-send.
 */
export function planResendDue(state: ResendState, nowMs: number, heldRunIds: readonly string[]): ResendDueDecision {
  if (state.dueAtMs === undefined || nowMs < state.dueAtMs) return { kind: "nothing", state };
  const next: ResendState = { attempts: state.attempts };
  return heldRunIds.length > 0 ? { kind: "resend", runIds: [...heldRunIds], state: next } : { kind: "nothing", state: next };
}

/**
 * An `ack` arrived: reports get through again, so the next RATE_LIMITED starts from the base
 * back-off. A pending re-send stays pending (other reports may still be held).
 */
export function resendAfterAck(state: ResendState): ResendState {
  return { ...state, attempts: 0 };
}

/**
 * The connection ended: a pending re-send is dropped, because the next `welcome` re-sends
 * every held report anyway (§7.1) on a fresh connection with a fresh budget.
 */
export function resendAfterDisconnect(state: ResendState): ResendState {
  return { attempts: state.attempts };
}
