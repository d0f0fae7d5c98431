/**
 * The pool room: one per pool in the whole cluster (found by its `pool` listing field), a thin adapter
 * around the pure pool rules (session/pool.ts). Users join it with `{ pool }`, send
 * `claim_any` and wait; the room carries out the rules' effects — a conditional claim on one
 * device room at a time (rooms/cluster/poolLink.ts), `granted` / `pool_left` / `pool_status` to the
 * user's connections — and feeds the answers back. It never writes a device's holder.
 *
 * One room per pool: the room takes the pool's lock in the room-lock port before it exists
 * (the same lease discipline as device rooms, rooms/cluster/deviceRoomLeases.ts), and a lost lease
 * closes it. Its line is in memory only: if its process dies, waiters reconnect, find no
 * room, join the pool again and queue anew (docs/DESIGN.md, "Pools").
 */
import { randomUUID } from "node:crypto";
import { CloseCode, matchMaker, type AuthContext, type Client } from "@colyseus/core";
import { ErrorCode, PoolToUser, UserToPool, errorSentence, errorValue, renderError, type ErrorValue } from "@baton/protocol";
import { PoolJoinOptions, describeZodError } from "@baton/protocol/messages";
import { initialPoolState, poolDeadline, positionInPool, reducePool, type ClaimAnswer, type PoolCommand, type PoolEffect, type PoolState } from "../../session/index.ts";
import { joinError } from "../edge/joinAuth.ts";
import { poolCommand } from "../edge/poolCommands.ts";
import { guarded } from "../connections/roomTimers.ts";
import { frameEdgeOf, guardFrameworkEntryPoints, keepSeatThroughGrace, seatBounds, sendWatched } from "../connections/roomShell.ts";
import { UserConnections } from "../connections/userConnections.ts";
import { DeadlineTimer } from "../connections/deadlineTimer.ts";
import { claimIfFree, findPoolRoomId, poolLockKey, poolMembers } from "../cluster/poolLink.ts";
import type { RoomLease } from "../cluster/deviceRoomLeases.ts";
import { ServicedRoom } from "../connections/servicedRoom.ts";
import { shareFullStateScratch } from "../connections/fullStateScratch.ts";

export interface PoolAuth {
  role: "user";
  pool: string;
  userId: string;
  name: string;
  roles: string[];
}
type PoolClient = Client<{ auth: PoolAuth }>;

export class PoolRoom extends ServicedRoom {

  private core!: PoolState;
  private lease: RoomLease | null = null;
  private readonly lockHolder = `${matchMaker.processId}/${randomUUID()}`;
  private readonly users = new UserConnections<PoolClient>();
  /** Dropped connections per user still within their reconnect grace: the user is away, not gone. */
  private readonly away = new Map<string, number>();
  /** The last grant per user, sent again when they reconnect (the first may have gone to a dropped socket). */
  private readonly grants = new Map<string, unknown>();
  /**
   * Seats and join acknowledgements, as in device rooms (rooms/connections/connectionLimits.ts): a
   * pool room holds at most BATON_MAX_SPECTATORS connections, BATON_MAX_CONNECTIONS_PER_USER
   * of one user, and closes a socket that does not acknowledge its join in time.
   */
  private readonly connections = seatBounds(this, this.services, { connectedUsers: () => this.clients.length, connectionsOf: (userId) => this.users.countOf(userId) });
  private readonly frameEdge = frameEdgeOf(this.services);
  private readonly deadline = new DeadlineTimer(() => this.services.clock(), this.guarded("the deadline timer", () => this.apply({ type: "tick" })));
  private membersTimer: NodeJS.Timeout | null = null;
  private disposed = false;

  static async onAuth(token: string, options: unknown, _context: AuthContext): Promise<PoolAuth> {
    if (this.services.readiness.draining) throw joinError(ErrorCode.SERVER_BUSY, { reason: "draining" });
    const parsed = PoolJoinOptions.safeParse(options ?? {});
    if (!parsed.success) throw joinError(ErrorCode.INVALID_MESSAGE, { reason: "poolJoinOptions", problem: describeZodError(parsed.error) });
    const identity = await this.services.userTokens.verify(token);
    if ("problem" in identity) throw joinError(ErrorCode.UNAUTHORIZED, { reason: "token", problem: identity.problem });
    // A full room is refused here, with its own sentence, rather than through Colyseus'
    // seat retries; the seat itself is capped too (in any process).
    const roomId = await findPoolRoomId(parsed.data.pool);
    const room = roomId ? (matchMaker.getLocalRoomById(roomId) as PoolRoom | undefined) : undefined;
    if (room && !room.hasSeatFor(identity.userId)) {
      throw joinError(ErrorCode.ROOM_FULL, { reason: "poolSeats", pool: parsed.data.pool, maxConnections: this.services.config.maxSpectatorsPerDevice, maxPerUser: this.services.config.maxConnectionsPerUser });
    }
    return { role: "user", pool: parsed.data.pool, ...identity };
  }

  async onCreate(options: { pool: string }) {
    const parsed = PoolJoinOptions.safeParse({ pool: options?.pool });
    if (!parsed.success) throw joinError(ErrorCode.INVALID_MESSAGE, { reason: "poolRoomWithoutName" });
    const pool = parsed.data.pool;
    const members = await poolMembers(this.services.registry, pool);
    if (members.length === 0) throw joinError(ErrorCode.UNKNOWN_POOL, { reason: "noMembers", pool });
    const lease = await this.services.roomLeases.acquire(poolLockKey(pool), this.lockHolder, (reason) => this.leaseLost(reason));
    if (!lease) throw joinError(ErrorCode.POOL_ROOM_EXISTS, { pool });
    this.lease = lease;
    this.patchOnlyOnChange();
    shareFullStateScratch(this); // no 8 KB full-state buffer per room (connections/fullStateScratch.ts)
    this.core = initialPoolState(pool, members, this.services.clock());
    guardFrameworkEntryPoints<PoolClient>(this, this.frameEdge, this.connections, () => false, (client, error, request) => this.sendError(client, error, request));
    for (const type of Object.values(UserToPool)) {
      this.onMessage(type, (client: PoolClient, payload: unknown) => this.onUserMessage(client, type, payload));
    }
    this.onMessage("*", (client: PoolClient, type: string | number) => {
      this.sendError(client, errorValue(ErrorCode.UNKNOWN_MESSAGE, { understands: Object.values(UserToPool) }), String(type).slice(0, 64));
    });
    // Devices added to or removed from the pool reach a live room within the registry poll.
    this.membersTimer = setInterval(() => {
      poolMembers(this.services.registry, pool).then(this.guarded("applying the pool's members", (current: string[]) => this.apply({ type: "membersChanged", members: current })), () => undefined);
    }, this.services.config.registryPollMs);
    this.membersTimer.unref();
  }

  onJoin(client: PoolClient, _options: unknown, auth: PoolAuth) {
    if (auth?.pool !== this.core.pool) throw joinError(ErrorCode.WRONG_ROOM, { reason: "admittedForPool", admitted: auth?.pool, pool: this.core.pool });
    client.auth = auth;
    this.connections.awaitJoinAck(client);
    this.userConnected(client);
  }

  async onDrop(client: PoolClient, code?: number) {
    if (code === CloseCode.SERVER_SHUTDOWN) return this.onLeave(client);
    await keepSeatThroughGrace(this, client, this.services.config.timers.ownerReconnectGraceMs, () => this.userLeft(client, true), () => {
      this.cameBack(client);
      this.userLeft(client, false);
    });
  }

  onReconnect(client: PoolClient) {
    this.cameBack(client);
    this.userConnected(client);
  }

  onLeave(client: PoolClient) {
    this.connections.joinAcknowledged(client);
    this.userLeft(client, false);
  }

  async onDispose() {
    this.disposed = true;
    this.connections.dispose();
    this.deadline.clear();
    if (this.membersTimer) clearInterval(this.membersTimer);
    await this.lease?.release().catch(() => undefined);
  }

  /** Whether one more seat may be reserved for `userId` (room and per-user limits, pending seats included). */
  hasSeatFor(userId: string): boolean {
    return this.connections.hasSeatFor(userId);
  }

  /** Called by device rooms through `remoteRoomCall` (rooms/cluster/poolLink.ts): a hint that a device became free. */
  deviceFreed(deviceId: string) {
    if (!this.disposed) this.apply({ type: "deviceFreed", deviceId: String(deviceId) });
  }

  private leaseLost(reason: string) {
    this.services.logger.error(`pool room ${this.roomId}: ${reason}; closing it so that only one serves the pool`);
    void this.disconnect(CloseCode.SERVER_SHUTDOWN);
  }

  private userConnected(client: PoolClient) {
    const userId = client.auth!.userId;
    this.users.add(userId, client);
    const grant = this.grants.get(userId);
    if (grant) this.sendTo(client, PoolToUser.GRANTED, grant);
    if (positionInPool(this.core, userId) > 0) this.sendTo(client, PoolToUser.POOL_STATUS, this.statusOf(userId));
  }

  /**
   * `reconnecting`: the socket dropped but may come back within the grace (the user is
   * away); otherwise it is gone. A user is gone — out of the line — when their last
   * connection is gone and none of their dropped ones can still come back.
   */
  private userLeft(client: PoolClient, reconnecting: boolean) {
    const userId = client.auth?.userId;
    if (!userId) return;
    this.users.remove(userId, client);
    if (reconnecting) {
      this.away.set(userId, (this.away.get(userId) ?? 0) + 1);
      return;
    }
    if (this.users.has(userId) || this.away.has(userId)) return;
    this.grants.delete(userId);
    this.apply({ type: "userGone", userId });
  }

  /** A dropped connection came back, or its grace ended: one fewer that may return. */
  private cameBack(client: PoolClient) {
    const userId = client.auth?.userId;
    const count = userId ? this.away.get(userId) : undefined;
    if (!userId || count === undefined) return;
    if (count > 1) this.away.set(userId, count - 1);
    else this.away.delete(userId);
  }

  private onUserMessage(client: PoolClient, type: string, payload: unknown) {
    const translation = poolCommand(type, payload, { userId: client.auth!.userId, name: client.auth!.name });
    if ("refusal" in translation) return this.sendError(client, translation.refusal, type);
    const outcome = this.apply(translation.command);
    if (outcome.rejection) this.sendError(client, outcome.rejection, type);
  }

  private apply(command: PoolCommand) {
    const outcome = reducePool(this.core, command, { now: this.services.clock(), maxWaiting: this.services.config.pools.maxWaiting, retryMs: this.services.config.pools.retryMs });
    this.core = outcome.state;
    for (const effect of outcome.effects) this.carryOut(effect);
    this.armDeadline();
    return outcome;
  }

  private carryOut(effect: PoolEffect) {
    // A room that may no longer be the pool's only room asks no device for anything.
    if (!this.lease?.held()) return;
    switch (effect.type) {
      case "tryClaim":
        void claimIfFree(effect.deviceId, effect.user, effect.request)
          .catch((error): ClaimAnswer => ({ granted: false, code: ErrorCode.DEVICE_OFFLINE, message: renderError(ErrorCode.DEVICE_OFFLINE, { reason: "roomUnreachable", deviceId: effect.deviceId, problem: String((error as Error)?.message ?? error).slice(0, 120) }) }))
          .then(this.guarded("applying a device's answer", (answer: ClaimAnswer) => {
            if (!this.disposed) this.apply({ type: "answer", attemptId: effect.attemptId, deviceId: effect.deviceId, answer });
          }));
        break;
      case "granted": {
        const message = { pool: this.core.pool, deviceId: effect.deviceId, epoch: effect.epoch, ...(effect.sessionType ? { sessionType: effect.sessionType } : {}) };
        // Kept for a user who is here or away (sent again when they come back), not for one who is gone.
        if (this.users.has(effect.user.userId) || this.away.has(effect.user.userId)) this.grants.set(effect.user.userId, message);
        this.sendToUser(effect.user.userId, PoolToUser.GRANTED, message);
        this.services.logger.info({ event: "pool.granted", pool: this.core.pool, deviceId: effect.deviceId, userId: effect.user.userId, epoch: effect.epoch }, "pool granted a device");
        break;
      }
      case "poolLeft":
        this.sendToUser(effect.user.userId, PoolToUser.POOL_LEFT, { pool: this.core.pool, reason: effect.reason, message: effect.message });
        break;
      case "positionsChanged":
        for (const waiter of this.core.waiting) this.sendToUser(waiter.user.userId, PoolToUser.POOL_STATUS, this.statusOf(waiter.user.userId));
        break;
    }
  }

  private statusOf(userId: string) {
    return { pool: this.core.pool, position: positionInPool(this.core, userId), waiting: this.core.waiting.length, devices: this.core.members.length };
  }

  private armDeadline() {
    this.deadline.arm(this.disposed ? null : poolDeadline(this.core, this.services.config.pools));
  }

  /** A callback run outside any message handler (a timer, an answer): a throw closes this room, not the process (rooms/connections/roomTimers.ts). */
  private guarded<A extends unknown[]>(what: string, callback: (...args: A) => void): (...args: A) => void {
    return guarded(this, "pool room", what, callback);
  }

  private sendError(client: PoolClient, error: ErrorValue, request: string) {
    this.sendTo(client, PoolToUser.ERROR, { code: error.code, message: errorSentence(error), request });
  }

  private sendToUser(userId: string, type: string, payload: unknown) {
    for (const client of this.users.of(userId)) this.sendTo(client, type, payload);
  }

  private sendTo(client: PoolClient, type: string, payload: unknown) {
    sendWatched(client, type, payload, this.services.config.maxBufferedBytes);
  }
}
