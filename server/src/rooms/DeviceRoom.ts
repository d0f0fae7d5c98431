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
 */
import { CloseCode, Room, type AuthContext, type Client } from "@colyseus/core";
import { StateView } from "@colyseus/schema";
import {
  DeviceConnection, DeviceToRoom, ErrorCode, RoomToDevice, RoomToUser, UserToRoom, BatonCloseCode, type ErrorCodeName,
} from "../../../shared/protocol.ts";
import { DeviceRoomState } from "../../../shared/state.ts";
import { initialState, nextDeadline, reduce, type Command, type CoreState, type Effect, type Outcome } from "../session/index.ts";
import { authorizeJoin, joinError, type JoinAuth } from "./joinAuth.ts";
import { freshOwnerData, mirrorDevice, mirrorSession } from "./stateMirror.ts";
import { validateRunInput } from "./inputValidation.ts";
import { deviceCommand, unknownMessage, userCommand, type Translation } from "./commands.ts";
import { lifecycleEventFor } from "../events/fromEffects.ts";
import type { RoomServices } from "./services.ts";
import { saveUntilStored } from "../store/saveUntilStored.ts";
import type { StoredResult } from "../store/results.ts";
import { TokenBucket } from "./rateLimiter.ts";
import { isDecodableRoomData, roomDataType, ROOM_DATA_FRAME } from "./frameCheck.ts";

type UserAuth = Extract<JoinAuth, { role: "user" }>;
type BatonClient = Client<{ auth: JoinAuth }>;

export function createDeviceRoom(services: RoomServices) {
  return class DeviceRoom extends Room<{ state: DeviceRoomState }> {
    state = new DeviceRoomState();
    private core!: CoreState;
    private deviceClient: BatonClient | null = null;
    /** Every open connection per user id (several tabs of one user are one holder). */
    private readonly userConnections = new Map<string, Set<BatonClient>>();
    /** Which user's connections currently have `state.owner` in their view. */
    private ownerViewUserId: string | null = null;
    private deadlineTimer: NodeJS.Timeout | null = null;
    private patchScheduled = false;
    private disposed = false;
    private effectChain: Promise<void> = Promise.resolve();
    private readonly buckets = new WeakMap<BatonClient, TokenBucket>();

    static async onAuth(token: string, options: unknown, _context: AuthContext) {
      return authorizeJoin(token, options, services);
    }

    onCreate(options: { deviceId: string }) {
      this.roomId = options.deviceId;
      this.patchRate = null;
      const frameworkReceive = (this as any)._onMessage.bind(this);
      (this as any)._onMessage = (client: BatonClient, buffer: Uint8Array) => this.receiveFrame(client, buffer, frameworkReceive);
      // No Colyseus maxClients: a full room gets locked, and joinOrCreate would then create a
      // second room for the same device. The viewer limit is enforced in onJoin instead.
      const restored = services.snapshots.load(options.deviceId);
      // The device cannot be online in a room that was just created: its socket is not here yet.
      this.core = restored ? restoreForNewRoom(restored, services.clock()) : initialState(options.deviceId, services.clock());
      this.syncState();
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

    onJoin(client: BatonClient, _options: unknown, auth: JoinAuth) {
      client.auth = auth;
      if (auth.role === "device") return this.deviceJoined(client);
      if (this.userCount() >= services.config.maxSpectatorsPerDevice) {
        throw joinError(ErrorCode.ROOM_FULL, `device ${this.roomId} already has ${services.config.maxSpectatorsPerDevice} viewers.`);
      }
      const view = new StateView();
      view.add(this.state.device);
      view.add(this.state.session);
      client.view = view;
      this.userConnected(client, auth);
    }

    async onDrop(client: BatonClient, code?: number) {
      // The room itself is closing (shutdown, dispose): nobody can come back to it.
      if (client.auth?.role !== "user" || code === CloseCode.SERVER_SHUTDOWN) return this.onLeave(client);
      // Keep the seat for the owner's reconnect grace; the core's own deadline ends the session.
      this.userLeft(client, true);
      try {
        await this.allowReconnection(client, Math.max(1, Math.ceil(services.config.timers.ownerReconnectGraceMs / 1000)));
      } catch {
        this.userLeft(client, false);
      }
    }

    onReconnect(client: BatonClient) {
      if (client.auth?.role === "user") this.userConnected(client, client.auth);
    }

    onLeave(client: BatonClient) {
      if (client.auth?.role === "device") {
        if (this.deviceClient === client) {
          this.deviceClient = null;
          this.apply({ type: "deviceDisconnected" });
        }
        return;
      }
      this.userLeft(client, false);
    }

    onDispose() {
      this.disposed = true;
      if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
      services.snapshots.save(this.core);
    }

    // ------------------------------------------------------------ connections

    private deviceJoined(client: BatonClient) {
      client.view = new StateView(); // empty: the device receives no schema state
      const previous = this.deviceClient;
      this.deviceClient = client;
      if (previous && previous !== client) {
        // A rebooted device may return before its old socket timed out; the newest wins.
        previous.leave(BatonCloseCode.DEVICE_REPLACED, "replaced by a newer connection of the same device");
      }
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
      if (this.ownerViewUserId === auth.userId) client.view?.add(this.state.owner);
      this.apply({ type: "ownerReconnected", userId: auth.userId });
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

    // ------------------------------------------------------------ messages

    /**
     * Every frame from every client passes here first (installed over Colyseus' own entry
     * point in onCreate; TypeScript marks that method private, so it cannot be overridden).
     * Two guards the framework lacks: a per-connection rate limit applied before any
     * decoding, and a decode check plus a catch, so a truncated or hostile frame is answered
     * with INVALID_MESSAGE instead of a kick or an exception escaping the socket's handler.
     */
    private receiveFrame(client: BatonClient, buffer: Uint8Array, frameworkReceive: (client: BatonClient, buffer: Uint8Array) => void) {
      if (buffer?.[0] === ROOM_DATA_FRAME) {
        const bucket = this.buckets.get(client) ?? this.newBucket(client);
        const now = services.clock();
        if (!bucket.take(now)) return this.answerRateLimited(client, buffer, bucket, now);
        // Colyseus closes the socket when the msgpack body does not decode; answer instead.
        if (!isDecodableRoomData(buffer)) {
          this.sendError(client, ErrorCode.INVALID_MESSAGE, "The frame could not be decoded: ROOM_DATA is 0x0D, a message type (msgpack fixstr or str8, 1–255 bytes), then at most one msgpack value.", "");
          return;
        }
      }
      try {
        frameworkReceive(client, buffer);
      } catch {
        this.sendError(client, ErrorCode.INVALID_MESSAGE, "The frame could not be processed.", "");
      }
    }

    /**
     * Answers a frame the rate limit dropped. A device's `result` or `failed` is always
     * answered, naming it in `request`: it is a report the owner would otherwise never get,
     * and the device re-sends its held reports after a back-off when told (PROTOCOL §7.3).
     * Anything else is answered at most once a second, so a flood cannot turn the server
     * into an amplifier (a report costs the device a held report each, so it cannot).
     * (Minimal device-side part of security finding 9; the lead's receiveFrame rework
     * replaces this.)
     */
    private answerRateLimited(client: BatonClient, buffer: Uint8Array, bucket: TokenBucket, now: number) {
      const type = client.auth?.role === "device" ? roomDataType(buffer) : undefined;
      const isReport = type === DeviceToRoom.RESULT || type === DeviceToRoom.FAILED;
      if (!isReport && !bucket.shouldWarn(now)) return;
      const { perSecond, burst } = services.config.rateLimit;
      this.sendError(client, ErrorCode.RATE_LIMITED, `Too many messages: at most ${perSecond} per second (burst ${burst}); this one was dropped.`, isReport ? type : "");
    }

    private newBucket(client: BatonClient) {
      const bucket = new TokenBucket(services.config.rateLimit, services.clock());
      this.buckets.set(client, bucket);
      return bucket;
    }

    private onUserMessage(client: BatonClient, type: string, payload: unknown) {
      const auth = client.auth;
      this.execute(client, type, userCommand(type, payload, auth?.role === "user" ? { userId: auth.userId, name: auth.name } : null));
    }

    private onDeviceMessage(client: BatonClient, type: string, payload: unknown) {
      const isDevice = client.auth?.role === "device";
      if (isDevice && client !== this.deviceClient) return; // a replaced socket that has not closed yet
      this.execute(client, type, deviceCommand(type, payload, isDevice));
    }

    /** Applies a translated message, answering the sender when it is refused at the edge or by the rules. */
    private execute(client: BatonClient, type: string, translation: Translation) {
      if ("refusal" in translation) return this.sendError(client, translation.refusal.code, translation.refusal.message, type);
      const outcome = this.apply(translation.command);
      if (outcome.rejection) this.sendError(client, outcome.rejection.code, outcome.rejection.message, type);
    }

    private sendError(client: BatonClient, code: ErrorCodeName, message: string, request: string) {
      client.send(client.auth?.role === "device" ? RoomToDevice.ERROR : RoomToUser.ERROR, { code, message, request });
    }

    // ------------------------------------------------------------ core ↔ room

    private apply(command: Command): Outcome {
      const now = services.clock();
      const outcome = reduce(this.core, command, { now, newRunId: services.newRunId, timers: services.config.timers, validateInput: validateRunInput });
      if (outcome.state !== this.core) {
        this.core = outcome.state;
        services.snapshots.save(this.core);
        this.syncState();
      }
      if (outcome.effects.length > 0) this.carryOut(outcome.effects);
      this.armDeadline();
      this.updateAutoDispose();
      return outcome;
    }

    /** Projects the core into schema state, moves the owner view, and pushes the patch now. */
    private syncState() {
      const now = services.clock();
      const holderId = this.core.session?.holder.userId ?? null;
      if (holderId !== this.ownerViewUserId) {
        if (this.ownerViewUserId) {
          for (const client of this.userConnections.get(this.ownerViewUserId) ?? []) client.view?.remove(this.state.owner);
        }
        // A new OwnerData per holder: the old holder's view can never see the next one's data.
        this.state.owner = freshOwnerData();
        this.ownerViewUserId = holderId;
        if (holderId) {
          for (const client of this.userConnections.get(holderId) ?? []) client.view?.add(this.state.owner);
        }
      }
      mirrorDevice(this.core, this.state, now);
      mirrorSession(this.core, this.state);
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
      setImmediate(() => {
        this.patchScheduled = false;
        if (!this.disposed) this.broadcastPatch();
      });
    }

    private carryOut(effects: Effect[]) {
      // Effects run in order across commands: a result is stored before its ack goes out.
      this.effectChain = this.effectChain.then(() => this.runEffects(effects)).catch((error) => {
        console.error(`device room ${this.roomId}: effect failed`, error);
      });
    }

    /** Carries out the I/O an effect asks for, then emits its lifecycle event, if it has one. */
    private async runEffects(effects: Effect[]) {
      const deviceId = this.roomId;
      const at = services.clock();
      for (const effect of effects) {
        switch (effect.type) {
          case "sendToDevice":
            this.deviceClient?.send(effect.message, effect.payload);
            break;
          case "deliverResult":
            if (!(await this.store({ deviceId, runId: effect.runId, epoch: effect.epoch, userId: effect.userId, sessionType: effect.sessionType, output: effect.output, status: "delivered", reason: "", storedAt: at }))) return;
            this.sendToUser(effect.userId, RoomToUser.RESULT, { runId: effect.runId, sessionType: effect.sessionType, output: effect.output });
            break;
          case "deliverFailure":
            this.sendToUser(effect.userId, RoomToUser.RUN_FAILED, { runId: effect.runId, sessionType: effect.sessionType, code: effect.code, message: effect.message });
            break;
          case "orphanedResult":
            if (!(await this.store({ deviceId, runId: effect.runId, epoch: effect.epoch, userId: "", sessionType: "", output: effect.output, status: "orphaned", reason: effect.reason, storedAt: at }))) return;
            break;
          case "disconnectDevice": {
            const silent = this.deviceClient;
            this.deviceClient = null; // already offline in the core; its late close changes nothing
            silent?.leave(BatonCloseCode.DEVICE_SILENT, effect.reason);
            break;
          }
        }
        const event = lifecycleEventFor(effect, deviceId, at, this.core.device.firmware);
        if (event) services.events.emit(event);
      }
    }

    /** Stores a result, waiting out store failures; false only when the room was disposed first (no ack then). */
    private store(result: StoredResult): Promise<boolean> {
      return saveUntilStored(services.results, result, () => !this.disposed, (error, attempt) => {
        console.error(`device room ${this.roomId}: storing result ${result.runId} failed (attempt ${attempt}); the device's ack waits`, error);
      });
    }

    private sendToUser(userId: string, type: string, payload: unknown) {
      for (const client of this.userConnections.get(userId) ?? []) client.send(type, payload);
    }

    /** One timer for the earliest deadline; none at all while nothing is pending. */
    private armDeadline() {
      if (this.deadlineTimer) {
        clearTimeout(this.deadlineTimer);
        this.deadlineTimer = null;
      }
      const deadline = nextDeadline(this.core, services.config.timers);
      if (!deadline) return;
      const delay = Math.max(0, deadline.at - services.clock());
      this.deadlineTimer = setTimeout(() => {
        this.deadlineTimer = null;
        this.apply({ type: "tick" });
      }, Math.min(delay, 2 ** 31 - 1));
    }

    /** A room with a session in flight must outlive its clients; an idle one may go. */
    private updateAutoDispose() {
      this.autoDispose = !this.core.session;
    }
  };
}

/**
 * A room created again for a device continues its last state, with the same epoch. Nobody is
 * connected to a new room yet, so the device counts as offline and the holder as away from
 * now on: their grace periods start, and the session survives only if they come back.
 */
function restoreForNewRoom(snapshot: CoreState, now: number): CoreState {
  const session = snapshot.session && snapshot.session.ownerLostAt === 0 ? { ...snapshot.session, ownerLostAt: now } : snapshot.session;
  const device = snapshot.device.online
    ? { ...snapshot.device, online: false, since: now, connection: DeviceConnection.DISCONNECTED }
    : { ...snapshot.device, connection: DeviceConnection.DISCONNECTED };
  return { ...snapshot, session, device };
}

export type DeviceRoomClass = ReturnType<typeof createDeviceRoom>;
