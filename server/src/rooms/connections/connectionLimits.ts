/**
 * Bounds on what one connection may hold of the server: seats (counted when they are
 * reserved, so seats whose socket never opens count too), the time a socket may take to
 * acknowledge its join, and unsent bytes (a connection that stops reading is closed, instead
 * of the server buffering for it without end). Device rooms and pool rooms both hold user
 * connections, and both bound them here (`ConnectionBounds`).
 */
import { ClientState, type Client, type Room } from "@colyseus/core";
import { BatonCloseCode } from "@baton/protocol";
import { guarded } from "./roomTimers.ts";

/** What a seat's auth must say for it to count as a user's (device and pool auths both do). */
export type SeatAuth = { role: string; userId?: string } | undefined;
/** Colyseus' reservation record: [join options, auth, consumed, waiting for a reconnection]. */
export type PendingSeat = [unknown, SeatAuth, boolean, boolean];

export interface SeatCount {
  /** Reservations Colyseus still holds (its enumerable `_reservedSeats` entries). */
  pendingSeats: PendingSeat[];
  connectedUsers: number;
  connectionsOfUser: number;
  userId: string;
  maxUsers: number;
  maxPerUser: number;
}

/** Whether a user may reserve one more viewer seat: within the room's and the user's limits. */
export function seatsAvailable(count: SeatCount): boolean {
  let pendingUsers = 0;
  let pendingOfUser = 0;
  for (const [, auth, consumed, waitingForReconnection] of count.pendingSeats) {
    if (consumed || waitingForReconnection || auth?.role !== "user") continue;
    pendingUsers++;
    if (auth.userId === count.userId) pendingOfUser++;
  }
  return count.connectedUsers + pendingUsers < count.maxUsers && count.connectionsOfUser + pendingOfUser < count.maxPerUser;
}

/**
 * Closes a connection whose unsent data passed `maxBufferedBytes` (close 4104, SLOW_CONSUMER).
 * The close frame waits behind the same unread bytes, so the socket is destroyed a second
 * later if the peer still does not read.
 */
export function closeIfSlow(client: Client, maxBufferedBytes: number): boolean {
  const socket = client.ref as { bufferedAmount?: number; close?: (code: number, reason: string) => void; terminate?: () => void; readyState?: number } | undefined;
  if (!socket || (socket.bufferedAmount ?? 0) <= maxBufferedBytes || socket.readyState !== 1) return false;
  socket.close?.(BatonCloseCode.SLOW_CONSUMER, "not reading: too much unsent data");
  setTimeout(() => socket.terminate?.(), 1_000).unref();
  return true;
}

export interface ConnectionLimits {
  /** User connections in the room at most, seats reserved included. */
  maxUsers: number;
  /** Connections of one user in the room at most, seats reserved included. */
  maxPerUser: number;
  /** How long a socket may take to acknowledge its join before it is closed (1008). */
  joinAckTimeoutMs: number;
}

/**
 * One room's bounds on its user connections: the seat check in front of Colyseus' seat
 * reservation, and the join-acknowledgement deadline. The room tells it how many
 * connections it counts (`connectedUsers`, `connectionsOf`).
 */
export class ConnectionBounds {
  /** Connections that have not acknowledged their join yet, and when they will be closed for it. */
  private readonly joinAckTimers = new Map<Client, NodeJS.Timeout>();

  constructor(
    private readonly room: Room,
    private readonly limits: ConnectionLimits,
    private readonly count: { connectedUsers(): number; connectionsOf(userId: string): number },
  ) {}

  /**
   * Puts the seat check in front of Colyseus' seat reservation (TypeScript marks it private,
   * so it cannot be overridden): user seats are counted when they are reserved, not when a
   * socket finally opens. A reconnection's seat is the user's own and is not counted again.
   * (No Colyseus `maxClients`: a full room gets locked, and a locked room made joinOrCreate
   * try to create a second one.)
   */
  guardSeatReservations(): void {
    const room = this.room as any;
    const frameworkReserveSeat = room._reserveSeat.bind(room);
    room._reserveSeat = (sessionId: string, joinOptions: unknown, auth: SeatAuth, seconds?: number, allowReconnection = false, ...rest: unknown[]) => {
      if (!allowReconnection && auth?.role === "user" && !this.hasSeatFor(String(auth.userId))) return false;
      return frameworkReserveSeat(sessionId, joinOptions, auth, seconds, allowReconnection, ...rest);
    };
  }

  /** Whether one more seat may be reserved for `userId` (room and per-user limits, pending seats included). */
  hasSeatFor(userId: string): boolean {
    return seatsAvailable({
      pendingSeats: Object.values((this.room as any)._reservedSeats as Record<string, PendingSeat>),
      connectedUsers: this.count.connectedUsers(),
      connectionsOfUser: this.count.connectionsOf(userId),
      userId,
      maxUsers: this.limits.maxUsers,
      maxPerUser: this.limits.maxPerUser,
    });
  }

  /** A connection must acknowledge its join in time; until then it is sent nothing and may send nothing (rooms/edge/frameEdge.ts). */
  awaitJoinAck(client: Client): void {
    if (client.state === ClientState.JOINED) return;
    this.joinAckTimers.set(client, setTimeout(guarded(this.room, "room", "the join acknowledgement timer", () => {
      this.joinAckTimers.delete(client);
      if (client.state !== ClientState.JOINED) (client.ref as unknown as { close(code: number, reason: string): void } | undefined)?.close(1008, "join not acknowledged in time");
    }), this.limits.joinAckTimeoutMs));
  }

  /** The connection acknowledged its join, or left: its deadline is off. */
  joinAcknowledged(client: Client): void {
    const timer = this.joinAckTimers.get(client);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.joinAckTimers.delete(client);
  }

  dispose(): void {
    for (const timer of this.joinAckTimers.values()) clearTimeout(timer);
    this.joinAckTimers.clear();
  }
}
