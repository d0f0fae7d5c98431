/**
 * Bounds on what one connection may hold of the server: viewer seats (counted when they are
 * reserved, so seats whose socket never opens count too) and unsent bytes (a connection
 * that stops reading is closed, instead of the server buffering for it without end).
 */
import type { Client } from "@colyseus/core";
import { BatonCloseCode } from "@baton/protocol";
import type { JoinAuth } from "./joinAuth.ts";

/** Colyseus' reservation record: [join options, auth, consumed, waiting for a reconnection]. */
export type PendingSeat = [unknown, JoinAuth | undefined, boolean, boolean];

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
