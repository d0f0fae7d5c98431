/**
 * A typed client for one device room, over `@colyseus/sdk`. Web apps and scripts use it to
 * watch a device and, after a successful claim, to drive it. It adds no rules of its own:
 * every decision is the room's; this only names the messages and types the replies.
 */
import { Client, type Room } from "@colyseus/sdk";
import { DEVICE_ROOM_NAME, RoomToUser, UserToRoom, type ErrorPayload } from "../../../shared/protocol.ts";
import type { Claim, ResultMessage, RunFailedMessage } from "../../../shared/messages.ts";
import { DeviceRoomState } from "../../../shared/state.ts";

export interface JoinDeviceOptions {
  /** Base URL of the Baton server, e.g. http://127.0.0.1:2567 */
  url: string;
  /** A user JWT (HS256, signed with the server's secret). */
  token: string;
  deviceId: string;
}

type Waiter<T> = { resolve: (value: T) => void; reject: (error: Error) => void; timer: NodeJS.Timeout | number };

export class DeviceSession {
  readonly results: ResultMessage[] = [];
  readonly failures: RunFailedMessage[] = [];
  readonly errors: ErrorPayload[] = [];
  private readonly waiters = new Map<string, Waiter<unknown>[]>();
  /** Messages that arrived while nobody waited for them, per kind, oldest first. */
  private readonly unread = new Map<string, unknown[]>();

  constructor(readonly room: Room<any, DeviceRoomState>) {
    room.onMessage(RoomToUser.RESULT, (message: ResultMessage) => this.record("result", this.results, message));
    room.onMessage(RoomToUser.RUN_FAILED, (message: RunFailedMessage) => this.record("run_failed", this.failures, message));
    room.onMessage(RoomToUser.ERROR, (message: ErrorPayload) => this.record("error", this.errors, message));
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

  leave(consented = true) {
    return this.room.leave(consented);
  }

  private next<T>(kind: string, timeoutMs: number): Promise<T> {
    const queued = this.unread.get(kind);
    if (queued?.length) return Promise.resolve(queued.shift() as T);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<unknown> = {
        resolve: resolve as (value: unknown) => void,
        reject,
        timer: setTimeout(() => {
          const list = this.waiters.get(kind) ?? [];
          list.splice(list.indexOf(waiter), 1);
          reject(new Error(`no ${kind} within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      const list = this.waiters.get(kind) ?? [];
      list.push(waiter);
      this.waiters.set(kind, list);
    });
  }

  private record<T>(kind: string, log: T[], message: T) {
    log.push(message);
    const waiter = this.waiters.get(kind)?.shift();
    if (waiter) {
      clearTimeout(waiter.timer as NodeJS.Timeout);
      waiter.resolve(message);
      return;
    }
    const queue = this.unread.get(kind) ?? [];
    queue.push(message);
    this.unread.set(kind, queue);
  }
}

/** Joins a device room as a spectator (everyone starts as one; holding comes from `claim`). */
export async function joinDevice(options: JoinDeviceOptions): Promise<DeviceSession> {
  const client = new Client(options.url);
  client.auth.token = options.token;
  const room = await client.joinOrCreate(DEVICE_ROOM_NAME, { deviceId: options.deviceId }, DeviceRoomState);
  return new DeviceSession(room);
}
