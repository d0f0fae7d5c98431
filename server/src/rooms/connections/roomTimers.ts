/**
 * Room callbacks that run outside any message handler — timers (deadline, join
 * acknowledgement, patch push) and promise continuations — and so outside every catch. An
 * exception there is uncaught, and an uncaught exception ends the process: every room of
 * every device with it. Each such callback goes through `guarded` instead: a throw is
 * logged with the room's name and closes that one room (4002 WITH_ERROR, the clients
 * reconnect and the next room continues from the store); the other rooms go on.
 */
import { CloseCode } from "@colyseus/core";
import type { Logger } from "../../observability/logger.ts";

export interface FailableRoom {
  roomId: string;
  disconnect(closeCode?: number): Promise<unknown>;
  /** The process's logger (a ServicedRoom's); a failure is written to it. */
  readonly logger?: Pick<Logger, "error">;
}

/** Logs `error` for `room` and closes it; never throws. `kind` names the room in the log with its id, e.g. "device room" → "device room scale-1". */
export function failRoom(room: FailableRoom, kind: string, what: string, error: unknown, log: (message: string, error: unknown) => void = logTo(room)): void {
  const label = `${kind} ${room.roomId}`;
  try {
    log(`${label}: ${what} failed; closing this room (its clients reconnect to a fresh one), the others go on`, error);
    void room.disconnect(CloseCode.WITH_ERROR).catch((closeError) => log(`${label}: closing after a failure failed too`, closeError));
  } catch (closeError) {
    log(`${label}: closing after a failure failed too`, closeError);
  }
}

/** `callback`, wrapped so that a throw closes `room` instead of the process. */
export function guarded<A extends unknown[]>(room: FailableRoom, kind: string, what: string, callback: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      callback(...args);
    } catch (error) {
      failRoom(room, kind, what, error);
    }
  };
}

/** Writes a room's failure to its logger; a room without one (a bare Colyseus room) to stderr. */
function logTo(room: FailableRoom): (message: string, error: unknown) => void {
  const { logger } = room;
  return logger ? (message, error) => logger.error({ err: error }, message) : (message, error) => console.error(message, error);
}
