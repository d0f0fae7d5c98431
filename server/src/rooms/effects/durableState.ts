/**
 * Which part of the core state is worth writing to the store. Liveness (online, last seen,
 * connection) is reset when a room is created anyway, and progress and the step window
 * change with every report; writing them would cost a commit per progress message for
 * nothing a restarted room could use.
 */
import type { CoreState } from "../../session/index.ts";

/**
 * JSON of an array of the core state, serialised once per array. The core never changes an
 * array in place (a new `hello` or a new result makes a new one), and these two are most of
 * the key: the declared session types (their input schemas) and the remembered run ids (up to
 * 64 uuids), each kept across several transitions while the rest of the state changes.
 */
const arrayJson = new WeakMap<readonly unknown[], string>();
function jsonOnce(array: readonly unknown[]): string {
  let json = arrayJson.get(array);
  if (json === undefined) {
    json = JSON.stringify(array);
    arrayJson.set(array, json);
  }
  return json;
}

/**
 * A string equal for two states exactly when their durable parts are equal. Its parts are
 * joined by newlines, which JSON never contains unescaped, so no part can run into the next.
 */
export function durableKey(state: CoreState): string {
  const run = state.session?.run;
  const rest = JSON.stringify({
    ...state,
    device: { firmware: state.device.firmware },
    recentlyCompletedRunIds: undefined,
    session: state.session && {
      ...state.session,
      run: run && { ...run, progress: 0, progressMessage: "", stepDeadline: 0 },
    },
  });
  return `${jsonOnce(state.device.sessionTypes)}\n${jsonOnce(state.recentlyCompletedRunIds)}\n${rest}`;
}
