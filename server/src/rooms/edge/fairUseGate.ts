/**
 * The room's side of the per-user limits (issue 13 item 7): it asks the cluster-wide ledger
 * (ports/userQuotas.ts) before a command that would give a user one more device or place in
 * line reaches the pure core, and gives slots back when the core's state no longer holds
 * them. The rules themselves (what holds what, the sentences, the day) are pure:
 * session/fairUse.ts.
 *
 * Reserve, then commit: the slot is reserved *before* the command is applied, atomically in
 * the ledger, so two rooms (in any processes) racing for a user's last slot cannot both
 * win. If the command is then refused by the core (the device is busy, say), the slot is
 * released at once. A slot some command of this room is still waiting for is never
 * released by a concurrent transition (`pending`), so a release and a claim of the same
 * user cannot cross and leave a held device without its slot.
 *
 * Slots are leases: `QuotaRenewer` renews every live room's slots, once per process, every
 * third of the TTL; a crashed process's slots expire, and a room restored from the store
 * renews what its state holds at once.
 */
import { ErrorCode } from "@baton/protocol";
import type { FairUseLimits } from "../../config/config.ts";
import type { QuotaSlot, UserQuotaLedger } from "../../ports/userQuotas.ts";
import { dailyQuota, holds, holdingSought, holdingsOf, limitRefusal, type Holding } from "../../session/fairUse.ts";
import type { Command, CoreState, Outcome, Rejection } from "../../session/index.ts";
import { rejection } from "../../session/rejection.ts";

export interface FairUseGateOptions {
  deviceId: string;
  ledger: UserQuotaLedger;
  limits: FairUseLimits;
  ttlMs: number;
  clock: () => number;
  /** The user's session time today on devices of this device's kind, and the kind's name (history store). */
  usedToday(userId: string): Promise<{ usedMs: number; kind: string }>;
  warn(message: string, error?: unknown): void;
}

export type Admission = { outcome: Outcome } | { rejection: Rejection };

export class FairUseGate {
  /** Holdings a command of this room is reserving or applying right now, by key, with a count. */
  private readonly pending = new Map<string, number>();

  constructor(private readonly options: FairUseGateOptions) {}

  /** Whether any per-user limit is configured (otherwise the room applies commands directly). */
  get enabled(): boolean {
    const { maxDevicesPerUser, maxQueueEntriesPerUser, maxSessionMinutesPerDay } = this.options.limits;
    return maxDevicesPerUser > 0 || maxQueueEntriesPerUser > 0 || maxSessionMinutesPerDay > 0;
  }

  /**
   * Applies `command` through the limits: `apply` is the room's own (synchronous) transition,
   * `state` reads the core's state as it is now (it may have moved while the ledger answered).
   */
  async admit(command: Command, state: () => CoreState, apply: (command: Command) => Outcome): Promise<Admission> {
    if (command.type === "offerHandover") {
      // Advice for the holder, at once: the named user could not take the device now. Their
      // accept is checked again, for real (they may release a device meanwhile).
      const refusal = await this.recipientCannotTake(command.to.userId).catch(() => null);
      if (refusal) return { rejection: refusal };
    }
    const sought = holdingSought(command);
    // Already held here (the core answers ALREADY_HOLDER / ALREADY_QUEUED), or nothing to count.
    if (!sought || holds(state(), sought)) return { outcome: apply(command) };
    const limit = this.limitOf(sought);
    const daily = sought.kind === "device" && this.options.limits.maxSessionMinutesPerDay > 0;
    if (limit <= 0 && !daily) return { outcome: apply(command) };
    const key = keyOf(sought);
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    try {
      let until = 0;
      if (daily) {
        const { usedMs, kind } = await this.options.usedToday(sought.userId);
        const verdict = dailyQuota(usedMs, this.options.limits.maxSessionMinutesPerDay, kind, this.options.clock());
        if ("refusal" in verdict) return { rejection: verdict.refusal };
        until = verdict.until;
      }
      const slot = this.slotOf(sought);
      if (limit > 0) {
        const reservation = await this.options.ledger.reserve(slot, limit, this.options.ttlMs);
        if (!reservation.granted) return { rejection: limitRefusal(sought.kind, limit) };
      }
      const outcome = apply(command);
      const granted = holds(state(), sought);
      if (!granted && limit > 0 && this.pending.get(key) === 1) await this.release(slot);
      // The session may last no longer than the minutes left today (session/lease.ts).
      if (granted && until > 0 && sought.kind === "device") apply({ type: "capSession", userId: sought.userId, until });
      return { outcome };
    } catch (error) {
      this.options.warn(`device room ${this.options.deviceId}: the per-user quota could not be checked; the command was refused`, error);
      return { rejection: rejection(ErrorCode.SERVER_BUSY, { reason: "quotaStore" }) };
    } finally {
      const left = (this.pending.get(key) ?? 1) - 1;
      if (left > 0) this.pending.set(key, left);
      else this.pending.delete(key);
    }
  }

  /** Why `userId` could not be granted one more device now (their device limit, or today's minutes), or null. */
  private async recipientCannotTake(userId: string): Promise<Rejection | null> {
    const { limits, deviceId } = this.options;
    if (limits.maxDevicesPerUser > 0) {
      const held = await this.options.ledger.held(userId, "device");
      if (held.length >= limits.maxDevicesPerUser) return rejection(ErrorCode.HAND_OVER_REFUSED, { reason: "recipientAtDeviceLimit", deviceId, to: userId, limit: limits.maxDevicesPerUser });
    }
    if (limits.maxSessionMinutesPerDay > 0) {
      const { usedMs } = await this.options.usedToday(userId);
      if (usedMs >= limits.maxSessionMinutesPerDay * 60_000) return rejection(ErrorCode.HAND_OVER_REFUSED, { reason: "recipientQuotaUsed", deviceId, to: userId, minutesPerDay: limits.maxSessionMinutesPerDay });
    }
    return null;
  }

  /** After every transition: the slots of holdings that `before` had and `after` has not are given back. */
  transitioned(before: CoreState, after: CoreState): void {
    if (before === after || !this.enabled) return;
    const remaining = new Set(holdingsOf(after).map(keyOf));
    for (const holding of holdingsOf(before)) {
      const key = keyOf(holding);
      if (remaining.has(key) || this.pending.has(key) || this.limitOf(holding) <= 0) continue;
      void this.release(this.slotOf(holding));
    }
  }

  /** The counted slots this room's state holds (renewed while the room lives). */
  slots(state: CoreState): QuotaSlot[] {
    if (!this.enabled) return [];
    return holdingsOf(state).filter((holding) => this.limitOf(holding) > 0).map((holding) => this.slotOf(holding));
  }

  private limitOf(holding: Holding): number {
    return holding.kind === "device" ? this.options.limits.maxDevicesPerUser : this.options.limits.maxQueueEntriesPerUser;
  }

  private slotOf(holding: Holding): QuotaSlot {
    return { userId: holding.userId, kind: holding.kind, deviceId: this.options.deviceId };
  }

  private async release(slot: QuotaSlot): Promise<void> {
    await this.options.ledger.release(slot).catch((error) => this.options.warn(`device room ${this.options.deviceId}: releasing a quota slot failed (it expires by itself)`, error));
  }
}

function keyOf(holding: Holding): string {
  return `${holding.kind}\u0000${holding.userId}`;
}

/**
 * Renews the quota slots of every live room of this process in one call per period (a third
 * of the TTL), like the room locks' leases (rooms/cluster/deviceRoomLeases.ts).
 */
export class QuotaRenewer {
  private readonly rooms = new Set<() => QuotaSlot[]>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly ledger: UserQuotaLedger, private readonly ttlMs: number, private readonly warn: (message: string, error?: unknown) => void) {}

  /** Tracks a room's slots; renews them now (a room restored from the store). Returns the function that stops tracking. */
  track(slots: () => QuotaSlot[]): () => void {
    this.rooms.add(slots);
    void this.renew([slots]);
    if (!this.timer) {
      this.timer = setInterval(() => void this.renew([...this.rooms]), Math.max(100, Math.floor(this.ttlMs / 3)));
      this.timer.unref();
    }
    return () => this.rooms.delete(slots);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async renew(rooms: (() => QuotaSlot[])[]): Promise<void> {
    const slots = rooms.flatMap((slotsOf) => slotsOf());
    if (slots.length === 0) return;
    await this.ledger.renew(slots, this.ttlMs).catch((error) => this.warn("renewing the per-user quota slots failed; they expire unless the next renewal succeeds", error));
  }
}
