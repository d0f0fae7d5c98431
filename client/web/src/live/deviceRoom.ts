/**
 * The dashboard's one seam to the Baton SDK for a live device: join its room, copy every
 * state change into a snapshot, pass on the room's messages, send commands. Pages use
 * `useDeviceRoom` (below it) and never touch the SDK, so this file is the only one that
 * changes with the SDK's API.
 */
import { joinDevice, type DeviceSession } from "@baton/client";
import { RoomToUser, type ErrorPayload } from "@baton/protocol/protocol";
import type { ResultMessage, RunFailedMessage, SessionEndedMessage } from "@baton/protocol/messages";
import { snapshotOf, type LiveDevice } from "./snapshot.ts";

export type ConnectionState = "connecting" | "live" | "reconnecting" | "closed";

export interface DeviceRoomEvents {
  state(snapshot: LiveDevice): void;
  connection(state: ConnectionState, sentence?: string): void;
  error(error: ErrorPayload): void;
  result(result: ResultMessage): void;
  runFailed(failure: RunFailedMessage): void;
  sessionEnded(ending: SessionEndedMessage): void;
}

export interface DeviceRoomHandle {
  claim(options?: { sessionType?: string; input?: Record<string, unknown>; releaseOnComplete?: boolean }): void;
  run(sessionType: string, input: Record<string, unknown>): void;
  cancel(): void;
  release(): void;
  leave(): void;
}

/** Joins a device room as a spectator; `events` hear everything until `leave()`. */
export function openDeviceRoom(deviceId: string, token: string, events: DeviceRoomEvents): DeviceRoomHandle {
  let session: DeviceSession | null = null;
  let left = false;
  events.connection("connecting");
  joinDevice({ url: window.location.origin, token, deviceId }).then(
    (joined) => {
      if (left) return void joined.leave();
      session = joined;
      const room = joined.room;
      const publish = () => events.state(snapshotOf(room.state));
      room.onStateChange(publish);
      room.onMessage(RoomToUser.ERROR, (error: ErrorPayload) => events.error(error));
      room.onMessage(RoomToUser.RESULT, (result: ResultMessage) => events.result(result));
      room.onMessage(RoomToUser.RUN_FAILED, (failure: RunFailedMessage) => events.runFailed(failure));
      room.onMessage(RoomToUser.SESSION_ENDED, (ending: SessionEndedMessage) => events.sessionEnded(ending));
      room.onDrop(() => events.connection("reconnecting", "The connection to the server was lost; reconnecting…"));
      room.onReconnect(() => events.connection("live"));
      room.onLeave((code) => {
        if (!left) events.connection("closed", code === 4001 ? "The server is restarting. Reload the page in a moment." : "The connection to this device was closed. Reload the page to watch it again.");
      });
      events.connection("live");
      publish();
    },
    (error: Error) => events.connection("closed", joinFailureSentence(error)),
  );
  const send = (action: (session: DeviceSession) => void) => {
    if (session) action(session);
    else events.error({ code: "INVALID_MESSAGE", message: "Not connected to the device yet. Wait a moment and try again.", request: "" } as ErrorPayload);
  };
  return {
    claim: (options = {}) => send((s) => s.claim(options)),
    run: (sessionType, input) => send((s) => s.run(sessionType, input)),
    cancel: () => send((s) => s.cancel()),
    release: () => send((s) => s.release()),
    leave() {
      left = true;
      void session?.leave();
    },
  };
}

/** Matchmaking refusals arrive as "CODE: sentence"; a person needs the sentence. */
function joinFailureSentence(error: Error): string {
  const text = error.message || "";
  const match = /^([A-Z_]+): (.*)$/s.exec(text);
  if (match) return match[2].charAt(0).toUpperCase() + match[2].slice(1);
  if (/fetch|network|ECONNREFUSED/i.test(text)) return "The Baton server cannot be reached. Check that it is running, then reload the page.";
  return text ? `Could not watch this device: ${text}` : "Could not watch this device.";
}
