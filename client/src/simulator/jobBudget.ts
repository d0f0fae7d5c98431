/**
 * How long a device lets a job run before it stops the job itself (docs/PROTOCOL.md §7.2) —
 * the same rule as the firmware's `run_budget` (baton_session_commands.c).
 *
 * Why the device bounds its own jobs: a job stuck on the hardware (a jammed printer, a scale
 * that never settles) would otherwise hold the instrument for ever, even after the room gave
 * up on the run. The grace keeps the device from racing the room's own deadline: normally the
 * room times the run out first and the device hears `cancel`.
 */
import { MAX_DURATION_MS } from "@baton/protocol";

/** Extra time past a job's budget; the firmware's default `job_grace_ms` (test/contract/deviceLimits.test.ts). */
export const JOB_GRACE_MS = 5_000;

/**
 * The declared maximum, shortened by the command's `deadlineMs` when that reads as a duration
 * (at most MAX_DURATION_MS). A larger value is a server timestamp, which a device without a
 * synchronised clock cannot use, so it is ignored.
 */
export function runBudgetMs(maxDurationMs: number, deadlineMs: number | undefined): number {
  const usable = typeof deadlineMs === "number" && deadlineMs > 0 && deadlineMs <= MAX_DURATION_MS && deadlineMs < maxDurationMs;
  return usable ? deadlineMs : maxDurationMs;
}
