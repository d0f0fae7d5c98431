/**
 * Waiting in line, the hand-off offer and the expiry warning (issue 13, docs/PROTOCOL.md §12)
 * from the dashboard. The SDK has no queue commands yet, so this is the dashboard's small
 * adapter: commands go through the handle's own request/answer pairing (`send`, which the
 * SDK keeps for extensions like this one: a refusal rejects at once with the room's code and
 * sentence), and the queue is read from the room state the handle already holds — the public
 * `queue` part, and this user's own seat (each connection's view holds only its user's seat).
 * When the SDK grows `enqueue()` / `accept()` and a queue snapshot, this file goes.
 */
import type { DeviceHandle } from "@baton/client";
import { RoomToUser, UserToRoom } from "@baton/protocol/protocol";
import type { QueueLeftMessage, SessionExpiringMessage } from "@baton/protocol/messages";

export type QueueRequest = typeof UserToRoom.ENQUEUE | typeof UserToRoom.LEAVE_QUEUE | typeof UserToRoom.ACCEPT | typeof UserToRoom.DECLINE | typeof UserToRoom.EXTEND;

interface Sender {
  send(request: QueueRequest, payload: Record<string, unknown>, options: object): Promise<unknown>;
}

/** Sends a queue command; resolves on the room's `ok`, rejects with its BatonError. */
export function sendQueueCommand(device: DeviceHandle, request: QueueRequest, payload: Record<string, unknown> = {}): Promise<unknown> {
  return (device as unknown as Sender).send(request, payload, {});
}

export interface MySeat {
  /** 1 = first in line (or holding the offer). */
  position: number;
  /** Estimated start (ms since the Unix epoch); 0 when unknown. */
  etaAt: number;
  offered: boolean;
  offerExpiresAt: number;
}

export interface QueueView {
  /** People waiting, the one holding an open offer included. */
  length: number;
  /** While the device is offered to the first in line: when the offer ends (0 = none). */
  handoffUntil: number;
  /** This user's place, when they wait. */
  mySeat: MySeat | null;
}

interface RoomStateWithQueue {
  queue?: { length: number; handoffUntil: number };
  seats?: { get(userId: string): { position: number; etaAt: number; offered: boolean; offerExpiresAt: number } | undefined };
}

/** The queue as this user sees it, read from the handle's room (null before it is joined or on a server without queues). */
export function queueViewOf(device: DeviceHandle | null, userId: string): QueueView | null {
  const state = device?.colyseusRoom?.state as RoomStateWithQueue | undefined;
  if (!state?.queue) return null;
  const seat = state.seats?.get(userId);
  return {
    length: state.queue.length,
    handoffUntil: state.queue.handoffUntil,
    mySeat: seat ? { position: seat.position, etaAt: seat.etaAt, offered: seat.offered, offerExpiresAt: seat.offerExpiresAt } : null,
  };
}

export interface QueueMessages {
  queueLeft(message: QueueLeftMessage): void;
  sessionExpiring(message: SessionExpiringMessage): void;
}

/** Listens to the room's queue and expiry messages; returns the function that stops. */
export function onQueueMessages(device: DeviceHandle, listeners: QueueMessages): () => void {
  const room = device.colyseusRoom;
  if (!room) return () => {};
  const stops = [
    room.onMessage(RoomToUser.QUEUE_LEFT, (message: QueueLeftMessage) => listeners.queueLeft(message)),
    room.onMessage(RoomToUser.SESSION_EXPIRING, (message: SessionExpiringMessage) => listeners.sessionExpiring(message)),
    // The offer itself is in this user's seat (`offered`, `offerExpiresAt`); the message only says it first.
    room.onMessage(RoomToUser.OFFER, () => {}),
    room.onMessage(RoomToUser.SESSION_EXTENDED, () => {}),
  ];
  return () => stops.forEach((stop) => stop());
}
