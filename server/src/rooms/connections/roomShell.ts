/**
 * The connection skeleton device rooms and pool rooms share: their seat bounds and frame
 * edge built from the same settings, Baton's frame checks in front of Colyseus' own frame
 * entry point, a user's reconnect grace, and sends that close a connection which stopped
 * reading. Rooms call these; nothing here knows a session or a pool.
 */
import { ClientState, type Client, type Room } from "@colyseus/core";
import { ErrorCode, errorValue, type ErrorValue } from "@baton/protocol";
import { FrameEdge } from "../edge/frameEdge.ts";
import type { RoomServices } from "../services.ts";
import { closeIfSlow, ConnectionBounds } from "./connectionLimits.ts";

/** Seats and join acknowledgements (connectionLimits.ts), with the process's limits. */
export function seatBounds(room: Room, services: RoomServices, counts: { connectedUsers(): number; connectionsOf(userId: string): number }): ConnectionBounds {
  const { maxSpectatorsPerDevice, maxConnectionsPerUser, joinAckTimeoutMs } = services.config;
  return new ConnectionBounds(room, { maxUsers: maxSpectatorsPerDevice, maxPerUser: maxConnectionsPerUser, joinAckTimeoutMs }, counts);
}

/** The frame edge (rate limits, decode check), with the process's limits. */
export function frameEdgeOf(services: RoomServices): FrameEdge {
  return new FrameEdge({ user: services.config.rateLimit, device: services.config.deviceRateLimit }, services.clock);
}

type Refuse<C> = (client: C, error: ErrorValue, request: string) => void;

/**
 * Every incoming frame passes here before Colyseus decodes it (TypeScript marks `_onMessage`
 * private, so it cannot be overridden): `FrameEdge` decides — join acknowledgement first,
 * rate limit on every frame type before any decoding, a decode check — and a catch keeps a
 * hostile frame from escaping the socket's handler. Seat reservations are guarded too.
 */
export function guardFrameworkEntryPoints<C extends Client>(room: Room, edge: FrameEdge, connections: ConnectionBounds, isDevice: (client: C) => boolean, refuse: Refuse<C>): void {
  const frameworkReceive = (room as any)._onMessage.bind(room) as (client: C, buffer: Uint8Array) => void;
  (room as any)._onMessage = (client: C, buffer: Uint8Array) => {
    const joined = client.state === ClientState.JOINED;
    const verdict = edge.inspect(client, { isDevice: isDevice(client), joined }, buffer);
    if (verdict.action === "drop") return;
    if (verdict.action === "refuse") return refuse(client, verdict.error, verdict.request);
    try {
      frameworkReceive(client, buffer);
    } catch {
      refuse(client, errorValue(ErrorCode.INVALID_MESSAGE, { reason: "frameFailed" }), "");
    }
    if (!joined && client.state === ClientState.JOINED) connections.joinAcknowledged(client);
  };
  connections.guardSeatReservations();
}

/**
 * A user's socket dropped: `away()` now, and the seat is kept for the reconnect grace;
 * `gone()` when the grace ends without them.
 */
export async function keepSeatThroughGrace(room: Room, client: Client, graceMs: number, away: () => void, gone: () => void): Promise<void> {
  away();
  try {
    await room.allowReconnection(client, Math.max(1, Math.ceil(graceMs / 1000)));
  } catch {
    gone();
  }
}

/** Sends to one connection, and closes it if it has stopped reading what it is sent. */
export function sendWatched(client: Client, type: string, payload: unknown, maxBufferedBytes: number): void {
  client.send(type, payload);
  closeIfSlow(client, maxBufferedBytes);
}
