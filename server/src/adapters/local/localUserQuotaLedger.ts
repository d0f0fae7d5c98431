/**
 * UserQuotaLedger for a single process: per user and kind, a map of device ids to expiry.
 * Every call runs to completion in one turn of the event loop, which is what makes
 * `reserve` atomic here; the conformance suite holds it to the same contract as Redis.
 */
import type { QuotaKind, QuotaSlot, Reservation, UserQuotaLedger } from "../../ports/userQuotas.ts";

export class LocalUserQuotaLedger implements UserQuotaLedger {
  private readonly slots = new Map<string, Map<string, number>>();

  constructor(private readonly clock: () => number = Date.now) {}

  async reserve(slot: QuotaSlot, limit: number, ttlMs: number): Promise<Reservation> {
    const live = this.live(slot.userId, slot.kind);
    if (!live.has(slot.deviceId) && live.size >= limit) return { granted: false, held: live.size };
    live.set(slot.deviceId, this.clock() + ttlMs);
    return { granted: true, held: live.size };
  }

  async renew(slots: readonly QuotaSlot[], ttlMs: number): Promise<void> {
    for (const slot of slots) this.live(slot.userId, slot.kind).set(slot.deviceId, this.clock() + ttlMs);
  }

  async release(slot: QuotaSlot): Promise<void> {
    this.live(slot.userId, slot.kind).delete(slot.deviceId);
  }

  async held(userId: string, kind: QuotaKind): Promise<string[]> {
    return [...this.live(userId, kind).keys()];
  }

  /** The user's slots of one kind, expired ones dropped. */
  private live(userId: string, kind: QuotaKind): Map<string, number> {
    const key = `${kind}\u0000${userId}`;
    let slots = this.slots.get(key);
    if (!slots) {
      slots = new Map();
      this.slots.set(key, slots);
    }
    const now = this.clock();
    for (const [deviceId, expiresAt] of slots) if (expiresAt <= now) slots.delete(deviceId);
    return slots;
  }
}
