/**
 * The pool room: one per pool in the whole cluster (found by its `pool` listing field), a thin adapter
 * around the pure pool rules (session/pool.ts). Users join it with `{ pool }`, send
 * `claim_any` and wait; the room carries out the rules' effects — a conditional claim on one
 * device room at a time (rooms/poolLink.ts), `granted` / `pool_left` / `pool_status` to the
 * user's connections — and feeds the answers back. It never writes a device's holder.
 *
 * One room per pool: the room takes the pool's lock in the room-lock port before it exists
 * (the same lease discipline as device rooms, rooms/deviceRoomLeases.ts), and a lost lease
 * closes it. Its line is in memory only: if its process dies, waiters reconnect, find no
 * room, join the pool again and queue anew (docs/DESIGN.md, "Pools").
 */
import { randomUUID } from "node:crypto";
import { ClientState, CloseCode, Room, matchMaker, type AuthContext, type Client } from "@colyseus/core";
import { ErrorCode, PoolToUser, UserToPool, type ErrorCodeName } from "@baton/protocol";
import { PoolJoinOptions, PoolPayloads, describeZodError } from "@baton/protocol/messages";
import { initialPoolState, poolDeadline, positionInPool, reducePool, type ClaimAnswer, type PoolCommand, type PoolEffect, type PoolState } from "../session/index.ts";
import { joinError } from "./joinAuth.ts";
import { FrameEdge } from "./frameEdge.ts";
import { guarded } from "./roomTimers.ts";
import { closeIfSlow } from "./connectionLimits.ts";
import { claimIfFree, poolLockKey, poolMembers } from "./poolLink.ts";
import type { RoomLease } from "./deviceRoomLeases.ts";
import type { RoomServices } from "./services.ts";

export interface PoolAuth {
  role: "user";
  pool: string;
  userId: string;
  name: string;
  roles: string[];
}
type PoolClient = Client<{ auth: PoolAuth }>;

export function createPoolRoom(services: RoomServices) {
  return class PoolRoom extends Room {
    private core!: PoolState;
    private lease: RoomLease | null = null;
    private readonly lockHolder = `${matchMaker.processId}/${randomUUID()}`;
    private readonly users = new Map<string, Set<PoolClient>>();
    /** The last grant per user, sent again when they reconnect (the first may have gone to a dropped socket). */
    private readonly grants = new Map<string, unknown>();
    private readonly frameEdge = new FrameEdge({ user: services.config.rateLimit, device: services.config.deviceRateLimit }, services.clock);
    private deadlineTimer: NodeJS.Timeout | null = null;
    private membersTimer: NodeJS.Timeout | null = null;
    private disposed = false;

    static async onAuth(token: string, options: unknown, _context: AuthContext): Promise<PoolAuth> {
      if (services.readiness.draining) throw joinError(ErrorCode.SERVER_BUSY, "the server is shutting down; join again in a few seconds.");
      const parsed = PoolJoinOptions.safeParse(options ?? {});
      if (!parsed.success) throw joinError(ErrorCode.INVALID_MESSAGE, `pool join options are { pool }: ${describeZodError(parsed.error)}.`);
      const identity = await services.userTokens.verify(token);
      if ("problem" in identity) throw joinError(ErrorCode.UNAUTHORIZED, `${identity.problem}. Send a user JWT as Authorization: Bearer <token>.`);
      return { role: "user", pool: parsed.data.pool, ...identity };
    }

    async onCreate(options: { pool: string }) {
      const parsed = PoolJoinOptions.safeParse({ pool: options?.pool });
      if (!parsed.success) throw joinError(ErrorCode.INVALID_MESSAGE, "a pool room needs a valid pool name.");
      const pool = parsed.data.pool;
      const members = await poolMembers(services.registry, pool);
      if (members.length === 0) throw joinError(ErrorCode.UNKNOWN_POOL, `no registered device belongs to pool "${pool}" (a device's pool is its explicit pool name, else its kind).`);
      const lease = await services.roomLeases.acquire(poolLockKey(pool), this.lockHolder, (reason) => this.leaseLost(reason));
      if (!lease) throw joinError(ErrorCode.POOL_ROOM_EXISTS, `pool ${pool} already has its room; join it with joinOrCreate, or try again in a few seconds.`);
      this.lease = lease;
      this.patchRate = null;
      this.core = initialPoolState(pool, members, services.clock());
      const frameworkReceive = (this as any)._onMessage.bind(this);
      (this as any)._onMessage = (client: PoolClient, buffer: Uint8Array) => this.receiveFrame(client, buffer, frameworkReceive);
      for (const type of Object.values(UserToPool)) {
        this.onMessage(type, (client: PoolClient, payload: unknown) => this.onUserMessage(client, type, payload));
      }
      this.onMessage("*", (client: PoolClient, type: string | number) => {
        this.sendError(client, ErrorCode.UNKNOWN_MESSAGE, `The pool room understands ${Object.values(UserToPool).join(", ")}.`, String(type).slice(0, 64));
      });
      // Devices added to or removed from the pool reach a live room within the registry poll.
      this.membersTimer = setInterval(() => {
        poolMembers(services.registry, pool).then(this.guarded("applying the pool's members", (current: string[]) => this.apply({ type: "membersChanged", members: current })), () => undefined);
      }, services.config.registryPollMs);
      this.membersTimer.unref();
    }

    onJoin(client: PoolClient, _options: unknown, auth: PoolAuth) {
      if (auth?.pool !== this.core.pool) throw joinError(ErrorCode.WRONG_ROOM, `this connection was admitted for pool ${JSON.stringify(auth?.pool)}, not ${this.core.pool}.`);
      client.auth = auth;
      this.userConnected(client);
    }

    async onDrop(client: PoolClient, code?: number) {
      if (code === CloseCode.SERVER_SHUTDOWN) return this.onLeave(client);
      this.userLeft(client, true);
      try {
        await this.allowReconnection(client, Math.max(1, Math.ceil(services.config.timers.ownerReconnectGraceMs / 1000)));
      } catch {
        this.userLeft(client, false);
      }
    }

    onReconnect(client: PoolClient) {
      this.userConnected(client);
    }

    onLeave(client: PoolClient) {
      this.userLeft(client, false);
    }

    async onDispose() {
      this.disposed = true;
      if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
      if (this.membersTimer) clearInterval(this.membersTimer);
      await this.lease?.release().catch(() => undefined);
    }

    /** Called by device rooms through `remoteRoomCall` (rooms/poolLink.ts): a hint that a device became free. */
    deviceFreed(deviceId: string) {
      if (!this.disposed) this.apply({ type: "deviceFreed", deviceId: String(deviceId) });
    }

    private leaseLost(reason: string) {
      console.error(`pool room ${this.roomId}: ${reason}; closing it so that only one serves the pool`);
      void this.disconnect(CloseCode.SERVER_SHUTDOWN);
    }

    private userConnected(client: PoolClient) {
      const userId = client.auth!.userId;
      const connections = this.users.get(userId) ?? new Set();
      connections.add(client);
      this.users.set(userId, connections);
      const grant = this.grants.get(userId);
      if (grant) this.sendTo(client, PoolToUser.GRANTED, grant);
      if (positionInPool(this.core, userId) > 0) this.sendTo(client, PoolToUser.POOL_STATUS, this.statusOf(userId));
    }

    /** `reconnecting`: the socket dropped but may come back; a user is gone when their last connection is. */
    private userLeft(client: PoolClient, reconnecting: boolean) {
      const userId = client.auth?.userId;
      const connections = userId ? this.users.get(userId) : undefined;
      if (!userId || !connections?.delete(client)) return;
      if (connections.size > 0) return;
      this.users.delete(userId);
      if (!reconnecting) {
        this.grants.delete(userId);
        this.apply({ type: "userGone", userId });
      }
    }

    private receiveFrame(client: PoolClient, buffer: Uint8Array, frameworkReceive: (client: PoolClient, buffer: Uint8Array) => void) {
      const verdict = this.frameEdge.inspect(client, { isDevice: false, joined: client.state === ClientState.JOINED }, buffer);
      if (verdict.action === "drop") return;
      if (verdict.action === "refuse") return this.sendError(client, verdict.code, verdict.message, verdict.request);
      try {
        frameworkReceive(client, buffer);
      } catch {
        this.sendError(client, ErrorCode.INVALID_MESSAGE, "The frame could not be processed.", "");
      }
    }

    private onUserMessage(client: PoolClient, type: string, payload: unknown) {
      const schema = PoolPayloads[type as keyof typeof PoolPayloads];
      const parsed = schema.safeParse(payload);
      if (!parsed.success) return this.sendError(client, ErrorCode.INVALID_MESSAGE, `Invalid "${type}": ${describeZodError(parsed.error)}`, type);
      const user = { userId: client.auth!.userId, name: client.auth!.name };
      const command: PoolCommand = type === UserToPool.CLAIM_ANY
        ? { type: "claimAny", user, request: { ...(parsed.data as object) } }
        : { type: "leavePool", user };
      const outcome = this.apply(command);
      if (outcome.rejection) this.sendError(client, outcome.rejection.code, outcome.rejection.message, type);
    }

    private apply(command: PoolCommand) {
      const outcome = reducePool(this.core, command, { now: services.clock(), maxWaiting: services.config.pools.maxWaiting, retryMs: services.config.pools.retryMs });
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
            .catch((error): ClaimAnswer => ({ granted: false, code: ErrorCode.DEVICE_OFFLINE, message: `Device ${effect.deviceId}'s room could not be asked (${String((error as Error)?.message ?? error).slice(0, 120)}).` }))
            .then(this.guarded("applying a device's answer", (answer: ClaimAnswer) => {
              if (!this.disposed) this.apply({ type: "answer", attemptId: effect.attemptId, deviceId: effect.deviceId, answer });
            }));
          break;
        case "granted": {
          const message = { pool: this.core.pool, deviceId: effect.deviceId, epoch: effect.epoch, ...(effect.sessionType ? { sessionType: effect.sessionType } : {}) };
          if (this.users.has(effect.user.userId)) this.grants.set(effect.user.userId, message);
          this.sendToUser(effect.user.userId, PoolToUser.GRANTED, message);
          services.logger.info({ event: "pool.granted", pool: this.core.pool, deviceId: effect.deviceId, userId: effect.user.userId, epoch: effect.epoch }, "pool granted a device");
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
      if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
      this.deadlineTimer = null;
      const at = poolDeadline(this.core, services.config.pools);
      if (at === null || this.disposed) return;
      this.deadlineTimer = setTimeout(this.guarded("the deadline timer", () => {
        this.deadlineTimer = null;
        this.apply({ type: "tick" });
      }), Math.max(0, at - services.clock()));
    }

    /** A callback run outside any message handler (a timer, an answer): a throw closes this room, not the process (rooms/roomTimers.ts). */
    private guarded<A extends unknown[]>(what: string, callback: (...args: A) => void): (...args: A) => void {
      return guarded(this, "pool room", what, callback);
    }

    private sendError(client: PoolClient, code: ErrorCodeName, message: string, request: string) {
      this.sendTo(client, PoolToUser.ERROR, { code, message, request });
    }

    private sendToUser(userId: string, type: string, payload: unknown) {
      for (const client of this.users.get(userId) ?? []) this.sendTo(client, type, payload);
    }

    private sendTo(client: PoolClient, type: string, payload: unknown) {
      client.send(type, payload);
      closeIfSlow(client, services.config.maxBufferedBytes);
    }
  };
}
