/**
 * A thin, low-level client for one device room, over `@colyseus/sdk`: commands are sent and
 * forgotten, replies are collected in lists. The repository's room tests drive the room with
 * it; it is a test driver, not part of the published SDK (it lived in client/src/sdk until
 * issue 19). Apps use `BatonClient` / `DeviceHandle` (promises, typed errors, reconnection).
 */
import { Client, type Room } from "@colyseus/sdk";
import { DEVICE_ROOM_NAME, RoomToUser, UserToRoom, type ErrorPayload } from "@baton/protocol";
import type { Claim, OkMessage, ResultMessage, RunFailedMessage, SessionEndedMessage } from "@baton/protocol";
import { DeviceRoomState } from "@baton/protocol/state";
import { Inbox } from "../../client/src/sdk/inbox.ts";

export interface JoinDeviceOptions {
  /** Base URL of the Baton server, e.g. http://127.0.0.1:2567 */
  url: string;
  /** A user JWT (HS256, signed with the server's secret). */
  token: string;
  deviceId: string;
}

export class DeviceSession {
  readonly results: ResultMessage[] = [];
  readonly failures: RunFailedMessage[] = [];
  readonly errors: ErrorPayload[] = [];
  /** This user's sessions that ended (released, timed out, force-released by an admin, …). */
  readonly endings: SessionEndedMessage[] = [];
  /** The room's `ok` answers to this connection's commands, in order. */
  readonly oks: OkMessage[] = [];
  private readonly inbox = new Inbox<unknown>();

  readonly room: Room<any, DeviceRoomState>;

  constructor(room: Room<any, DeviceRoomState>) {
    this.room = room;
    room.onMessage(RoomToUser.RESULT, (message: ResultMessage) => {
      // Acknowledged, so the room stops re-sending it at each join; a copy already had is dropped.
      room.send(UserToRoom.RESULT_ACK, { runId: message.runId });
      if (this.results.some((result) => result.runId === message.runId)) return;
      this.record("result", this.results, message);
    });
    room.onMessage(RoomToUser.RUN_FAILED, (message: RunFailedMessage) => {
      // Kept for the owner until acknowledged, like a result.
      room.send(UserToRoom.RESULT_ACK, { runId: message.runId });
      if (this.failures.some((failure) => failure.runId === message.runId)) return;
      this.record("run_failed", this.failures, message);
    });
    room.onMessage(RoomToUser.ERROR, (message: ErrorPayload) => this.record("error", this.errors, message));
    room.onMessage(RoomToUser.OK, (message: OkMessage) => this.oks.push(message));
    room.onMessage(RoomToUser.SESSION_ENDED, (message: SessionEndedMessage) => {
      if (message.ackId !== undefined) {
        room.send(UserToRoom.RESULT_ACK, { runId: message.ackId });
        if (this.endings.some((ending) => ending.ackId === message.ackId)) return;
      }
      this.record("session_ended", this.endings, message);
    });
  }

  get state(): DeviceRoomState {
    return this.room.state;
  }

  claim(options: Claim = {}) {
    this.room.send(UserToRoom.CLAIM, options);
  }

  run(sessionType: string, input: Record<string, unknown> = {}) {
    this.room.send(UserToRoom.RUN, { sessionType, input });
  }

  cancel() {
    this.room.send(UserToRoom.CANCEL, {});
  }

  release() {
    this.room.send(UserToRoom.RELEASE, {});
  }

  /** Resolves with the next result not yet taken (already received, or the next to come). */
  nextResult(timeoutMs = 10_000) {
    return this.next<ResultMessage>("result", timeoutMs);
  }

  nextFailure(timeoutMs = 10_000) {
    return this.next<RunFailedMessage>("run_failed", timeoutMs);
  }

  nextError(timeoutMs = 10_000) {
    return this.next<ErrorPayload>("error", timeoutMs);
  }

  nextSessionEnded(timeoutMs = 10_000) {
    return this.next<SessionEndedMessage>("session_ended", timeoutMs);
  }

  leave(consented = true) {
    return this.room.leave(consented);
  }

  private next<T>(kind: string, timeoutMs: number): Promise<T> {
    return this.inbox.next(kind, timeoutMs) as Promise<T>;
  }

  private record<T>(kind: string, log: T[], message: T) {
    log.push(message);
    this.inbox.push(kind, message);
  }
}

/** Joins a device room as a spectator (everyone starts as one; holding comes from `claim`). */
export async function joinDevice(options: JoinDeviceOptions): Promise<DeviceSession> {
  const client = new Client(options.url);
  client.auth.token = options.token;
  const room = await client.joinOrCreate(DEVICE_ROOM_NAME, { deviceId: options.deviceId }, DeviceRoomState);
  return new DeviceSession(room);
}
