/**
 * Derived views of the core state: the phase spectators see, and the welcome a (re)connecting
 * device gets. Derived, never stored, so they cannot disagree with the state they describe.
 */
import { Phase, type PhaseName, type WelcomeMessage } from "@baton/protocol";
import type { CoreState } from "./types.ts";

export function phaseOf(state: CoreState): PhaseName {
  const session = state.session;
  if (!session) return Phase.IDLE;
  if (session.run) return Phase.RUNNING;
  if (session.lastRun) return session.lastRun.ok ? Phase.COMPLETED : Phase.FAILED;
  return Phase.CLAIMED;
}

/**
 * What a device must resume or abandon after (re)connecting. When a run is in flight the
 * welcome repeats its type and input, so a device that rebooted and lost it can start over.
 */
export function welcomeFor(state: CoreState, now: number): WelcomeMessage {
  const run = state.session?.run;
  const welcome: WelcomeMessage = { epoch: state.epoch, phase: phaseOf(state) };
  if (run) {
    welcome.runId = run.runId;
    welcome.sessionType = run.sessionType;
    welcome.input = run.input;
    welcome.deadlineMs = Math.max(0, run.hardDeadline - now);
  }
  return welcome;
}
