/**
 * One device, as an app sees it: a live, typed snapshot of its state, events, and the
 * holder's commands as promises. Underneath is one connection to the device's room
 * (`@colyseus/sdk`); the room decides everything, this only pairs each command with its
 * answer.
 *
 * Every user command gets exactly one answer from the room, `ok` or `error`, carrying the
 * command's `requestId` (docs/PROTOCOL.md §5.2), so a refused claim or run rejects at once
 * with the room's code and sentence — DEVICE_BUSY, DEVICE_OFFLINE, INVALID_INPUT, NOT_OWNER,
 * … — and nothing here waits on a timer. A run's result is waited for as long as it takes:
 * pass an AbortSignal or `timeoutMs` to bound any wait.
 *
 * The connection reconnects by itself with the room's reconnection token when the network
 * drops (`connection`: open → reconnecting → open); results that came meanwhile are handed
 * over when it is back. Extend by adding methods that use `send` + the answer pairing (the
 * queue commands do: `enqueue`, `leaveQueue`, `accept`, `decline`, `extend`; so do the
 * hand-over ones: `handOver`, `withdrawHandOver`, `acceptHandOver`, `declineHandOver`).
 */
import type { Room } from "@colyseus/sdk";
import {
  RoomToUser, UserToRoom,
  type EndReasonName, type ErrorPayload, type HandOverEndedMessage, type HandOverOfferedMessage, type OfferMessage, type OkMessage, type QueueLeftMessage, type ResultMessage, type RunFailedMessage,
  type SessionEndedMessage, type SessionExpiringMessage, type SessionExtendedMessage, type UserToRoomType, type BookingStartingMessage,
} from "@baton/protocol";
import { DeviceRoomState } from "@baton/protocol/state";
import type { TelemetryRecentMessage } from "@baton/protocol";
import { Emitter } from "./emitter.ts";
import { BatonError, ClientErrorCode, fromJoinFailure } from "./errors.ts";
import { emptyView, viewOf, type ConnectionState, type DeviceView, type HolderInfo } from "./deviceState.ts";
import type { AnySessionTypes, InputOf, OutputOf, RunFailure, RunResult, SessionTypeMap, SessionTypeName } from "./sessionTypes.ts";
import { waitFor, type WaitOptions } from "./waiting.ts";
import { TelemetryTrace, type TelemetryUpdate, type TelemetryView } from "./telemetry.ts";

export interface DeviceEvents {
  /** Any change of the snapshot (state from the room, or this handle's connection). */
  changed: [DeviceView];
  /** Someone took the device (`mine`: this user). */
  claimed: [{ epoch: number; holder: HolderInfo; mine: boolean }];
  /** The session ended; `reason` is the end reason (released, completed, owner_lost, kicked, …). */
  released: [{ epoch: number; holder: HolderInfo; reason: EndReasonName | null; mine: boolean }];
  /** The run in flight reported progress (everyone watching sees it). */
  progress: [{ runId: string; sessionType: string | null; progress: number; message: string }];
  /** A telemetry channel has a new value (public channels for everyone, owner-only ones for the holder). */
  telemetry: [TelemetryUpdate];
  /** A run of this user finished (holder only). */
  result: [RunResult];
  /** A run of this user failed (holder only). */
  runFailed: [RunFailure];
  /** This user's session ended, with the room's sentence (e.g. an admin took the device back). */
  sessionEnded: [SessionEndedMessage];
  /** The device is offered to this user, first in line: `accept()` before `expiresAt` (also in `state.queue.mine`). */
  offer: [OfferMessage];
  /** This user is no longer waiting: accepted, declined, offer_expired, left, disconnected, device_unavailable (`reason`). */
  queueLeft: [QueueLeftMessage];
  /** This user's session ends at `expiresAt` unless extended (`extend()`, by up to `canExtendMs`). */
  sessionExpiring: [SessionExpiringMessage];
  /** This user's session was extended: the new `expiresAt`. */
  sessionExtended: [SessionExtendedMessage];
  /**
   * The holder offers this user the device (a named hand-over): `acceptHandOver()` before
   * `expiresAt`, or `declineHandOver()`. Sent again when this user (re)joins while it is open.
   */
  handOverOffered: [HandOverOfferedMessage];
  /** A hand-over this user offered or was offered is over: accepted, declined, withdrawn, expired or cancelled (`reason`). */
  handOverEnded: [HandOverEndedMessage];
  /**
   * A booked slot of this device begins at `start`: `yours` — claim between `start` and
   * `checkInUntil` to check in; otherwise you hold the device and are released at `start`
   * (end reason `booking`).
   */
  bookingStarting: [BookingStartingMessage];
  /** A refusal or failure that no pending call was waiting for (a join failure, a lost connection, …). */
  error: [BatonError];
  /** This handle's connection changed. */
  connection: [ConnectionState];
  /**
   * The room had gone away with its server (a restart, a dead process) and this handle joined
   * the device's new room, re-created from the store. The snapshot is `synced: false` until
   * that room's first state: then it says whether this user's session survived.
   */
  rejoined: [];
}

export type ClaimOptions<Types extends SessionTypeMap = AnySessionTypes> =
  | { sessionType?: undefined; input?: undefined; releaseOnComplete?: undefined }
  | { [Name in SessionTypeName<Types>]: {
    /** Start a run of this type in the same step (checked in full before the device is taken). */
    sessionType: Name;
    input?: InputOf<Types, Name>;
    /** End the session by itself when that run ends (the one-shot flow). */
    releaseOnComplete?: boolean;
  } }[SessionTypeName<Types>];

/** What to run once the device is this user's (checked at enqueue time: UNKNOWN_SESSION_TYPE / INVALID_INPUT). */
export type EnqueueOptions<Types extends SessionTypeMap = AnySessionTypes> = ClaimOptions<Types>;

export interface ExtendOptions {
  /** How much more time to ask for (ms); the server caps it at what is left of the allowance. Default: all of it. */
  byMs?: number;
}

export interface Extended {
  /** When the session ends now (ms since the Unix epoch). */
  expiresAt: number | null;
}

export interface Claimed {
  epoch: number;
  /** The run the claim started, when it named a session type. */
  runId: string | null;
}

/** What a handle needs from its client. */
export interface HandleContext {
  join(deviceId: string): Promise<Room<any, DeviceRoomState>>;
  userId(): string | null;
  configure(room: Room<any, DeviceRoomState>): void;
  /** false: a room lost with its server closes the handle instead of joining again. */
  rejoin?: boolean;
  /** How long to keep joining again after the server went away (default 60 s). */
  rejoinForMs?: number;
  /** How long the room's own reconnection may try before the handle matchmakes again (default 3 s). */
  rematchAfterMs?: number;
}

const DEFAULT_REJOIN_FOR_MS = 60_000;
const DEFAULT_REMATCH_AFTER_MS = 3_000;
/** Close codes after which the device's room may exist again: a server restart (4001), an abnormal close (1006), going away (1001), a server error (1011). */
const REJOIN_CLOSE_CODES: ReadonlySet<number> = new Set([4001, 1006, 1001, 1011]);
/** Join failures that waiting may cure: the server not there yet, a dead process's room lock not yet expired. */
const RETRIED_JOIN_FAILURES: ReadonlySet<string> = new Set([ClientErrorCode.NETWORK_ERROR, ClientErrorCode.HTTP_ERROR, "DEVICE_ROOM_EXISTS", "SERVER_BUSY", "RATE_LIMITED", "SHUTTING_DOWN"]);

type Pending = {
  request: UserToRoomType;
  resolve: (ok: OkMessage) => void;
  reject: (error: unknown) => void;
  /** The session as it was when the command was sent (to recognise its effect after a reconnection). */
  before: { epoch: number; runId: string | null; holderId: string | null; mine: boolean; queued: boolean };
  /** Sent before the connection dropped: its answer may have been lost with it. */
  mayBeLost?: boolean;
};
type Outcome = { result: RunResult } | { failure: RunFailure };

/** Finished runs remembered for a late `result(runId)` (a run's answer is never missed). */
const REMEMBERED_OUTCOMES = 100;
/** How long `leave()` waits for the server to confirm. */
const LEAVE_WAIT_MS = 1_000;
let handleCounter = 0;

export class DeviceHandle<Types extends SessionTypeMap = AnySessionTypes> {
  private readonly events = new Emitter<DeviceEvents>();
  /** The recent telemetry samples per channel (telemetry.ts). */
  private readonly trace = new TelemetryTrace();
  private room: Room<any, DeviceRoomState> | null = null;
  private view: DeviceView;
  private joinFailure: BatonError | null = null;
  private closedBy: BatonError | null = null;
  private leaving = false;
  /**
   * The last snapshot that was the room's state, while a new room's first state is awaited
   * (after a rejoin): transitions (`released`, `claimed`) are told against it.
   */
  private beforeRejoin: DeviceView | null = null;
  private readonly pending = new Map<string, Pending>();
  private readonly outcomes = new Map<string, Outcome>();
  /** Stored session ends already reported (`ackId`), so a copy re-sent at a join is not reported twice. */
  private readonly endsSeen = new Set<string>();
  private readonly outcomeWaiters = new Map<string, Set<(outcome: Outcome) => void>>();
  /** Called with the error when the connection closes for good: every wait in progress rejects. */
  private readonly onClosed = new Set<(error: BatonError) => void>();
  private readonly requestPrefix = `h${++handleCounter}-${Math.random().toString(36).slice(2, 8)}`;
  private requestCounter = 0;

  readonly deviceId: string;
  private readonly context: HandleContext;

  constructor(deviceId: string, context: HandleContext) {
    this.deviceId = deviceId;
    this.context = context;
    this.view = emptyView(deviceId, "connecting");
    void this.join();
  }

  // ------------------------------------------------------------------ reading

  /** The current snapshot (a new object on every change; never mutated). */
  get state(): DeviceView {
    return this.view;
  }

  get connection(): ConnectionState {
    return this.view.connection;
  }

  /** This user holds the device. */
  get isMine(): boolean {
    return this.view.isMine;
  }

  /** Live telemetry by channel: the newest value, its unit and recent samples (owner-only channels for the holder only). */
  get telemetry(): TelemetryView {
    return this.view.telemetry;
  }

  /** A claim could succeed now: connected, the device online, nobody holding it. */
  get canClaim(): boolean {
    return this.view.canClaim;
  }

  /** The underlying `@colyseus/sdk` room, once joined (for what the handle does not cover). */
  get colyseusRoom(): Room<any, DeviceRoomState> | null {
    return this.room;
  }

  on<K extends keyof DeviceEvents>(event: K, listener: (...args: DeviceEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  once<K extends keyof DeviceEvents>(event: K, listener: (...args: DeviceEvents[K]) => void): () => void {
    return this.events.once(event, listener);
  }

  /** For `useSyncExternalStore`: called on every change of the snapshot. */
  readonly subscribe = (listener: () => void): (() => void) => this.events.on("changed", () => listener());

  /** For `useSyncExternalStore`: the current snapshot. */
  readonly getSnapshot = (): DeviceView => this.view;

  /** Resolves when the connection is open (rejects with the join's refusal, e.g. UNKNOWN_DEVICE). */
  ready(options: WaitOptions = {}): Promise<void> {
    return waitFor<void>(`for the connection to device ${this.deviceId}`, options, (resolve, reject) => {
      const check = () => {
        if (this.view.connection === "open") resolve();
        else if (this.view.connection === "closed") reject(this.closedBy ?? this.closedError());
      };
      check();
      return this.events.on("connection", check);
    });
  }

  /** Resolves with the first snapshot for which `predicate` is true (now, or when it comes). */
  until(predicate: (view: DeviceView) => boolean, options: WaitOptions = {}): Promise<DeviceView> {
    return waitFor<DeviceView>(`for device ${this.deviceId} to reach the expected state`, options, (resolve, reject) => {
      const check = (view: DeviceView) => {
        if (predicate(view)) resolve(view);
        else if (view.connection === "closed") reject(this.closedBy ?? this.closedError());
      };
      check(this.view);
      return this.events.on("changed", check);
    });
  }

  // ------------------------------------------------------------------ commands

  /**
   * Takes the device. Resolves once this user holds it (the snapshot says so); rejects at once
   * with DEVICE_BUSY, DEVICE_OFFLINE, ALREADY_HOLDER, or — when a run is named — with
   * UNKNOWN_SESSION_TYPE / INVALID_INPUT, in which case the device is not taken.
   */
  async claim(claim: ClaimOptions<Types> = {}, options: WaitOptions = {}): Promise<Claimed> {
    const payload: Record<string, unknown> = {};
    if (claim.sessionType !== undefined) {
      payload.sessionType = claim.sessionType;
      payload.input = claim.input ?? {};
      if (claim.releaseOnComplete !== undefined) payload.releaseOnComplete = claim.releaseOnComplete;
    }
    const ok = await this.send(UserToRoom.CLAIM, payload, options);
    await this.until((view) => view.session.epoch >= ok.epoch, options);
    return { epoch: ok.epoch, runId: ok.runId ?? null };
  }

  /**
   * Starts a run and resolves with its result — however long the device takes (no default
   * timeout). Rejects at once when the room refuses it (NOT_OWNER, RUN_IN_PROGRESS,
   * DEVICE_OFFLINE, UNKNOWN_SESSION_TYPE, INVALID_INPUT), and later with the run's failure
   * code (RUN_TIMEOUT, CANCELLED, DEVICE_FAILED or the device's own). Aborting the wait does
   * not stop the run: `cancel()` does.
   */
  async run<Name extends SessionTypeName<Types>>(sessionType: Name, input?: InputOf<Types, Name>, options: WaitOptions = {}): Promise<RunResult<Name, OutputOf<Types, Name>>> {
    const runId = await this.start(sessionType, input, options);
    return this.result(runId, options) as Promise<RunResult<Name, OutputOf<Types, Name>>>;
  }

  /** Starts a run and resolves with its id as soon as the room accepted it (wait with `result(runId)`). */
  async start<Name extends SessionTypeName<Types>>(sessionType: Name, input?: InputOf<Types, Name>, options: WaitOptions = {}): Promise<string> {
    const ok = await this.send(UserToRoom.RUN, { sessionType, input: input ?? {} }, options);
    return ok.runId!;
  }

  /**
   * Claims with a run and resolves with its result: the seed's one-shot flow. With
   * `releaseOnComplete` (the default here) the device is free again when the run ends.
   */
  async claimAndRun<Name extends SessionTypeName<Types>>(
    sessionType: Name,
    input?: InputOf<Types, Name>,
    options: WaitOptions & { releaseOnComplete?: boolean } = {},
  ): Promise<RunResult<Name, OutputOf<Types, Name>>> {
    const claim = { sessionType, input, releaseOnComplete: options.releaseOnComplete ?? true } as ClaimOptions<Types>;
    const claimed = await this.claim(claim, options);
    return this.result(claimed.runId!, options) as Promise<RunResult<Name, OutputOf<Types, Name>>>;
  }

  /** The result of one of this user's runs: already received, or when it comes. */
  result(runId: string, options: WaitOptions = {}): Promise<RunResult> {
    return waitFor<RunResult>(`for the result of run ${runId} on device ${this.deviceId}`, options, (resolve, reject) => {
      const settle = (outcome: Outcome) => {
        if ("result" in outcome) resolve(outcome.result);
        else reject(new BatonError(outcome.failure.code, outcome.failure.message || `Run ${runId} failed (${outcome.failure.code}).`, { request: UserToRoom.RUN, runId, sessionType: outcome.failure.sessionType }));
      };
      const known = this.outcomes.get(runId);
      if (known) return settle(known);
      if (this.view.connection === "closed") return reject(this.closedBy ?? this.closedError());
      let waiters = this.outcomeWaiters.get(runId);
      if (!waiters) this.outcomeWaiters.set(runId, (waiters = new Set()));
      waiters.add(settle);
      this.onClosed.add(reject);
      return () => {
        waiters!.delete(settle);
        if (waiters!.size === 0) this.outcomeWaiters.delete(runId);
        this.onClosed.delete(reject);
      };
    });
  }

  /** Stops the run in progress (its `run()` rejects with CANCELLED). Rejects with NOT_OWNER or NO_RUN. */
  async cancel(options: WaitOptions = {}): Promise<void> {
    await this.send(UserToRoom.CANCEL, {}, options);
  }

  /** Ends this user's session (a run in progress is cancelled first). Resolves once the device is free of it. */
  async release(options: WaitOptions = {}): Promise<void> {
    const ok = await this.send(UserToRoom.RELEASE, {}, options);
    await this.until((view) => view.session.epoch > ok.epoch || view.session.holder === null, options);
  }

  // ------------------------------------------------------------------ queue and lease (PROTOCOL §12, §13)

  /**
   * Joins the device's line (FIFO, one place per user). Resolves once the room accepted it and
   * this user's seat is in the snapshot (`state.queue.mine`: position, ETA) — or the seat is
   * already gone again (an `offer` or `queueLeft` came first). With a `sessionType`, the run is
   * checked now and started on accept. Rejects at once with ALREADY_QUEUED, ALREADY_HOLDER,
   * QUEUE_FULL, USER_QUEUE_LIMIT, DEVICE_UNAVAILABLE, UNKNOWN_SESSION_TYPE or INVALID_INPUT.
   */
  async enqueue(enqueue: EnqueueOptions<Types> = {}, options: WaitOptions = {}): Promise<void> {
    const payload: Record<string, unknown> = {};
    if (enqueue.sessionType !== undefined) {
      payload.sessionType = enqueue.sessionType;
      payload.input = enqueue.input ?? {};
      if (enqueue.releaseOnComplete !== undefined) payload.releaseOnComplete = enqueue.releaseOnComplete;
    }
    let leftMeanwhile = false;
    const stop = this.events.on("queueLeft", () => (leftMeanwhile = true));
    try {
      await this.send(UserToRoom.ENQUEUE, payload, options);
      await waitFor<void>(`for your place in line for device ${this.deviceId}`, options, (resolve, reject) => {
        const check = () => {
          if (this.view.queue.mine !== null || this.view.isMine || leftMeanwhile) resolve();
          else if (this.view.connection === "closed") reject(this.closedBy ?? this.closedError());
        };
        check();
        const stops = [this.events.on("changed", check), this.events.on("queueLeft", () => queueMicrotask(check))];
        return () => stops.forEach((unsubscribe) => unsubscribe());
      });
    } finally {
      stop();
    }
  }

  /** Leaves the line (an open offer to this user is passed on). Resolves once the seat is gone; rejects with NOT_QUEUED. */
  async leaveQueue(options: WaitOptions = {}): Promise<void> {
    await this.send(UserToRoom.LEAVE_QUEUE, {}, options);
    await this.until((view) => view.queue.mine === null, options);
  }

  /**
   * Takes the device offered to this user (the `offer` event, `state.queue.mine.offered`);
   * the run queued with starts. Resolves once this user holds it; rejects with NO_OFFER (no
   * offer open for this user, e.g. the window passed) or the grant rules' refusal.
   */
  async accept(options: WaitOptions = {}): Promise<Claimed> {
    const ok = await this.send(UserToRoom.ACCEPT, {}, options);
    await this.until((view) => view.session.epoch >= ok.epoch, options);
    return { epoch: ok.epoch, runId: ok.runId ?? null };
  }

  /** Passes on the offer: the next in line gets it, this user leaves the line. Rejects with NO_OFFER. */
  async decline(options: WaitOptions = {}): Promise<void> {
    await this.send(UserToRoom.DECLINE, {}, options);
    await this.until((view) => view.queue.mine === null, options);
  }

  /**
   * The holder asks for more time (by `byMs`, or all that is left of the allowance). Resolves
   * with the new expiry once the snapshot has it; rejects with NOT_OWNER or EXTENSION_REFUSED
   * (extensions off — BATON_MAX_SESSION_EXTENSION_MS is 0, the default —, the allowance used
   * up, no expiry, or the daily quota).
   */
  async extend(extend: ExtendOptions = {}, options: WaitOptions = {}): Promise<Extended> {
    const before = this.view.session;
    const ok = await this.send(UserToRoom.EXTEND, extend.byMs !== undefined ? { byMs: extend.byMs } : {}, options);
    const view = await this.until((next) => next.session.epoch !== ok.epoch || !next.isMine || (next.session.expiresAt ?? 0) > (before.expiresAt ?? 0), options);
    return { expiresAt: view.session.expiresAt };
  }

  // ------------------------------------------------------------------ hand-over to a named user (PROTOCOL "Hand-over to a named user")

  /**
   * The holder offers the device to user `userId` for the hand-off window. Resolves once the
   * offer is open (the holder keeps the device and may go on running until it is accepted);
   * the `handOverEnded` event tells how it ends. Rejects with NOT_OWNER, HAND_OVER_REFUSED
   * (to yourself, one already open) or DEVICE_UNAVAILABLE / DEVICE_DISABLED.
   */
  async handOver(userId: string, options: WaitOptions = {}): Promise<{ expiresAt: number | null }> {
    await this.send(UserToRoom.HAND_OVER, { to: userId }, options);
    const view = await this.until((next) => next.session.handoverUntil !== null || !next.isMine, options);
    return { expiresAt: view.session.handoverUntil };
  }

  /** The holder takes back the open hand-over. Rejects with NOT_OWNER or NO_HAND_OVER. */
  async withdrawHandOver(options: WaitOptions = {}): Promise<void> {
    await this.send(UserToRoom.WITHDRAW_HAND_OVER, {}, options);
  }

  /**
   * Takes the device handed to this user (the `handOverOffered` event): a new session, this
   * user's, at the next epoch. Resolves once this user holds it; rejects with NO_HAND_OVER,
   * HAND_OVER_REFUSED (the holder's run is still in flight: try again when it ends), the grant
   * rules' refusal (DEVICE_OFFLINE, DEVICE_NOT_READY, …) or this user's limits
   * (USER_DEVICE_LIMIT, DAILY_QUOTA_EXHAUSTED).
   */
  async acceptHandOver(options: WaitOptions = {}): Promise<Claimed> {
    const ok = await this.send(UserToRoom.ACCEPT_HAND_OVER, {}, options);
    await this.until((view) => view.session.epoch >= ok.epoch, options);
    return { epoch: ok.epoch, runId: null };
  }

  /** Does not take the device handed to this user; the holder keeps it. Rejects with NO_HAND_OVER. */
  async declineHandOver(options: WaitOptions = {}): Promise<void> {
    await this.send(UserToRoom.DECLINE_HAND_OVER, {}, options);
  }

  /** Leaves the room for good: the connection closes; waits in progress reject with CONNECTION_CLOSED. */
  async leave(): Promise<void> {
    if (this.leaving) return;
    this.leaving = true;
    const room = this.room;
    if (room && this.view.connection !== "closed") {
      // The server's answer to a LEAVE is awaited for a moment only: over a dead network it
      // would never come, and a leave must not hang (the socket is closed either way).
      let timer: ReturnType<typeof setTimeout> | undefined;
      const moment = new Promise<void>((resolve) => (timer = setTimeout(resolve, LEAVE_WAIT_MS)));
      await Promise.race([room.leave(this.view.connection === "open").catch(() => undefined), moment]);
      clearTimeout(timer);
    }
    this.close(new BatonError(ClientErrorCode.CONNECTION_CLOSED, `You left device ${this.deviceId}.`, { request: "leave" }));
  }

  /**
   * Sends one user command with a fresh request id and resolves with the room's `ok`, or
   * rejects with its `error` (as a BatonError with the room's code and sentence).
   */
  protected async send(request: UserToRoomType, payload: Record<string, unknown>, options: WaitOptions): Promise<OkMessage> {
    await this.ready(options);
    const requestId = `${this.requestPrefix}-${++this.requestCounter}`;
    return waitFor<OkMessage>(`for the answer to ${request} on device ${this.deviceId}`, options, (resolve, reject) => {
      const session = this.view.session;
      this.pending.set(requestId, { request, resolve, reject, before: { epoch: session.epoch, runId: session.runId, holderId: session.holder?.userId ?? null, mine: this.view.isMine, queued: this.view.queue.mine !== null } });
      this.onClosed.add(reject);
      this.room!.send(request, { ...payload, requestId });
      return () => {
        this.pending.delete(requestId);
        this.onClosed.delete(reject);
      };
    });
  }

  // ------------------------------------------------------------------ connection

  private async join(): Promise<void> {
    let room: Room<any, DeviceRoomState>;
    try {
      room = await this.context.join(this.deviceId);
    } catch (error) {
      this.joinFailure = fromJoinFailure(error, this.deviceId);
      this.events.emit("error", this.joinFailure);
      this.close(this.joinFailure);
      return;
    }
    if (this.leaving) {
      await room.leave(true).catch(() => undefined);
      return;
    }
    this.attach(room);
  }

  /**
   * The room went away with the server (a restart: close 4001; a dead process: the socket
   * closed abnormally and the room's own reconnection could not come back): join the device
   * again, as the same user, with backoff, until the room exists again (re-created from the
   * store, here or on another process) or `rejoinForMs` passes. The seat survives the owner's
   * reconnect grace, counted from the room's return; a pending run settles with its result
   * or failure, which the room keeps for its owner and gives at the join (PROTOCOL.md §5.2).
   */
  private async rejoin(): Promise<void> {
    const stale = this.room;
    this.room = null;
    if (stale) {
      // The old room is given up: its own reconnection stops, its socket (if any) closes.
      stale.reconnection.enabled = false;
      stale.removeAllListeners();
      stale.leave(false).catch(() => undefined);
    }
    // What the old room said is not the truth any more (the session may have ended meanwhile):
    // unsynced, and not this user's, until the new room's first state says what is.
    if (this.view.synced) {
      this.beforeRejoin = this.view;
      this.view = { ...this.view, synced: false, isMine: false, canClaim: false, owner: null };
    }
    this.setConnection("reconnecting");
    const giveUpAt = Date.now() + (this.context.rejoinForMs ?? DEFAULT_REJOIN_FOR_MS);
    let delay = 200;
    while (!this.leaving) {
      try {
        const room = await this.context.join(this.deviceId);
        if (this.leaving) {
          await room.leave(true).catch(() => undefined);
          return;
        }
        this.attach(room);
        this.events.emit("rejoined");
        return;
      } catch (error) {
        const failure = fromJoinFailure(error, this.deviceId);
        // A refusal that waiting does not change (unknown device, signed out, disabled): final.
        if (!RETRIED_JOIN_FAILURES.has(failure.code) || Date.now() + delay > giveUpAt) {
          const ended = RETRIED_JOIN_FAILURES.has(failure.code)
            ? new BatonError(ClientErrorCode.CONNECTION_CLOSED, `The Baton server did not come back within ${Math.round((this.context.rejoinForMs ?? DEFAULT_REJOIN_FOR_MS) / 1000)} s; open device ${this.deviceId} again later.`, { cause: error })
            : failure;
          this.events.emit("error", ended);
          this.close(ended);
          return;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, delay * (0.75 + Math.random() * 0.5)));
      delay = Math.min(delay * 2, 5_000);
    }
  }

  private attach(room: Room<any, DeviceRoomState>): void {
    this.room = room;
    this.context.configure(room);
    room.onStateChange(() => this.refresh());
    room.onMessage(RoomToUser.OK, (ok: OkMessage) => this.answered(ok.requestId, ok.request, (pending) => pending.resolve(ok)));
    room.onMessage(RoomToUser.ERROR, (error: ErrorPayload) => this.refused(error));
    room.onMessage(RoomToUser.RESULT, (result: ResultMessage) => {
      // The room re-sends a result at every join until it is acknowledged (PROTOCOL §5):
      // acknowledge each copy, act on the first.
      room.send(UserToRoom.RESULT_ACK, { runId: result.runId });
      const known = this.outcomes.get(result.runId);
      if (known && "result" in known) return;
      const late = result.late ? { late: true as const, ...(result.lateReason ? { lateReason: result.lateReason } : {}) } : {};
      const delivered: RunResult = { runId: result.runId, sessionType: result.sessionType, output: result.output, ...late };
      // A late result of a run that failed here already (timed out, cancelled): the run's
      // promise was settled by the failure; the result is still the user's, as an event.
      if (known) {
        this.outcomes.set(result.runId, { result: delivered });
        this.events.emit("result", delivered);
        return;
      }
      this.finished(result.runId, { result: delivered });
    });
    room.onMessage(RoomToUser.RUN_FAILED, (failure: RunFailedMessage) => {
      // Kept for the owner until acknowledged, like a result (a failure while they were away
      // comes at their next join): acknowledge each copy, act on the first.
      room.send(UserToRoom.RESULT_ACK, { runId: failure.runId });
      if (this.outcomes.has(failure.runId)) return;
      this.finished(failure.runId, { failure });
    });
    room.onMessage(RoomToUser.SESSION_ENDED, (ended: SessionEndedMessage) => {
      if (ended.ackId !== undefined) {
        room.send(UserToRoom.RESULT_ACK, { runId: ended.ackId });
        if (this.endsSeen.has(ended.ackId)) return;
        this.endsSeen.add(ended.ackId);
      }
      this.events.emit("sessionEnded", ended);
    });
    room.onMessage(RoomToUser.OFFER, (offer: OfferMessage) => this.events.emit("offer", offer));
    room.onMessage(RoomToUser.QUEUE_LEFT, (left: QueueLeftMessage) => this.events.emit("queueLeft", left));
    room.onMessage(RoomToUser.SESSION_EXPIRING, (expiring: SessionExpiringMessage) => this.events.emit("sessionExpiring", expiring));
    room.onMessage(RoomToUser.SESSION_EXTENDED, (extended: SessionExtendedMessage) => this.events.emit("sessionExtended", extended));
    room.onMessage(RoomToUser.HAND_OVER_OFFERED, (offered: HandOverOfferedMessage) => this.events.emit("handOverOffered", offered));
    room.onMessage(RoomToUser.HAND_OVER_ENDED, (ended: HandOverEndedMessage) => this.events.emit("handOverEnded", ended));
    room.onMessage(RoomToUser.TELEMETRY_RECENT, (recent: TelemetryRecentMessage) => {
      this.view = { ...this.view, telemetry: this.trace.seed(recent) };
      this.events.emit("changed", this.view);
    });
    room.onMessage(RoomToUser.BOOKING_STARTING, (starting: BookingStartingMessage) => this.events.emit("bookingStarting", starting));
    let stuck: ReturnType<typeof setTimeout> | undefined;
    room.onDrop(() => {
      for (const pending of this.pending.values()) pending.mayBeLost = true;
      this.setConnection("reconnecting");
      // The room's own reconnection (same process, same seat) may never succeed when the
      // process died: past a while, find the room again through matchmaking instead.
      clearTimeout(stuck);
      stuck = setTimeout(() => {
        if (this.room === room && this.view.connection === "reconnecting" && !this.leaving) void this.rejoin();
      }, this.context.rematchAfterMs ?? DEFAULT_REMATCH_AFTER_MS);
    });
    room.onReconnect(() => {
      clearTimeout(stuck);
      this.setConnection("open");
    });
    room.onLeave((code: number, reason?: string) => {
      clearTimeout(stuck);
      if (this.room !== room) return; // a room given up for a new join
      if (this.leaving) return this.close(new BatonError(ClientErrorCode.CONNECTION_CLOSED, `You left device ${this.deviceId}.`, { request: "leave" }));
      if (REJOIN_CLOSE_CODES.has(code) && this.context.rejoin !== false) return void this.rejoin();
      const error = new BatonError(ClientErrorCode.CONNECTION_CLOSED, `The connection to device ${this.deviceId} closed (${code}${reason ? `: ${reason}` : ""}); join it again with client.device("${this.deviceId}").`);
      this.events.emit("error", error);
      this.close(error);
    });
    room.onError((code: number, message?: string) => {
      this.events.emit("error", new BatonError(ClientErrorCode.NETWORK_ERROR, `The connection to device ${this.deviceId} reported an error (${code}${message ? `: ${message}` : ""}).`));
    });
    this.setConnection("open");
  }

  /** A `ok`/`error` answer: the pending call with its request id, else the oldest one of that request type. */
  private answered(requestId: string | undefined, request: string, settle: (pending: Pending) => void): boolean {
    let key = requestId !== undefined && this.pending.has(requestId) ? requestId : undefined;
    if (key === undefined && requestId === undefined) {
      for (const [id, pending] of this.pending) {
        if (pending.request === request) {
          key = id;
          break;
        }
      }
    }
    if (key === undefined) return false;
    const pending = this.pending.get(key)!;
    this.pending.delete(key);
    settle(pending);
    return true;
  }

  private refused(error: ErrorPayload): void {
    const batonError = new BatonError(error.code, error.message, { request: error.request });
    const handled = this.answered(error.requestId, error.request, (pending) => pending.reject(batonError));
    // An answer to a call that stopped waiting is dropped; anything else is news.
    if (!handled && !(error.requestId ?? "").startsWith(this.requestPrefix)) this.events.emit("error", batonError);
  }

  private finished(runId: string, outcome: Outcome): void {
    this.outcomes.set(runId, outcome);
    if (this.outcomes.size > REMEMBERED_OUTCOMES) this.outcomes.delete(this.outcomes.keys().next().value!);
    if ("result" in outcome) this.events.emit("result", outcome.result);
    else this.events.emit("runFailed", outcome.failure);
    for (const settle of [...(this.outcomeWaiters.get(runId) ?? [])]) settle(outcome);
  }

  private refresh(): void {
    if (!this.room) return;
    const previous = this.view.synced ? this.view : this.beforeRejoin;
    this.beforeRejoin = null;
    const userId = this.context.userId();
    const updates: TelemetryUpdate[] = [];
    const isMine = this.room.state.session?.ownerId !== "" && this.room.state.session?.ownerId === userId;
    const next = viewOf(this.deviceId, this.room.state, this.view.connection, userId, this.trace.update(this.room.state, isMine, updates));
    this.view = next;
    for (const update of updates) this.events.emit("telemetry", update);
    if (previous?.synced) this.emitTransitions(previous, next);
    if (next.connection === "open") this.recoverAnswers(next);
    this.recoverOutcomes(next);
    this.events.emit("changed", next);
  }

  /**
   * After a reconnection, a command whose `ok` was lost with the old connection is recognised
   * by its effect in the state, which the reconnection syncs again: a claim by the holder
   * being this user at a later epoch, a run by a new run id, a release or cancel by the
   * session or run being gone. (A refusal lost the same way leaves no trace: that wait goes on
   * until its signal or timeout.)
   */
  private recoverAnswers(view: DeviceView): void {
    const session = view.session;
    for (const [requestId, pending] of [...this.pending]) {
      if (!pending.mayBeLost) continue;
      const { before } = pending;
      let runId: string | undefined;
      let done = false;
      switch (pending.request) {
        case UserToRoom.CLAIM:
          done = view.isMine && session.epoch > before.epoch;
          runId = done && session.runId ? session.runId : undefined;
          break;
        case UserToRoom.RUN:
          done = view.isMine && session.runId !== null && session.runId !== before.runId;
          runId = session.runId ?? undefined;
          break;
        case UserToRoom.CANCEL:
          done = before.mine && before.runId !== null && (session.phase !== "running" || session.runId !== before.runId);
          runId = before.runId ?? undefined;
          break;
        case UserToRoom.RELEASE:
          done = before.mine && (!view.isMine || session.epoch > before.epoch);
          break;
        case UserToRoom.ENQUEUE:
          done = !before.queued && view.queue.mine !== null;
          break;
        case UserToRoom.LEAVE_QUEUE:
        case UserToRoom.DECLINE:
          done = before.queued && view.queue.mine === null;
          break;
        case UserToRoom.ACCEPT:
          done = view.isMine && session.epoch > before.epoch;
          runId = done && session.runId ? session.runId : undefined;
          break;
        case UserToRoom.ACCEPT_HAND_OVER:
          done = view.isMine && session.epoch > before.epoch;
          break;
        case UserToRoom.HAND_OVER:
          done = before.mine && view.isMine && session.epoch === before.epoch && session.handoverUntil !== null;
          break;
      }
      if (!done) continue;
      this.pending.delete(requestId);
      pending.resolve({ request: pending.request, requestId, epoch: session.epoch, ...(runId ? { runId } : {}) });
    }
  }

  /**
   * A run waited for whose failure is in the holder's state but never came as a message:
   * `run_failed` is not stored for re-sending, so one written into a connection that was
   * already dropping is lost with it; the state, synced again after the reconnection, still
   * has it. A *result* is never taken from the state: results have one road, the `result`
   * message, which the room re-sends until it is acknowledged (docs/DESIGN.md, PROTOCOL.md §5).
   */
  private recoverOutcomes(view: DeviceView): void {
    const owner = view.owner;
    const runId = owner?.runId;
    if (!owner || !runId || view.session.runId !== runId || !this.outcomeWaiters.has(runId) || this.outcomes.has(runId)) return;
    const sessionType = owner.sessionType ?? view.session.sessionType ?? "";
    if (view.session.phase === "failed" && view.session.failureCode) {
      this.finished(runId, { failure: { runId, sessionType, code: view.session.failureCode, message: owner.failureMessage ?? "" } });
    }
  }

  /** The events a state change means: a new holder, a session that ended, progress. */
  private emitTransitions(previous: DeviceView, next: DeviceView): void {
    const before = previous.session;
    const after = next.session;
    if (before.holder && (!after.holder || after.epoch !== before.epoch)) {
      this.events.emit("released", { epoch: before.epoch, holder: before.holder, reason: after.endReason, mine: previous.isMine });
    }
    if (after.holder && (!before.holder || after.epoch !== before.epoch)) {
      this.events.emit("claimed", { epoch: after.epoch, holder: after.holder, mine: next.isMine });
    }
    if (after.phase === "running" && after.runId && (after.runId !== before.runId || after.progress !== before.progress || after.progressMessage !== before.progressMessage)) {
      this.events.emit("progress", { runId: after.runId, sessionType: after.sessionType, progress: after.progress, message: after.progressMessage });
    }
  }

  private setConnection(connection: ConnectionState): void {
    if (this.view.connection === connection) return;
    const view = this.room && this.view.synced
      ? viewOf(this.deviceId, this.room.state, connection, this.context.userId(), this.view.telemetry)
      : { ...this.view, connection, canClaim: false };
    this.view = view;
    this.events.emit("connection", connection);
    this.events.emit("changed", view);
  }

  private close(error: BatonError): void {
    if (this.view.connection === "closed" && this.closedBy) return;
    this.closedBy = error;
    this.setConnection("closed");
    for (const reject of [...this.onClosed]) reject(error);
    this.onClosed.clear();
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }

  private closedError(): BatonError {
    return this.joinFailure ?? new BatonError(ClientErrorCode.CONNECTION_CLOSED, `The connection to device ${this.deviceId} is closed.`);
  }
}
