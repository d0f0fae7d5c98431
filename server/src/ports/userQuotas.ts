/**
 * Port: how many devices, and how many lines, each user holds across the whole cluster.
 *
 * Each device is its own room, possibly in another process, so no room can count a user's
 * holdings alone. A room *reserves* a slot here before it applies a command that would give
 * the user one more (a claim, an accepted offer, an enqueue), and releases it when the core's
 * state no longer shows it (rooms/edge/fairUseGate.ts). `reserve` is atomic — check and add in
 * one step — so two rooms racing for the same user's last slot cannot both win.
 *
 * Slots are leases: each expires `ttlMs` after it was reserved or last renewed, and the
 * process renews the slots of its rooms' states while they live. A crashed process's slots
 * therefore free themselves, like the room locks (ports/deviceRoomLock.ts); a room that is
 * created again from the stored state renews what that state still holds.
 *
 * Two adapters, one conformance suite (`test/conformance/userQuotas.cases.ts`):
 * `adapters/local/` for a single process, `adapters/redis/` for a cluster.
 */

/** What is counted: devices held, or places in a line. */
export type QuotaKind = "device" | "queue";

/** One slot: `userId` holds (or waits for) device `deviceId`. */
export interface QuotaSlot {
  userId: string;
  kind: QuotaKind;
  deviceId: string;
}

export interface Reservation {
  granted: boolean;
  /** The user's live slots of that kind after the call (with this one, when granted). */
  held: number;
}

export interface UserQuotaLedger {
  /**
   * Takes `slot` for `ttlMs` if the user holds fewer than `limit` live slots of its kind, or
   * renews it if the user already holds that very slot (a retried reservation is not a
   * second one). Atomic across every caller of the cluster.
   */
  reserve(slot: QuotaSlot, limit: number, ttlMs: number): Promise<Reservation>;
  /** Extends (or re-takes, whatever the limit) slots a room's state holds, in one round trip. */
  renew(slots: readonly QuotaSlot[], ttlMs: number): Promise<void>;
  /** Gives a slot back; releasing a slot that is not held does nothing. */
  release(slot: QuotaSlot): Promise<void>;
  /** The device ids of the user's live slots of `kind`. */
  held(userId: string, kind: QuotaKind): Promise<string[]>;
}
