/**
 * The device room: one per physical device (roomId = deviceId), a thin adapter between
 * Colyseus and the pure session core. It validates each message at the edge, turns it
 * into a core command, copies the new state into the schema, and carries out the effects.
 * No session rule is written here.
 *
 * Latency: device commands and results go out with `client.send` at once, and every
 * transition pushes its patch in the same turn of the event loop (`broadcastPatch`). The
 * patch timer is off (`patchRate = null`) and the only timer is the next session deadline,
 * so an idle room costs nothing.
 *
 * Durability: the core's state is written to the store before any command that depends on
 * it reaches the device (a device never sees an epoch the store could forget), and a result
 * is committed before its `ack` leaves. A room created later — after a restart, or in
 * another process — continues from the stored state with the same epoch.
 */
import { randomUUID } from "node:crypto";
import { ClientState, CloseCode, Room, matchMaker, type AuthContext, type Client } from "@colyseus/core";
import {
  DeviceToRoom, EndReason, ErrorCode, RoomToDevice, RoomToUser, UserToRoom, BatonCloseCode,
  type ErrorCodeName, type ErrorPayload, type OkMessage, type SessionTypeSpec, type UserToRoomType,
} from "@baton/protocol";
import { DeviceRoomState } from "@baton/protocol/state";
import { ClaimPayload, UserPayloads, describeZodError } from "@baton/protocol/messages";
import { notifyDeviceFreed } from "../cluster/poolLink.ts";
import { deviceStatusOf, initialState, isFreeForNewHolder, lineOf, type ClaimAnswer, type PoolRequest, nextDeadline, reduce, restoreForNewRoom, NO_SAMPLES, type AvailabilityCommand, type Command, type CoreState, type DurationSamples, type Effect, type Outcome, type Rejection, type UserRef } from "../../session/index.ts";
import { mirrorQueue, showSeat } from "../projection/queueMirror.ts";
import { carryOutQueueEffect, isQueueEffect } from "../effects/queueEffects.ts";
import { carryOutLeaseEffect, isLeaseEffect } from "../effects/leaseEffects.ts";
import { FairUseGate } from "../edge/fairUseGate.ts";
import { usedTodayOnKind } from "../edge/dailyUsage.ts";
import { commandForStoredAvailability, loadDurationSamples } from "./availabilitySync.ts";
import { authorizeJoin, joinError, type JoinAuth } from "../edge/joinAuth.ts";
import { revocationReason } from "../../auth/revocations.ts";
import { isValidDeviceId } from "../../auth/deviceRegistry.ts";
import { CLIENT_ADDRESS_HEADER } from "../../http/requestGuard.ts";
import type { RoomLease } from "../cluster/deviceRoomLeases.ts";
import { keepListed } from "../cluster/keepListed.ts";
import { guarded } from "../connections/roomTimers.ts";
import { FrameEdge } from "../edge/frameEdge.ts";
import { closeIfSlow, ConnectionBounds } from "../connections/connectionLimits.ts";
import { freshOwnerData, mirrorDevice, mirrorSession } from "../projection/stateMirror.ts";
import { validateRunInput } from "../edge/inputValidation.ts";
import { deviceCommand, requestIdOf, unknownMessage, userCommand, type Translation } from "../edge/commands.ts";
import { lifecycleEventFor } from "../../events/fromEffects.ts";
import type { RoomServices } from "../services.ts";
import { saveUntilStored, type StoreAttempt } from "../../store/saveUntilStored.ts";
import { AuditAction, isEmptyWrite, type AvailabilityRecord, type AuditEntry, type HistoryRecord, type NewDeliveredResult, type NewOrphanedResult, type TransitionOutcome, type TransitionWrite } from "../../ports/store.ts";
import { durableKey } from "../effects/durableState.ts";
import { RoomViews } from "../projection/views.ts";
import type { ForceReleaseAnswer, LiveDeviceStatus, QueueListing } from "../operator/liveRooms.ts";

type UserAuth = Extract<JoinAuth, { role: "user" }>;
type BatonClient = Client<{ auth: JoinAuth }>;

export class DeviceRoom extends Room<{ state: DeviceRoomState }> {
  /**
   * The process's services (a device room's dependencies, rooms/services.ts). The composition root
   * (app.ts) registers `DeviceRoom.boundTo(services)`, a subclass carrying them, so two apps in one
   * process (tests, a cluster in one process) each have their own.
   */
  static services: RoomServices;
  static boundTo(services: RoomServices): typeof DeviceRoom {
    return class extends this {
      static override services = services;
    };
  }
  protected get services(): RoomServices {
    return (this.constructor as typeof DeviceRoom).services;
  }

  state = new DeviceRoomState();
  /** The shared spectator view and the device's (rooms/projection/views.ts). */
  private readonly views = new RoomViews(this.state);
  private core!: CoreState;
  private deviceClient: BatonClient | null = null;
  /** Every open connection per user id (several tabs of one user are one holder). */
  private readonly userConnections = new Map<string, Set<BatonClient>>();
  /** Which user's connections currently have `state.owner` in their view. */
  private ownerViewUserId: string | null = null;
  private deadlineTimer: NodeJS.Timeout | null = null;
  private patchScheduled = false;
  /** Transitions of this room waiting for their commit. */
  private committing = 0;
  private disposed = false;
  private effectChain: Promise<void> = Promise.resolve();
  private readonly frameEdge = new FrameEdge({ user: this.services.config.rateLimit, device: this.services.config.deviceRateLimit }, this.services.clock);
  /** Seats and join acknowledgements of user connections (rooms/connections/connectionLimits.ts). */
  private readonly connections = new ConnectionBounds(
    this,
    { maxUsers: this.services.config.maxSpectatorsPerDevice, maxPerUser: this.services.config.maxConnectionsPerUser, joinAckTimeoutMs: this.services.config.joinAckTimeoutMs },
    { connectedUsers: () => this.userCount(), connectionsOf: (userId) => this.userConnections.get(userId)?.size ?? 0 },
  );
  private lease: RoomLease | null = null;
  private readonly lockHolder = `${matchMaker.processId}/${randomUUID()}`;
  /** `durableKey` of the state last written to the store: unchanged states are not written again. */
  private persistedKey = "";
  private unregisterDevice: (() => void) | null = null;
  private unwatchAvailability: (() => void) | null = null;
  private unwatchRegistry: (() => void) | null = null;
  /** Recent run and session durations of this device, for the queue's ETA; read only while people wait. */
  private samples: DurationSamples = NO_SAMPLES;
  private samplesStale = true;
  private samplesLoading = false;
  /** Per-user limits across devices (rooms/edge/fairUseGate.ts); user commands pass through it in order. */
  private fairUse!: FairUseGate;
  private userCommands: Promise<void> = Promise.resolve();
  private untrackQuotas: (() => void) | null = null;
  /** The registry's kind of this device (the daily quota counts per kind), read once. */
  private deviceKind: Promise<string> | null = null;

  static async onAuth(token: string, options: unknown, context: AuthContext) {
    if (this.services.readiness.draining) throw joinError(ErrorCode.SERVER_BUSY, "the server is shutting down; join again in a few seconds (another process, or this one restarted).");
    const auth = await authorizeJoin(token, options, this.services, context.headers?.get(CLIENT_ADDRESS_HEADER) ?? "unknown");
    // Refuse a full room here, with its own sentence, rather than through Colyseus' seat
    // retries (seconds of back-off, then a generic error). The seat itself is capped too.
    const room = matchMaker.getLocalRoomById(auth.deviceId) as DeviceRoom | undefined;
    if (auth.role === "user" && room && !room.hasSeatFor(auth.userId)) {
      throw joinError(ErrorCode.ROOM_FULL, `device ${auth.deviceId} has no free viewer seat (at most ${this.services.config.maxSpectatorsPerDevice} viewers, ${this.services.config.maxConnectionsPerUser} connections per user); try again later.`);
    }
    return auth;
  }

  async onCreate(options: { deviceId: string }) {
    if (!isValidDeviceId(options.deviceId)) throw joinError(ErrorCode.UNKNOWN_DEVICE, "a device room needs a valid deviceId.");
    // One room per device in the whole cluster, whichever route asked for it: the lock is
    // taken before the room exists, and renewed while it lives (rooms/cluster/deviceRoomLeases.ts).
    const lease = await this.services.roomLeases.acquire(options.deviceId, this.lockHolder, (reason) => this.leaseLost(reason), () => void keepListed(this));
    if (!lease) {
      throw joinError(ErrorCode.DEVICE_ROOM_EXISTS, `device ${options.deviceId} already has its room (or a process that stopped still holds it, for at most BATON_ROOM_LOCK_TTL_MS); join it with joinOrCreate, or try again in a few seconds.`);
    }
    this.lease = lease;
    this.roomId = options.deviceId;
    this.patchRate = null;
    this.guardFrameworkEntryPoints();
    // The device's stored state, if any: same epoch, holder and run as before (a restart, or
    // a room created again). Nobody is connected yet, so the grace periods start now.
    const stored = await this.services.deviceStates.load(options.deviceId);
    this.core = stored ? restoreForNewRoom(stored, this.services.clock()) : initialState(options.deviceId, this.services.clock());
    this.persistedKey = stored ? durableKey(stored) : "";
    this.fairUse = new FairUseGate({
      deviceId: options.deviceId,
      ledger: this.services.cluster.userQuotas,
      limits: this.services.config.fairUse,
      ttlMs: this.services.config.cluster.roomLockTtlMs,
      clock: this.services.clock,
      usedToday: async (userId) => {
        this.deviceKind ??= this.services.registry.find(options.deviceId).then((device) => device?.kind ?? "");
        const kind = await this.deviceKind;
        return { kind, usedMs: await usedTodayOnKind(this.services.history, this.services.registry, userId, kind, this.services.clock()) };
      },
      warn: (message, error) => console.error(message, error),
    });
    // What a restored state holds is renewed at once, and while the room lives.
    if (this.fairUse.enabled) this.untrackQuotas = this.services.quotaRenewer.track(() => this.fairUse.slots(this.core));
    this.syncState();
    // A drain or quarantine stored while the device had no room (the CLI) applies now.
    this.applyStoredAvailability(await this.services.store.availability.find(options.deviceId));
    this.unwatchAvailability = this.services.availabilityWatcher.register(options.deviceId, this.guarded("applying a stored availability", (record: AvailabilityRecord | undefined) => this.applyStoredAvailability(record)));
    // Disabled in the registry (now, or at any later poll): the core refuses every claim.
    const registered = await this.services.registry.find(options.deviceId);
    this.applyRegistryState(!registered || registered.disabledAt !== null);
    this.unwatchRegistry = this.services.deviceConnections.registerRoom(options.deviceId, this.guarded("applying the registry's state", (disabled: boolean) => this.applyRegistryState(disabled)));
    this.armDeadline();
    this.updateAutoDispose();

    for (const type of Object.values(UserToRoom)) {
      this.onMessage(type, (client: BatonClient, payload: unknown) => this.onUserMessage(client, type, payload));
    }
    for (const type of Object.values(DeviceToRoom)) {
      this.onMessage(type, (client: BatonClient, payload: unknown) => this.onDeviceMessage(client, type, payload));
    }
    // Unknown types get an error, not Colyseus' default kick (4002).
    this.onMessage("*", (client: BatonClient, type: string | number) => {
      const refusal = unknownMessage(type);
      this.sendError(client, refusal.code, refusal.message, String(type).slice(0, 64));
    });
  }

  /**
   * Two of Colyseus' entry points get Baton's checks in front of them (TypeScript marks
   * them private, so they cannot be overridden): every incoming frame (`receiveFrame`), and
   * every seat reservation (rooms/connections/connectionLimits.ts).
   */
  private guardFrameworkEntryPoints() {
    const frameworkReceive = (this as any)._onMessage.bind(this);
    (this as any)._onMessage = (client: BatonClient, buffer: Uint8Array) => this.receiveFrame(client, buffer, frameworkReceive);
    this.connections.guardSeatReservations();
  }

  onJoin(client: BatonClient, _options: unknown, auth: JoinAuth) {
    // Whatever route the seat came from, a connection is only ever in the room of the device it authenticated for.
    if (auth?.deviceId !== this.roomId) {
      throw joinError(ErrorCode.WRONG_ROOM, `this connection was admitted for device ${JSON.stringify(auth?.deviceId)}, not ${this.roomId}.`);
    }
    client.auth = auth;
    this.connections.awaitJoinAck(client);
    if (auth.role === "device") return this.deviceJoining(client, auth.secretHash);
    // Seats are already capped when reserved (guardFrameworkEntryPoints); this holds the
    // limit even if that private Colyseus entry point ever changes under us.
    if (this.userCount() >= this.services.config.maxSpectatorsPerDevice) {
      throw joinError(ErrorCode.ROOM_FULL, `device ${this.roomId} already has ${this.services.config.maxSpectatorsPerDevice} viewers.`);
    }
    client.view = this.views.spectators; // shared by every spectator (rooms/projection/views.ts)
    this.userConnected(client, auth);
  }

  async onDrop(client: BatonClient, code?: number) {
    // The room itself is closing (shutdown, dispose): nobody can come back to it.
    if (client.auth?.role !== "user" || code === CloseCode.SERVER_SHUTDOWN) return this.onLeave(client);
    // Keep the seat for the owner's reconnect grace; the core's own deadline ends the session.
    this.userLeft(client, true);
    try {
      await this.allowReconnection(client, Math.max(1, Math.ceil(this.services.config.timers.ownerReconnectGraceMs / 1000)));
    } catch {
      this.userLeft(client, false);
    }
  }

  onReconnect(client: BatonClient) {
    if (client.auth?.role === "user") this.userConnected(client, client.auth);
  }

  onLeave(client: BatonClient) {
    this.connections.joinAcknowledged(client);
    if (client.auth?.role === "device") {
      if (this.deviceClient === client) {
        this.deviceClient = null;
        this.apply({ type: "deviceDisconnected" });
      }
      return;
    }
    this.userLeft(client, false);
  }

  async onDispose() {
    this.disposed = true;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.connections.dispose();
    this.unregisterDevice?.();
    this.unwatchAvailability?.();
    this.unwatchRegistry?.();
    this.untrackQuotas?.();
    // Let the last writes finish (retries stop now that the room is disposed), so a room
    // created next for this device reads what this one knew — and only then give the
    // device's room lock back. A room whose creation was refused holds no lock.
    await this.effectChain;
    await this.lease?.release().catch((error) => console.error(`device room ${this.roomId}: releasing its lock failed (it expires by itself)`, error));
  }

  /**
   * This room's lock ran out or was taken (this process stalled, or lost Redis for a whole
   * TTL): another process may already serve the device. This room stops at once — its
   * clients are closed as at a shutdown (4001) and reconnect through whichever process
   * serves the device now, which continues from the store.
   */
  private leaseLost(reason: string) {
    console.error(`device room ${this.roomId}: ${reason}; closing this room so that only one serves the device`);
    void this.disconnect(CloseCode.SERVER_SHUTDOWN);
  }

  // ------------------------------------------------------------ operator seam
  // Called through `matchMaker.remoteRoomCall` by rooms/operator/liveRooms.ts (so they work for a
  // room in another process too): arguments and answers are plain JSON.

  /** The device's status as operators see it, plus how many viewers are connected. */
  liveStatus(): LiveDeviceStatus {
    return { ...deviceStatusOf(this.core), viewers: this.userCount() };
  }

  /** An admin takes the device back: the core ends the session as `kicked` (see session/core.ts). */
  forceRelease(by: UserRef, reason: string): ForceReleaseAnswer {
    const holder = this.core.session?.holder ?? null;
    const epoch = this.core.epoch;
    if (!holder) return { released: false, epoch, holder: null };
    this.apply({ type: "forceRelease", by: { userId: String(by.userId), name: String(by.name) }, reason: String(reason) });
    return { released: true, epoch, holder };
  }

  /** An admin drains, quarantines or returns the device to service; the core decides what follows (session/availability.ts). */
  setAvailability(command: AvailabilityCommand): LiveDeviceStatus {
    const by = { userId: String(command.by.userId), name: String(command.by.name) };
    this.apply({ type: command.type, by, reason: String(command.reason) } as AvailabilityCommand);
    return this.liveStatus();
  }

  /** Who waits, in order, with their place and whether they hold the offer (admins only: names are shown). */
  queueListing(): QueueListing {
    return {
      deviceId: this.roomId,
      handoffUntil: this.core.offer?.expiresAt ?? 0,
      entries: lineOf(this.core).map((entry, index) => ({
        position: index + 1, userId: entry.user.userId, name: entry.user.name, since: entry.enqueuedAt,
        sessionType: entry.sessionType ?? null, offered: this.core.offer?.entry === entry, away: entry.lostAt > 0,
      })),
    };
  }

  /**
   * A pool asks (rooms/cluster/poolLink.ts): grant the device to `user` if it is free, else refuse.
   * The core decides it as any `claim` (busy, offered, own line waiting, not ready, drained,
   * offline: refused), so this room stays the only writer of its holder, and it passes the
   * per-user limits as a user's own `claim` does (devices held, daily minutes). The answer waits
   * for the commit, so a user is never told of a grant the store could forget. The user is
   * not in this room yet: their reconnect grace starts now (a grant nobody comes for ends
   * as `owner_lost`).
   */
  async claimIfFree(user: UserRef, request: PoolRequest): Promise<ClaimAnswer> {
    const parsed = ClaimPayload.safeParse(request ?? {});
    if (!parsed.success) return { granted: false, code: ErrorCode.INVALID_MESSAGE, message: "The pool's claim was malformed." };
    if (this.disposed || !this.lease?.held()) return { granted: false, code: ErrorCode.DEVICE_OFFLINE, message: `Device ${this.roomId}'s room is closing.` };
    const claimant = { userId: String(user?.userId), name: String(user?.name ?? "") };
    const command: Command = { type: "claim", user: claimant, ...parsed.data };
    const applied = this.fairUse.enabled ? await this.applyForUser(command) : { outcome: this.apply(command) };
    if (!applied) return { granted: false, code: ErrorCode.DEVICE_OFFLINE, message: `Device ${this.roomId}'s room is closing.` };
    if ("rejection" in applied || applied.outcome.rejection) {
      const rejection = "rejection" in applied ? applied.rejection : applied.outcome.rejection!;
      return { granted: false, code: rejection.code, message: rejection.message };
    }
    const epoch = applied.outcome.state.epoch;
    if (!this.userConnections.has(claimant.userId)) this.apply({ type: "ownerDisconnected", userId: claimant.userId });
    await this.effectChain;
    return { granted: true, epoch };
  }

  private applyRegistryState(disabled: boolean) {
    if (!this.disposed && Boolean(this.core.disabled) !== disabled) this.apply({ type: "registryState", disabled });
  }

  private applyStoredAvailability(record: AvailabilityRecord | undefined) {
    const command = commandForStoredAvailability(this.core, record);
    if (command && !this.disposed) this.apply(command);
  }

  /**
   * Reads the ETA's history when someone waits and it changed since the last read — off the
   * effect chain, so it never delays a command; the seats are refreshed when it arrives.
   */
  private refreshSamples() {
    if (!this.samplesStale || this.samplesLoading || lineOf(this.core).length === 0) return;
    this.samplesStale = false;
    this.samplesLoading = true;
    loadDurationSamples(this.services, this.roomId)
      .then((samples) => {
        this.samples = samples;
        if (!this.disposed) this.syncState();
      })
      .catch(() => { this.samplesStale = true; })
      .finally(() => { this.samplesLoading = false; });
  }

  // ------------------------------------------------------------ connections

  /**
   * The seat was reserved at matchmaking, perhaps before the device was disabled or its
   * secret rotated: the registry is read again now, and a seat it no longer backs is refused.
   */
  private async deviceJoining(client: BatonClient, secretHash: string) {
    const reason = revocationReason(await this.services.registry.find(this.roomId), secretHash);
    if (reason) {
      this.connections.joinAcknowledged(client);
      this.applyRegistryState(reason !== "the device's secret was rotated");
      throw joinError(ErrorCode.UNAUTHORIZED, `device ${this.roomId} may no longer join: ${reason} after this seat was reserved.`);
    }
    this.deviceJoined(client, secretHash);
  }

  private deviceJoined(client: BatonClient, secretHash: string) {
    client.view = this.views.device; // empty: the device receives no schema state
    const previous = this.deviceClient;
    this.deviceClient = client;
    if (previous && previous !== client) {
      // A rebooted device may return before its old socket timed out; the newest wins.
      previous.leave(BatonCloseCode.DEVICE_REPLACED, "replaced by a newer connection of the same device");
    }
    this.unregisterDevice?.();
    this.unregisterDevice = this.services.deviceConnections.register(this.roomId, secretHash, this.guarded("revoking the device's connection", (reason: string) => {
      if (this.deviceClient !== client) return;
      this.deviceClient = null;
      client.leave(BatonCloseCode.DEVICE_REVOKED, reason);
      this.apply({ type: "deviceDisconnected" });
    }));
    this.apply({ type: "deviceConnected" });
  }

  /** A user's connection joined or came back: count it, and give it the owner data if that user holds the device. */
  private userConnected(client: BatonClient, auth: UserAuth) {
    const connections = this.userConnections.get(auth.userId) ?? new Set();
    connections.add(client);
    this.userConnections.set(auth.userId, connections);
    // A connection that was away while its user took the device again (from another tab)
    // missed the view change; the current owner data is added here. Any older OwnerData it
    // still holds is detached from the state and receives nothing.
    if (this.ownerViewUserId === auth.userId) this.views.ownViewOf(client).add(this.state.owner);
    // A waiting user sees their own seat (position, ETA, offer): through a view of their own.
    if (this.state.seats.has(auth.userId)) showSeat(this.state, auth.userId, this.views.ownViewOf(client));
    this.apply({ type: "ownerReconnected", userId: auth.userId });
    // Results that came while this user was away are handed over now, once (in order with
    // the deliveries the effect chain is carrying out).
    this.enqueue(() => this.handOverPending(auth.userId));
  }

  /** `reconnecting`: the socket dropped but may come back; a closed tab counts as gone only when the last one closes. */
  private userLeft(client: BatonClient, reconnecting: boolean) {
    const auth = client.auth as UserAuth | undefined;
    if (!auth) return;
    const connections = this.userConnections.get(auth.userId);
    if (!connections?.delete(client)) {
      if (!reconnecting) this.updateAutoDispose();
      return;
    }
    if (connections.size === 0) {
      this.userConnections.delete(auth.userId);
      this.apply({ type: "ownerDisconnected", userId: auth.userId });
    }
  }

  private userCount(): number {
    let count = 0;
    for (const connections of this.userConnections.values()) count += connections.size;
    return count;
  }

  /** Whether one more viewer seat may be reserved for `userId` (room and per-user limits, pending seats included). */
  hasSeatFor(userId: string): boolean {
    return this.connections.hasSeatFor(userId);
  }

  // ------------------------------------------------------------ messages

  /**
   * Every frame from every client passes here first (see guardFrameworkEntryPoints).
   * `FrameEdge` decides — join acknowledgement first, rate limit on every frame type before
   * any decoding, a decode check — and a catch keeps a hostile frame from escaping the
   * socket's handler.
   */
  private receiveFrame(client: BatonClient, buffer: Uint8Array, frameworkReceive: (client: BatonClient, buffer: Uint8Array) => void) {
    const joined = client.state === ClientState.JOINED;
    const verdict = this.frameEdge.inspect(client, { isDevice: client.auth?.role === "device", joined }, buffer);
    if (verdict.action === "drop") return;
    if (verdict.action === "refuse") return this.sendError(client, verdict.code, verdict.message, verdict.request);
    try {
      frameworkReceive(client, buffer);
    } catch {
      this.sendError(client, ErrorCode.INVALID_MESSAGE, "The frame could not be processed.", "");
    }
    if (!joined && client.state === ClientState.JOINED) this.connections.joinAcknowledged(client);
  }

  /**
   * Every user command gets exactly one answer, in order: `error` at once when it is
   * refused, `ok` when it was carried out — after the state it produced is stored, so an
   * `ok` is never forgotten by a restart (see `answerOk`).
   */
  private onUserMessage(client: BatonClient, type: string, payload: unknown) {
    if (type === UserToRoom.RESULT_ACK) return this.resultAcknowledged(client, payload);
    const auth = client.auth;
    const user = auth?.role === "user" ? { userId: auth.userId, name: auth.name } : null;
    const requestId = requestIdOf(payload);
    const translation = userCommand(type, payload, user, { admin: auth?.role === "user" && auth.roles.includes("admin") });
    this.execute(client, type, translation, requestId, (before, outcome) => this.answerOk(client, type as UserToRoomType, requestId, before, outcome.state));
  }

  /** `ok` for a carried-out user command, queued behind the effects (and the store write) of its transition. */
  private answerOk(client: BatonClient, request: UserToRoomType, requestId: string | undefined, before: CoreState, after: CoreState) {
    const runId = request === UserToRoom.CANCEL ? before.session?.run?.runId
      : request === UserToRoom.RELEASE ? undefined
      : after.session?.run?.runId;
    const ok: OkMessage = { request, epoch: after.epoch, ...(requestId ? { requestId } : {}), ...(runId ? { runId } : {}) };
    this.enqueue(async () => {
      if (client.state !== ClientState.LEAVING) this.sendTo(client, RoomToUser.OK, ok);
    });
  }

  private onDeviceMessage(client: BatonClient, type: string, payload: unknown) {
    const isDevice = client.auth?.role === "device";
    if (isDevice && client !== this.deviceClient) return; // a replaced socket that has not closed yet
    this.execute(client, type, deviceCommand(type, payload, isDevice));
  }

  /** Applies a translated message, answering the sender when it is refused at the edge or by the rules. */
  private execute(client: BatonClient, type: string, translation: Translation, requestId?: string, carriedOut?: (before: CoreState, outcome: Outcome) => void): void {
    if ("refusal" in translation) {
      this.sendError(client, translation.refusal.code, translation.refusal.message, type, requestId);
      return;
    }
    if (this.fairUse.enabled && client.auth?.role === "user") {
      void this.applyForUser(translation.command).then((applied) => {
        if (!applied) return;
        if ("rejection" in applied) this.sendError(client, applied.rejection.code, applied.rejection.message, type, requestId);
        else carriedOut?.(applied.before, applied.outcome);
      }).catch((error) => console.error(`device room ${this.roomId}: answering a user command failed`, error));
      return;
    }
    const before = this.core;
    const outcome = this.apply(translation.command);
    if (outcome.rejection) this.sendError(client, outcome.rejection.code, outcome.rejection.message, type, requestId);
    else carriedOut?.(before, outcome);
  }

  /**
   * A user's command through the per-user limits (rooms/edge/fairUseGate.ts), one user command
   * after the other, so a claim that waits for the ledger is not overtaken by the run sent
   * right after it. Null when the room went away first (or the command failed).
   */
  private applyForUser(command: Command): Promise<{ before: CoreState; outcome: Outcome } | { rejection: Rejection } | null> {
    const applied = this.userCommands.then(async () => {
      if (this.disposed) return null;
      let before = this.core;
      const admission = await this.fairUse.admit(command, () => this.core, (next) => {
        before = this.core;
        return this.apply(next);
      });
      if ("rejection" in admission) return { rejection: admission.rejection };
      if (admission.outcome.rejection) return { rejection: admission.outcome.rejection };
      return { before, outcome: admission.outcome };
    }).catch((error) => {
      console.error(`device room ${this.roomId}: a user command failed`, error);
      return null;
    });
    this.userCommands = applied.then(() => undefined);
    return applied;
  }

  private sendError(client: BatonClient, code: ErrorCodeName, message: string, request: string, requestId?: string) {
    this.services.events.emit({ type: "command.rejected", deviceId: this.roomId, code, at: this.services.clock() });
    const payload: ErrorPayload = { code, message, request, ...(requestId ? { requestId } : {}) };
    this.sendTo(client, client.auth?.role === "device" ? RoomToDevice.ERROR : RoomToUser.ERROR, payload);
  }

  /** Sends to one connection, and closes it if it has stopped reading what it is sent. */
  private sendTo(client: BatonClient, type: string, payload: unknown) {
    client.send(type, payload);
    closeIfSlow(client, this.services.config.maxBufferedBytes);
  }

  // ------------------------------------------------------------ core ↔ room

  private apply(command: Command): Outcome {
    const now = this.services.clock();
    const wasFree = isFreeForNewHolder(this.core);
    const outcome = reduce(this.core, command, { now, newRunId: this.services.newRunId, timers: this.services.config.timers, validateInput: validateRunInput, rules: this.services.config.rules });
    const changed = outcome.state !== this.core;
    if (changed) {
      this.fairUse?.transitioned(this.core, outcome.state);
      this.core = outcome.state;
      this.syncState();
    }
    if (changed || outcome.effects.length > 0) this.carryOut(outcome.effects, changed ? outcome.state : null);
    this.armDeadline();
    this.updateAutoDispose();
    // Just became free: the device's pool (if it has a room) may have someone waiting.
    if (changed && !wasFree && isFreeForNewHolder(this.core)) void notifyDeviceFreed(this.services.registry, this.roomId);
    return outcome;
  }

  /** Projects the core into schema state, moves the owner view, and pushes the patch now. */
  private syncState() {
    const now = this.services.clock();
    const holderId = this.core.session?.holder.userId ?? null;
    if (holderId !== this.ownerViewUserId) {
      if (this.ownerViewUserId) {
        for (const client of this.userConnections.get(this.ownerViewUserId) ?? []) {
          if (this.views.hasOwnView(client)) client.view!.remove(this.state.owner);
        }
      }
      // A new OwnerData per holder: the old holder's view can never see the next one's data.
      this.state.owner = freshOwnerData();
      this.ownerViewUserId = holderId;
      if (holderId) {
        for (const client of this.userConnections.get(holderId) ?? []) this.views.ownViewOf(client).add(this.state.owner);
      }
    }
    mirrorDevice(this.core, this.state, now);
    mirrorSession(this.core, this.state);
    // Seats go only into views of their user's own (never the spectators' shared one).
    mirrorQueue(this.core, this.state, this.samples, now, (userId, create) =>
      [...(this.userConnections.get(userId) ?? [])].map((client) => (create || this.views.hasOwnView(client) ? this.views.ownViewOf(client) : undefined)));
    this.refreshSamples();
    this.schedulePatch();
  }

  /**
   * Pushes the patch in this same turn of the event loop (setImmediate), not on a tick:
   * after the effects of the transition, so a device's `start` and an owner's `result` —
   * the latency-critical frames — leave before the spectators' patches, and several
   * transitions of one turn share one patch.
   */
  private schedulePatch() {
    if (this.patchScheduled) return;
    this.patchScheduled = true;
    const push = this.guarded("pushing the state patch", () => {
      this.patchScheduled = false;
      if (this.disposed) return;
      this.broadcastPatch();
      for (const client of this.clients) closeIfSlow(client, this.services.config.maxBufferedBytes);
    });
    // A transition waiting for its group commit (flushed at setImmediate, queued after this
    // one): let the commit and the messages it releases go first, once.
    setImmediate(() => (this.committing > 0 ? setImmediate(push) : push()));
  }

  private carryOut(effects: Effect[], state: CoreState | null) {
    // Effects run in order across commands: a state is stored before the commands that
    // depend on it go out, and a result is stored before its ack.
    this.enqueue(() => this.runEffects(effects, state));
  }

  private enqueue(step: () => Promise<void>) {
    this.effectChain = this.effectChain.then(step).catch((error) => {
      console.error(`device room ${this.roomId}: effect failed`, error);
    });
  }

  /**
   * Carries out the I/O the effects ask for, then emits their lifecycle events. `state` is
   * the core state these effects came with (null when it did not change).
   *
   * Everything the transition writes — the state (when its durable part changed), a result
   * or an orphan, the history and audit records — is one `TransitionWrite`, committed in
   * one transaction (grouped with other rooms' writes of the same turn of the event loop,
   * ports/transitions.ts) before any message of the transition leaves: a command never
   * carries an epoch the store could forget, and an `ack` never leaves before its result
   * is committed. A transition that writes nothing sends at once.
   */
  private async runEffects(effects: Effect[], state: CoreState | null) {
    // A room that may no longer be the device's only room writes nothing and commands nothing.
    if (!this.lease?.held()) return;
    const deviceId = this.roomId;
    const at = this.services.clock();
    const delivered: NewDeliveredResult[] = [];
    const orphans: NewOrphanedResult[] = [];
    const history: HistoryRecord[] = [];
    const audit: AuditEntry[] = [];
    /** What the transition does once its write is committed, in effect order. */
    const steps: ((outcome: TransitionOutcome | null) => void | Promise<void>)[] = [];
    let sessionTypes: SessionTypeSpec[] | null = null;
    // The holder these effects were produced under: a session that ended in this batch
    // (release on completion) is already gone from the core.
    const holderId = effects.find((effect) => effect.type === "sessionEnded")?.holder.userId ?? (state ?? this.core).session?.holder.userId ?? "";
    for (const effect of effects) {
      switch (effect.type) {
        case "sendToDevice":
          steps.push(() => {
            if (this.deviceClient) this.sendTo(this.deviceClient, effect.message, effect.payload);
          });
          break;
        case "deliverResult": {
          const index = delivered.length;
          delivered.push({
            // Handed over only when the owner's client acknowledges it (`result_ack`).
            deviceId, runId: effect.runId, epoch: effect.epoch, userId: effect.userId, sessionType: effect.sessionType, output: effect.output, storedAt: at, handedOverAt: null,
          });
          history.push({ kind: "runFinished", deviceId, runId: effect.runId, outcome: { endedAt: at, ok: true, output: effect.output } });
          steps.push((outcome) => this.handOver(effect, outcome!.delivered[index]!.inserted));
          break;
        }
        case "deliverFailure":
          steps.push(() => this.sendToUser(effect.userId, RoomToUser.RUN_FAILED, { runId: effect.runId, sessionType: effect.sessionType, code: effect.code, message: effect.message }));
          break;
        case "orphanedResult": {
          // A copy of a result that was delivered long ago (or before a restart): the run id
          // tells, so it is acknowledged without being recorded again, anywhere.
          const found = await this.attempt(`looking up result ${effect.runId}`, () => this.services.results.findByRunId(deviceId, effect.runId));
          if (!found.stored) return;
          if (found.value) continue;
          orphans.push({ deviceId, runId: effect.runId, epoch: effect.epoch, reason: effect.reason, output: effect.output, storedAt: at });
          break;
        }
        case "disconnectDevice":
          steps.push(() => {
            const silent = this.deviceClient;
            this.deviceClient = null; // already offline in the core; its late close changes nothing
            silent?.leave(BatonCloseCode.DEVICE_SILENT, effect.reason);
          });
          break;
        case "sessionStarted":
          history.push({ kind: "sessionStarted", record: { deviceId, epoch: effect.epoch, userId: effect.holder.userId, userName: effect.holder.name, startedAt: at } });
          audit.push({ at, actor: effect.holder.userId, action: AuditAction.CLAIM, deviceId, detail: { epoch: effect.epoch } });
          break;
        case "sessionEnded":
          steps.push(() => this.sendToUser(effect.holder.userId, RoomToUser.SESSION_ENDED, { deviceId, epoch: effect.epoch, reason: effect.reason, message: endMessage(deviceId, effect) }));
          history.push({ kind: "sessionEnded", deviceId, epoch: effect.epoch, endedAt: at, endReason: effect.reason });
          if (effect.reason === EndReason.RELEASED) audit.push({ at, actor: effect.holder.userId, action: AuditAction.RELEASE, deviceId, detail: { epoch: effect.epoch } });
          if (effect.reason === EndReason.KICKED) audit.push({ at, actor: effect.by?.userId ?? "admin", action: AuditAction.KICK, deviceId, detail: { epoch: effect.epoch, holder: effect.holder.userId, reason: effect.note ?? "" } });
          this.samplesStale = true;
          break;
        case "runStarted":
          history.push({ kind: "runStarted", record: { deviceId, runId: effect.runId, epoch: effect.epoch, userId: effect.userId, sessionType: effect.sessionType, input: effect.input, startedAt: at } });
          break;
        case "runFailed":
          history.push({ kind: "runFinished", deviceId, runId: effect.runId, outcome: { endedAt: at, ok: false, failureCode: effect.code, failureMessage: effect.message } });
          break;
        case "epochRaised":
          console.warn(`device room ${deviceId}: the device has seen epoch ${effect.from < effect.to ? effect.to : effect.from} which the store did not have (wiped or restored from an old backup); epoch raised from ${effect.from} to ${effect.to}`);
          audit.push({ at, actor: `device:${deviceId}`, action: AuditAction.RAISE_EPOCH, deviceId, detail: { from: effect.from, to: effect.to } });
          break;
        case "epochAnomaly":
          console.warn(`device room ${deviceId}: anomaly: hello names epoch ${effect.claimed}, more than one hello may raise the stored epoch ${effect.current} (at most to ${effect.allowed}); the epoch stays. If the store really lost that many epochs, check and use \`npm run baton -- device raise-epoch\` (docs/PROTOCOL.md §6)`);
          this.services.metrics.epochAnomalies.inc();
          break;
        case "runCompleted":
          this.samplesStale = true;
          break;
        case "deviceOnline":
          if (state) sessionTypes = state.device.sessionTypes;
          break;
      }
      if (isQueueEffect(effect)) {
        carryOutQueueEffect(effect, {
          deviceId, at, services: this.services, audit,
          sendToUser: (userId, type, payload) => steps.push(() => this.sendToUser(userId, type, payload)),
          afterCommit: (write) => steps.push(async () => void (await this.attempt("writing the device's availability", write))),
        });
      }
      if (isLeaseEffect(effect)) carryOutLeaseEffect(effect, deviceId, (userId, type, payload) => steps.push(() => this.sendToUser(userId, type, payload)));
      const event = lifecycleEventFor(effect, deviceId, at, this.core.device.firmware, holderId);
      if (event) steps.push(() => this.services.events.emit(event));
    }
    const write: TransitionWrite = { delivered, orphans, history, audit };
    const stateKey = state ? durableKey(state) : this.persistedKey;
    if (state && stateKey !== this.persistedKey) write.state = state;
    let outcome: TransitionOutcome | null = null;
    if (!isEmptyWrite(write)) {
      this.committing++;
      const committed = await this.attempt(`committing the transition (epoch ${(state ?? this.core).epoch})`, () => this.services.transitions.commit(write)).finally(() => this.committing--);
      if (!committed.stored) return;
      outcome = committed.value;
      this.persistedKey = stateKey;
      const dropped = outcome.orphans.reduce((sum, orphan) => sum + (orphan.dropped ?? 0), 0);
      if (dropped > 0) this.services.metrics.orphansDropped.inc(dropped);
      // History is for people; a failed record is reported, and never holds up the session.
      for (const error of outcome.recordErrors) console.error(`device room ${deviceId}: writing history failed`, error);
    }
    for (const step of steps) await step(outcome);
    if (sessionTypes) {
      const types = sessionTypes;
      await this.services.registry.recordSessionTypes(deviceId, types).catch((error) => console.error(`device room ${deviceId}: writing history failed`, error));
    }
  }

  /**
   * Hands a committed result to its owner's connections, if any are here. It stays pending
   * (`handedOverAt` null) until the owner's client acknowledges it with `result_ack`, and
   * is sent again at every join and reconnect until then: a result written into a
   * connection that was dying in that instant is not lost.
   */
  private async handOver(effect: Extract<Effect, { type: "deliverResult" }>, inserted: boolean) {
    if (!this.userConnections.has(effect.userId)) return;
    if (!inserted) {
      // A re-sent copy of a result stored before (e.g. before a restart): only if still unacknowledged.
      const stored = await this.services.results.findByRunId(this.roomId, effect.runId).catch(() => undefined);
      if (!stored || stored.handedOverAt !== null) return;
    }
    this.sendToUser(effect.userId, RoomToUser.RESULT, { runId: effect.runId, sessionType: effect.sessionType, output: effect.output });
  }

  /** Sends a returning user the results they have not acknowledged yet, oldest first. */
  private async handOverPending(userId: string) {
    if (this.disposed || !this.userConnections.has(userId)) return;
    const pending = await this.services.results.pendingFor(this.roomId, userId);
    for (const result of pending) this.sendToUser(userId, RoomToUser.RESULT, { runId: result.runId, sessionType: result.sessionType, output: result.output });
  }

  /** `result_ack`: the owner's client has the result; it is handed over and not sent again. */
  private resultAcknowledged(client: BatonClient, payload: unknown) {
    const auth = client.auth;
    if (auth?.role !== "user") return this.sendError(client, ErrorCode.FORBIDDEN_MESSAGE, `Devices may not send "${UserToRoom.RESULT_ACK}".`, UserToRoom.RESULT_ACK);
    const parsed = UserPayloads[UserToRoom.RESULT_ACK].safeParse(payload);
    if (!parsed.success) return this.sendError(client, ErrorCode.INVALID_MESSAGE, `Payload of "${UserToRoom.RESULT_ACK}" is malformed: ${describeZodError(parsed.error)}.`, UserToRoom.RESULT_ACK);
    const runId = parsed.data.runId;
    this.enqueue(async () => {
      // Only the result's owner can acknowledge it: another user's ack would keep it from its owner.
      const stored = await this.services.results.findByRunId(this.roomId, runId);
      if (!stored || stored.userId !== auth.userId || stored.handedOverAt !== null) return;
      await this.services.results.markHandedOver(this.roomId, [runId], this.services.clock());
    });
  }

  /** One store operation, retried while the store fails and the room lives. */
  private attempt<T>(what: string, write: () => Promise<T>): Promise<StoreAttempt<T>> {
    return saveUntilStored(write, () => !this.disposed, (error, attempt) => {
      console.error(`device room ${this.roomId}: ${what} failed (attempt ${attempt}); messages to the device wait`, error);
    });
  }

  private sendToUser(userId: string, type: string, payload: unknown) {
    for (const client of this.userConnections.get(userId) ?? []) this.sendTo(client, type, payload);
  }

  /** One timer for the earliest deadline; none at all while nothing is pending. */
  private armDeadline() {
    if (this.deadlineTimer) {
      clearTimeout(this.deadlineTimer);
      this.deadlineTimer = null;
    }
    const deadline = nextDeadline(this.core, this.services.config.timers);
    if (!deadline) return;
    const delay = Math.max(0, deadline.at - this.services.clock());
    this.deadlineTimer = setTimeout(this.guarded("the deadline timer", () => {
      this.deadlineTimer = null;
      this.apply({ type: "tick" });
    }), Math.min(delay, 2 ** 31 - 1));
  }

  /** A callback run outside any message handler (a timer, a watcher): a throw closes this room, not the process (rooms/connections/roomTimers.ts). */
  private guarded<A extends unknown[]>(what: string, callback: (...args: A) => void): (...args: A) => void {
    return guarded(this, "device room", what, callback);
  }

  /** A room with a session in flight or people in line must outlive its clients (their timers run here); an idle one may go. */
  private updateAutoDispose() {
    this.autoDispose = !this.core.session && lineOf(this.core).length === 0;
  }
}

export type DeviceRoomClass = typeof DeviceRoom;

/** The sentence a holder gets with `session_ended`. */
function endMessage(deviceId: string, effect: Extract<Effect, { type: "sessionEnded" }>): string {
  if (effect.reason === EndReason.KICKED) {
    return `An admin (${effect.by?.name ?? "unknown"}) took device ${deviceId} back: ${effect.note || "no reason given"}.`;
  }
  return `Your session on device ${deviceId} ended (${effect.reason}).`;
}
