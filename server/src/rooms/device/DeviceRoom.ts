/**
 * The device room: one per physical device (roomId = deviceId), a thin shell between
 * Colyseus and the pure session core. Its hooks admit connections; every message crosses
 * the edge (rooms/edge/: frame checks, message → command, per-user limits) into `apply`,
 * which calls the core (session/reduce.ts), projects the new state into schema state
 * (rooms/projection/) and hands the effects to the one effect runner (rooms/effects/). The
 * operator seam (rooms/operator/) and the cluster lease (rooms/cluster/) sit beside it. No
 * session rule is written here. docs/DESIGN.md, "The room pipeline", draws it.
 *
 * Latency: device commands and results go out with `client.send` at once, and every
 * transition pushes its patch in the same turn of the event loop (`schedulePatch`). The
 * patch timer is off (`patchOnlyOnChange`: no patch interval, no Colyseus clock tick) and the
 * only timer is the next session deadline, so an idle room costs nothing; a heartbeat moves
 * only that deadline.
 *
 * Durability: the core's state is written to the store before any command that depends on
 * it reaches the device, and a result is committed before its `ack` leaves; the owner's
 * `result` alone leaves while its commit is in flight (effects/effectRunner.ts, and
 * docs/DESIGN.md "Message ordering against commits").
 * A room created later — after a restart, or in another process — continues from the stored
 * state with the same epoch.
 */
import { randomUUID } from "node:crypto";
import { ClientState, CloseCode, matchMaker, type AuthContext, type Client } from "@colyseus/core";
import { DeviceToRoom, ErrorCode, RoomToDevice, RoomToUser, UserToRoom, errorSentence, type ErrorPayload, type ErrorValue, type UserToRoomType } from "@baton/protocol";
import { DeviceRoomState } from "@baton/protocol/state";
import type { StackFree } from "@baton/protocol/messages";
import { initialState, isFreeForNewHolder, lineOf, nextDeadline, reduce, reservedSlot, restoreForNewRoom, type AvailabilityCommand, type ClaimAnswer, type Command, type CoreState, type Outcome, type PoolRequest, type UserRef } from "../../session/index.ts";
import { hintedPool, notifyDeviceFreed } from "../cluster/poolLink.ts";
import { keepListed } from "../cluster/keepListed.ts";
import type { RoomLease } from "../cluster/deviceRoomLeases.ts";
import { fairUseGateFor, UserAdmission } from "../edge/userAdmission.ts";
import { authorizeJoin, joinError, type JoinAuth } from "../edge/joinAuth.ts";
import { okAnswer, requestIdOf, unknownMessage, userCommand, type Translation } from "../edge/commands.ts";
import { outputMismatch } from "../edge/outputCheck.ts";
import { CLIENT_ADDRESS_HEADER } from "../../http/requestGuard.ts";
import { revocationReason } from "../../auth/revocations.ts";
import { isValidDeviceId } from "../../auth/deviceRegistry.ts";
import { guarded } from "../connections/roomTimers.ts";
import { closeIfSlow } from "../connections/connectionLimits.ts";
import { frameEdgeOf, guardFrameworkEntryPoints, keepSeatThroughGrace, seatBounds, sendWatched } from "../connections/roomShell.ts";
import { UserConnections } from "../connections/userConnections.ts";
import { DeadlineTimer } from "../connections/deadlineTimer.ts";
import { DeviceSocket } from "../connections/deviceSocket.ts";
import { EffectRunner } from "../effects/effectRunner.ts";
import { handOverOffered } from "../effects/userMessages.ts";
import { Projection } from "../projection/projection.ts";
import { EtaSamples } from "../projection/etaSamples.ts";
import { OperatorSeam } from "../operator/operatorSeam.ts";
import type { ForceReleaseAnswer, LiveDeviceStatus, QueueListing } from "../operator/liveRooms.ts";
import type { AvailabilityRecord, RegisteredDevice } from "../../ports/store.ts";
import { ServicedRoom } from "../connections/servicedRoom.ts";
import { shareFullStateScratch } from "../connections/fullStateScratch.ts";
import { commandForStoredAvailability, loadDurationSamples } from "./availabilitySync.ts";
import { FirmwareUpdates, type FirmwareView } from "./firmwareUpdates.ts";
import type { FirmwareUpdateRecord } from "../../session/firmwareUpdate.ts";
import { RoomTelemetry } from "../telemetry/roomTelemetry.ts";
import { routeDeviceMessage } from "../telemetry/deviceMessageRoute.ts";
import { TelemetryWriter } from "../telemetry/telemetryWriter.ts";
import { BookingSlotsLoader } from "./bookingSlots.ts";

type UserAuth = Extract<JoinAuth, { role: "user" }>;
type BatonClient = Client<{ auth: JoinAuth }>;

export class DeviceRoom extends ServicedRoom<{ state: DeviceRoomState }> {
  state = new DeviceRoomState();
  private core!: CoreState;
  /** The device's one socket (connections/deviceSocket.ts); created with the room id. */
  private device!: DeviceSocket<BatonClient>;
  /** Every open connection per user id (several tabs of one user are one holder). */
  private readonly userConnections = new UserConnections<BatonClient>();
  private readonly projection = new Projection(this.state, (userId) => this.userConnections.of(userId), () => this.viewers());
  private effects: EffectRunner | null = null;
  private readonly operator = new OperatorSeam({
    deviceId: () => this.roomId,
    core: () => this.core, viewers: () => this.userConnections.count(), hasUser: (userId) => this.userConnections.has(userId),
    closing: () => this.disposed || !this.lease?.held(), apply: (command) => this.apply(command),
    applyForUser: async (command) => (this.admission.gate.enabled ? this.admission.admit(command) : { outcome: this.apply(command) }),
    settled: () => this.effects?.settled() ?? Promise.resolve(),
  });
  private readonly deadline = new DeadlineTimer(() => this.services.clock(), this.guarded("the deadline timer", () => this.apply({ type: "tick" })));
  private patchScheduled = false;
  private disposed = false;
  private readonly frameEdge = frameEdgeOf(this.services);
  /** Seats and join acknowledgements of user connections (connections/connectionLimits.ts). */
  private readonly connections = seatBounds(this, this.services, { connectedUsers: () => this.userConnections.count(), connectionsOf: (userId) => this.userConnections.countOf(userId) });
  private lease: RoomLease | null = null;
  private readonly lockHolder = `${matchMaker.processId}/${randomUUID()}`;
  private unwatchAvailability: (() => void) | null = null;
  private unwatchRegistry: (() => void) | null = null;
  /** The device's pool as the registry said at the last poll (null: none), for the freed hint. */
  private pool: string | null = null;
  /** Recent durations of this device, for the queue's ETA (projection/etaSamples.ts). */
  private readonly samples = new EtaSamples(() => loadDurationSamples(this.services, this.roomId), () => { if (!this.disposed) this.syncState(); });
  /** Per-user limits across devices (edge/userAdmission.ts); user commands pass through it in order. */
  private admission!: UserAdmission;
  private untrackQuotas: (() => void) | null = null;
  /** Over-the-air updates and the stack high-water marks of the last heartbeat (firmwareUpdates.ts). */
  private firmware!: FirmwareUpdates;
  /** Live telemetry, beside the core and never through it (telemetry/roomTelemetry.ts, issue 24). */
  private readonly telemetry = new RoomTelemetry<BatonClient>(this.state, {
    clock: () => this.services.clock(), holderId: () => this.core?.session?.holder.userId ?? null,
    send: (client, type, payload) => this.sendTo(client, type, payload),
    schedulePatch: () => this.schedulePatch(), guarded: (what, callback) => this.guarded(what, callback),
    keep: (writes) => this.telemetryWriter.keep(writes),
  });
  /** Samples a channel asked to store, batched off the hot path (telemetry/telemetryWriter.ts). */
  private readonly telemetryWriter = new TelemetryWriter(() => this.roomId, this.services.store.telemetry, (error) => this.services.logger.error({ err: error }, `device room ${this.roomId}: storing telemetry failed (dropped)`));
  /** The device's booked slots, read from the store into the core (bookingSlots.ts). */
  private bookings: BookingSlotsLoader | null = null;

  static async onAuth(this: typeof DeviceRoom, token: string, options: unknown, context: AuthContext) {
    const services = this.services;
    if (services.readiness.draining) throw joinError(ErrorCode.SERVER_BUSY, { reason: "draining" });
    const auth = await authorizeJoin(token, options, services, context.headers?.get(CLIENT_ADDRESS_HEADER) ?? "unknown");
    // Refuse a full room here, with its own sentence, rather than through Colyseus' seat
    // retries (seconds of back-off, then a generic error). The seat itself is capped too.
    const room = matchMaker.getLocalRoomById(auth.deviceId) as DeviceRoom | undefined;
    if (auth.role === "user" && room && !room.hasSeatFor(auth.userId)) {
      throw joinError(ErrorCode.ROOM_FULL, { reason: "deviceViewers", deviceId: auth.deviceId, maxViewers: services.config.maxSpectatorsPerDevice, maxPerUser: services.config.maxConnectionsPerUser });
    }
    return auth;
  }

  async onCreate(options: { deviceId: string }) {
    const services = this.services;
    if (!isValidDeviceId(options.deviceId)) throw joinError(ErrorCode.UNKNOWN_DEVICE, { reason: "roomWithoutDeviceId" });
    // One room per device in the whole cluster, whichever route asked for it: the lock is
    // taken before the room exists, and renewed while it lives (cluster/deviceRoomLeases.ts).
    const lease = await services.roomLeases.acquire(options.deviceId, this.lockHolder, (reason) => this.leaseLost(reason), () => void keepListed(this));
    if (!lease) {
      throw joinError(ErrorCode.DEVICE_ROOM_EXISTS, { deviceId: options.deviceId });
    }
    this.lease = lease;
    this.roomId = options.deviceId;
    this.device = new DeviceSocket(options.deviceId, services.deviceConnections, () => this.apply({ type: "deviceDisconnected" }));
    this.firmware = new FirmwareUpdates(services, options.deviceId, (type, payload) => this.device.send(type, payload, (client, t, p) => this.sendTo(client, t, p)));
    this.patchOnlyOnChange();
    shareFullStateScratch(this); // no 8 KB full-state buffer per room (connections/fullStateScratch.ts)
    guardFrameworkEntryPoints<BatonClient>(this, this.frameEdge, this.connections, (client) => client.auth?.role === "device", (client, error, request) => this.sendError(client, error, request));
    // The device's stored state, if any: same epoch, holder and run as before (a restart, or
    // a room created again). Nobody is connected yet, so the grace periods start now, and
    // deadlines that fell while the server was down are moved past them (session/restore.ts).
    const stored = await services.deviceStates.load(options.deviceId);
    this.core = stored ? restoreForNewRoom(stored, services.clock(), services.config.timers) : initialState(options.deviceId, services.clock());
    this.effects = new EffectRunner(services, {
      deviceId: options.deviceId,
      current: () => this.core,
      leaseHeld: () => this.lease?.held() ?? false,
      alive: () => !this.disposed,
      // `welcome` carries the pending firmware update while the device runs another version.
      sendToDevice: (type, payload) => this.device.send(type, type === RoomToDevice.WELCOME ? this.firmware.welcome(payload) : payload, (client, t, p) => this.sendTo(client, t, p)),
      sendToUser: (userId, type, payload) => this.sendToUser(userId, type, payload),
      hasUser: (userId) => this.userConnections.has(userId),
      dropDevice: (code, reason) => this.device.drop(code, reason),
      historyChanged: () => this.samples.markStale(),
    }, stored);
    this.admission = new UserAdmission(fairUseGateFor(services, options.deviceId), {
      deviceId: options.deviceId, core: () => this.core, apply: (command) => this.apply(command), closed: () => this.disposed, logger: services.logger,
    });
    // What a restored state holds is renewed at once, and while the room lives.
    if (this.admission.gate.enabled) this.untrackQuotas = services.quotaRenewer.track(() => this.admission.gate.slots(this.core));
    this.syncState();
    // The registry's record first: its pool must be known before any command below can free the device (the pool's hint).
    const registered = await services.registry.find(options.deviceId);
    this.pool = hintedPool(registered);
    // A drain or quarantine stored while the device had no room (the CLI) applies now.
    this.applyStoredAvailability(await services.store.availability.find(options.deviceId));
    this.unwatchAvailability = services.availabilityWatcher.register(options.deviceId, this.guarded("applying a stored availability", (record: AvailabilityRecord | undefined) => this.applyStoredAvailability(record)));
    // Disabled in the registry (now, or at any later poll): the core refuses every claim.
    this.applyRegistryRecord(registered);
    // Booked slots: read now, at every registry poll (at most every 30 s), and when the HTTP API books or cancels.
    this.bookings = new BookingSlotsLoader(services, options.deviceId, this.guarded("applying the device's bookings", (slots) => this.apply({ type: "bookingsLoaded", slots })), () => this.disposed);
    await this.bookings.reload(true);
    this.unwatchRegistry = services.deviceConnections.registerRoom(options.deviceId, this.guarded("applying the registry's state", (device: RegisteredDevice | undefined) => {
      this.applyRegistryRecord(device);
      void this.bookings?.reload(false);
    }));
    this.armDeadline();
    this.updateAutoDispose();

    for (const type of Object.values(UserToRoom)) this.onMessage(type, (client: BatonClient, payload: unknown) => this.onUserMessage(client, type, payload));
    for (const type of Object.values(DeviceToRoom)) this.onMessage(type, (client: BatonClient, payload: unknown) => this.onDeviceMessage(client, type, payload));
    // Unknown types get an error, not Colyseus' default kick (4002).
    this.onMessage("*", (client: BatonClient, type: string | number) => {
      this.sendError(client, unknownMessage(type), String(type).slice(0, 64));
    });
  }

  onJoin(client: BatonClient, _options: unknown, auth: JoinAuth) {
    // Whatever route the seat came from, a connection is only ever in the room of the device it authenticated for.
    if (auth?.deviceId !== this.roomId) {
      throw joinError(ErrorCode.WRONG_ROOM, { reason: "admittedForDevice", admitted: auth?.deviceId, deviceId: this.roomId });
    }
    client.auth = auth;
    this.connections.awaitJoinAck(client);
    if (auth.role === "device") return this.deviceJoining(client, auth.secretHash);
    // Seats are already capped when reserved (connections/roomShell.ts); this holds the
    // limit even if that private Colyseus entry point ever changes under us.
    if (this.userConnections.count() >= this.services.config.maxSpectatorsPerDevice) {
      throw joinError(ErrorCode.ROOM_FULL, { reason: "viewersFull", deviceId: this.roomId, maxViewers: this.services.config.maxSpectatorsPerDevice });
    }
    client.view = this.projection.views.spectators; // shared by every spectator (projection/views.ts)
    this.userConnected(client, auth);
  }

  async onDrop(client: BatonClient, code?: number) {
    // The room itself is closing (shutdown, dispose): nobody can come back to it.
    if (client.auth?.role !== "user" || code === CloseCode.SERVER_SHUTDOWN) return this.onLeave(client);
    // Keep the seat for the owner's reconnect grace; the core's own deadline ends the session.
    await keepSeatThroughGrace(this, client, this.services.config.timers.ownerReconnectGraceMs, () => this.userLeft(client, true), () => this.userLeft(client, false));
  }

  onReconnect(client: BatonClient) {
    if (client.auth?.role === "user") this.userConnected(client, client.auth);
  }

  onLeave(client: BatonClient) {
    this.connections.joinAcknowledged(client);
    if (client.auth?.role === "device") {
      if (this.device.left(client)) {
        this.firmware.deviceLeft();
        this.apply({ type: "deviceDisconnected" });
      }
      return;
    }
    this.userLeft(client, false);
  }

  async onDispose() {
    this.disposed = true;
    this.deadline.clear();
    this.connections.dispose();
    this.device?.dispose();
    this.unwatchAvailability?.();
    this.unwatchRegistry?.();
    this.untrackQuotas?.();
    this.telemetry.dispose();
    await this.telemetryWriter.flush();
    // Let the last writes finish (retries stop now that the room is disposed), so a room
    // created next for this device reads what this one knew — and only then give the
    // device's room lock back. A room whose creation was refused holds no lock.
    await this.effects?.settled();
    await this.firmware?.settled();
    await this.lease?.release().catch((error) => this.services.logger.error({ err: error }, `device room ${this.roomId}: releasing its lock failed (it expires by itself)`));
  }

  /**
   * This room's lock ran out or was taken (this process stalled, or lost Redis for a whole
   * TTL): another process may already serve the device. This room stops at once — its
   * clients are closed as at a shutdown (4001) and reconnect through whichever process
   * serves the device now, which continues from the store.
   */
  private leaseLost(reason: string) {
    this.services.logger.error(`device room ${this.roomId}: ${reason}; closing this room so that only one serves the device`);
    void this.disconnect(CloseCode.SERVER_SHUTDOWN);
  }

  // ------------------------------------------------------------ operator seam (operator/operatorSeam.ts)
  // Called through `matchMaker.remoteRoomCall` (operator/liveRooms.ts, cluster/poolLink.ts).

  liveStatus(): LiveDeviceStatus {
    const { firmware, stackFree } = this.firmware.view();
    const reported = firmware ?? this.core.device.firmware; // offline: the last hello's
    return { ...this.operator.liveStatus(), ...(reported ? { firmware: reported } : {}), ...(stackFree ? { stackFree } : {}) };
  }
  forceRelease(by: UserRef, reason: string): ForceReleaseAnswer { return this.operator.forceRelease(by, reason); }
  setAvailability(command: AvailabilityCommand): LiveDeviceStatus { return this.operator.setAvailability(command); }
  queueListing(): QueueListing { return this.operator.queueListing(); }
  /** An admin asked for or cancelled a firmware update (HTTP API): offered now when the device is connected. */
  firmwareUpdateChanged(): Promise<FirmwareView & { record: FirmwareUpdateRecord | null }> { return this.firmware.changed(); }
  claimIfFree(user: UserRef, request: PoolRequest): Promise<ClaimAnswer> { return this.operator.claimIfFree(user, request); }
  /** The device's bookings changed in the store (http/bookings.ts): read them again now. */
  reloadBookings(): Promise<void> { return this.bookings?.reload(true) ?? Promise.resolve(); }

  /** Whether one more viewer seat may be reserved for `userId` (room and per-user limits, pending seats included). */
  hasSeatFor(userId: string): boolean {
    return this.connections.hasSeatFor(userId);
  }

  /** The registry's record of this device, at creation and at every poll: disabled or not, and its pool. */
  private applyRegistryRecord(device: RegisteredDevice | undefined) {
    this.pool = hintedPool(device);
    this.applyRegistryState(!device || device.disabledAt !== null);
  }

  private applyRegistryState(disabled: boolean) {
    if (!this.disposed && Boolean(this.core.disabled) !== disabled) this.apply({ type: "registryState", disabled });
  }

  private applyStoredAvailability(record: AvailabilityRecord | undefined) {
    const command = commandForStoredAvailability(this.core, record);
    if (command && !this.disposed) this.apply(command);
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
      throw joinError(ErrorCode.UNAUTHORIZED, { reason: "seatRevoked", deviceId: this.roomId, why: reason });
    }
    await this.firmware.deviceJoining(); // the update request as stored now (the CLI may have written it)
    client.view = this.projection.views.device; // empty: the device receives no schema state
    this.device.joined(client, secretHash, (revoke) => this.guarded("revoking the device's connection", revoke));
    this.apply({ type: "deviceConnected" });
  }

  /** A user's connection joined or came back: count it, and give it the owner data if that user holds the device. */
  private userConnected(client: BatonClient, auth: UserAuth) {
    this.userConnections.add(auth.userId, client);
    this.projection.userConnected(client, auth.userId);
    this.apply({ type: "ownerReconnected", userId: auth.userId });
    this.viewersChanged();
    this.telemetry.userConnected(client, auth.userId);
    // Results that came while this user was away are handed over now, once (in order with
    // the deliveries the effect chain is carrying out).
    this.effects!.handOverPending(auth.userId);
    // A hand-over offered to this user while they were away: told again now.
    const handover = this.core.handover;
    if (handover?.to.userId === auth.userId) this.sendTo(client, RoomToUser.HAND_OVER_OFFERED, handOverOffered(this.roomId, { ...handover, type: "handoverOffered", windowMs: handover.expiresAt - handover.offeredAt }));
  }

  /** The users watching now (one entry per user), for the holder's "Hand over to…". */
  private *viewers(): IterableIterator<{ userId: string; name: string }> {
    for (const [userId, client] of this.userConnections.users()) yield { userId, name: client.auth?.role === "user" ? client.auth.name : userId };
  }

  /** Someone came or went: the holder's list of viewers is brought up to date (a patch only when it changed). */
  private viewersChanged() {
    if (this.core.session && this.projection.viewersChanged(this.core)) this.schedulePatch();
  }

  /** The display name of a user with a connection here ("" when none): names the recipient of a hand-over. */
  private nameOf(userId: string): string {
    for (const client of this.userConnections.of(userId)) if (client.auth?.role === "user") return client.auth.name;
    return "";
  }

  /** `reconnecting`: the socket dropped but may come back; a closed tab counts as gone only when the last one closes. */
  private userLeft(client: BatonClient, reconnecting: boolean) {
    const auth = client.auth as UserAuth | undefined;
    if (!auth) return;
    const removed = this.userConnections.remove(auth.userId, client);
    if (removed === "absent" && !reconnecting) this.updateAutoDispose();
    if (removed === "last") {
      this.apply({ type: "ownerDisconnected", userId: auth.userId });
      this.viewersChanged();
    }
  }

  // ------------------------------------------------------------ messages: the edge

  /**
   * Every user command gets exactly one answer, in order: `error` at once when it is
   * refused, `ok` when it was carried out — after the state it produced is stored, so an
   * `ok` is never forgotten by a restart (see `answerOk`). `result_ack` is itself an answer
   * and gets none back.
   */
  private onUserMessage(client: BatonClient, type: string, payload: unknown) {
    const auth = client.auth;
    const user = auth?.role === "user" ? { userId: auth.userId, name: auth.name } : null;
    const translation = userCommand(type, payload, user, { admin: auth?.role === "user" && auth.roles.includes("admin"), nameOf: (userId) => this.nameOf(userId) });
    if (type === UserToRoom.RESULT_ACK) return this.execute(client, type, translation);
    const requestId = requestIdOf(payload);
    this.execute(client, type, translation, requestId, (before, outcome) => this.answerOk(client, type as UserToRoomType, requestId, before, outcome.state));
  }

  /** `ok` for a carried-out user command, queued behind the effects (and the store write) of its transition. */
  private answerOk(client: BatonClient, request: UserToRoomType, requestId: string | undefined, before: CoreState, after: CoreState) {
    const ok = okAnswer(request, requestId, before, after);
    this.effects!.enqueue(async () => {
      if (client.state !== ClientState.LEAVING) this.sendTo(client, RoomToUser.OK, ok);
    });
  }

  private onDeviceMessage(client: BatonClient, type: string, payload: unknown) {
    const isDevice = client.auth?.role === "device";
    if (isDevice && client !== this.device.current) return; // a replaced socket that has not closed yet
    // Telemetry goes beside the core, never through it (telemetry/deviceMessageRoute.ts).
    const route = routeDeviceMessage(type, payload, isDevice);
    if (route.to === "telemetry") return this.telemetry.received(client, payload);
    if (route.declaresTelemetry) this.telemetry.declared(payload);
    const translation = route.translation;
    // Firmware and stack reports, once the edge accepted the message (firmwareUpdates.ts); the
    // hello's before the core answers it, so that its welcome carries a pending update.
    if ("command" in translation && translation.command.type === "deviceHello") this.firmware.hello(translation.command.firmware);
    if ("command" in translation && translation.command.type === "deviceHeartbeat") this.firmware.heartbeat((payload as { stackFree?: StackFree } | null)?.stackFree);
    if ("command" in translation && translation.command.type === "deviceResult") this.flagOutputMismatch(translation.command.runId, translation.command.output);
    this.execute(client, type, translation);
  }

  /** A result whose output breaks the declared `outputSchema` is kept all the same; the log says so (edge/outputCheck.ts). */
  private flagOutputMismatch(runId: string, output: Record<string, unknown>) {
    const mismatch = outputMismatch(this.core, runId, output);
    if (mismatch) this.services.logger.warn({ deviceId: this.roomId, runId, sessionType: mismatch.sessionType }, `device ${this.roomId}: the result of run ${runId} does not match the outputSchema it declared for "${mismatch.sessionType}" (${mismatch.problem}); stored and delivered all the same`);
  }

  /** Applies a translated message, answering the sender when it is refused at the edge or by the rules. */
  private execute(client: BatonClient, type: string, translation: Translation, requestId?: string, carriedOut?: (before: CoreState, outcome: Outcome) => void): void {
    if ("refusal" in translation) {
      this.sendError(client, translation.refusal, type, requestId);
      return;
    }
    if (this.admission.gate.enabled && client.auth?.role === "user") {
      void this.admission.admit(translation.command).then((applied) => {
        if (!applied) return;
        if ("rejection" in applied) this.sendError(client, applied.rejection, type, requestId);
        else carriedOut?.(applied.before, applied.outcome);
      }).catch((error) => this.services.logger.error({ err: error }, `device room ${this.roomId}: answering a user command failed`));
      return;
    }
    const before = this.core;
    const outcome = this.apply(translation.command);
    if (outcome.rejection) this.sendError(client, outcome.rejection, type, requestId);
    else carriedOut?.(before, outcome);
  }

  private sendError(client: BatonClient, error: ErrorValue, request: string, requestId?: string) {
    this.services.events.emit({ type: "command.rejected", deviceId: this.roomId, code: error.code, at: this.services.clock() });
    const payload: ErrorPayload = { code: error.code, message: errorSentence(error), request, ...(requestId ? { requestId } : {}) };
    this.sendTo(client, client.auth?.role === "device" ? RoomToDevice.ERROR : RoomToUser.ERROR, payload);
  }

  private sendTo(client: BatonClient, type: string, payload: unknown) {
    sendWatched(client, type, payload, this.services.config.maxBufferedBytes);
  }

  private sendToUser(userId: string, type: string, payload: unknown) {
    for (const client of this.userConnections.of(userId)) this.sendTo(client, type, payload);
  }

  // ------------------------------------------------------------ core ↔ room

  /** The one way into the core: reduce, project, hand the effects to the runner, re-arm the deadline. */
  private apply(command: Command): Outcome {
    const services = this.services;
    const wasFree = isFreeForNewHolder(this.core);
    const outcome = reduce(this.core, command, { now: services.clock(), newRunId: services.newRunId, timers: services.config.timers, validateInput: services.validateInput, rules: services.config.rules });
    const changed = outcome.state !== this.core;
    if (changed && outcome.effects.length === 0 && onlyHeardFrom(this.core, outcome.state)) {
      // A heartbeat (or any report that changed nothing else): only the silence deadline
      // moves. Nothing is projected, patched or written — an idle device costs a timer re-arm.
      this.core = outcome.state;
      this.armDeadline();
      return outcome;
    }
    if (changed) {
      this.admission?.gate.transitioned(this.core, outcome.state);
      this.core = outcome.state;
      this.syncState();
    }
    if (changed || outcome.effects.length > 0) this.effects!.carryOut(outcome.effects, changed ? outcome.state : null);
    this.armDeadline();
    this.updateAutoDispose();
    // Just became free: the device's pool (if it has a room) may have someone waiting.
    if (changed && !wasFree && isFreeForNewHolder(this.core)) void notifyDeviceFreed(this.pool, this.roomId);
    return outcome;
  }

  /** Projects the core into schema state (projection/projection.ts) and pushes the patch now. */
  private syncState() {
    this.projection.project(this.core, this.samples.current, this.services.clock());
    this.telemetry.afterProjection();
    this.samples.refresh(lineOf(this.core).length > 0);
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
    // A transition waiting for its commit (now on the SQLite worker thread, longer than one
    // turn): the commit and the messages it releases (`ok`, `offer`, `session_ended`, …) go
    // first, so a client never sees the state ahead of the message that explains it; bounded,
    // so that a failing store does not freeze what spectators see.
    setImmediate(() => {
      if (!this.effects?.waitingForCommit) return push();
      const bound = setTimeout(push, PATCH_WAITS_FOR_COMMIT_MS);
      void this.effects.settled().then(() => {
        clearTimeout(bound);
        if (this.patchScheduled) push();
      });
    });
  }

  /** One timer for the earliest deadline; none at all while nothing is pending. */
  private armDeadline() {
    this.deadline.arm(nextDeadline(this.core, this.services.config.timers)?.at ?? null);
  }

  /** A callback run outside any message handler (a timer, a watcher): a throw closes this room, not the process (connections/roomTimers.ts). */
  private guarded<A extends unknown[]>(what: string, callback: (...args: A) => void): (...args: A) => void {
    return guarded(this, "device room", what, callback);
  }

  /**
   * A room with a session in flight or people in line must outlive its clients (their timers run here); an idle one may go.
   * So must a room whose booked slot is under way (its window's lapse is counted here); a new room re-reads later slots.
   */
  private updateAutoDispose() {
    this.autoDispose = !this.core.session && lineOf(this.core).length === 0 && !reservedSlot(this.core, this.services.clock());
  }
}

export type DeviceRoomClass = typeof DeviceRoom;

/** How long a patch waits for the commit in flight before it goes out anyway (schedulePatch). */
const PATCH_WAITS_FOR_COMMIT_MS = 250;

/** Whether `after` differs from `before` in the device's `lastSeenAt` alone (which is neither projected nor durable). */
export function onlyHeardFrom(before: CoreState, after: CoreState): boolean {
  if (after.device === before.device) return false;
  for (const key in after) {
    if (key !== "device" && after[key as keyof CoreState] !== before[key as keyof CoreState]) return false;
  }
  for (const key in after.device) {
    if (key !== "lastSeenAt" && after.device[key as keyof CoreState["device"]] !== before.device[key as keyof CoreState["device"]]) return false;
  }
  return Object.keys(after).length === Object.keys(before).length && Object.keys(after.device).length === Object.keys(before.device).length;
}
