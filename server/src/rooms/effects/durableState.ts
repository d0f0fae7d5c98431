/**
 * Which part of the core state is worth writing to the store. Liveness (online, last seen,
 * connection) is reset when a room is created anyway, and progress and the step window
 * change with every report; writing them would cost a commit per progress message for
 * nothing a restarted room could use.
 */
import type { CoreState } from "../../session/index.ts";

/** A string equal for two states exactly when their durable parts are equal. */
export function durableKey(state: CoreState): string {
  const run = state.session?.run;
  return JSON.stringify({
    ...state,
    device: { firmware: state.device.firmware, sessionTypes: state.device.sessionTypes },
    session: state.session && {
      ...state.session,
      run: run && { ...run, progress: 0, progressMessage: "", stepDeadline: 0 },
    },
  });
}
