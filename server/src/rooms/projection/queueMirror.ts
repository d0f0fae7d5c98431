/**
 * Projects the line, the physical hand-over and the availability of the core into the schema
 * state — the queue part of stateMirror.ts, kept apart so the two grow separately. Each
 * waiting user gets a `QueueSeat` (position, ETA, offer) that only their own connections
 * have in view; everyone watching sees the line's length and whether an offer is open.
 */
import type { StateView } from "@colyseus/schema";
import { QueueSeat, type DeviceRoomState } from "@baton/protocol/state";
import { estimatedStarts, lineOf, type CoreState, type DurationSamples } from "../../session/index.ts";

function set<T extends object, K extends keyof T>(target: T, key: K, value: T[K]) {
  if (target[key] !== value) target[key] = value;
}

/**
 * The views of one user's connections, so a seat can be shown to them alone: `create` asks
 * for views of their own to be made where a connection shares the spectators' view (to add a
 * seat); without it, connections with no view of their own are skipped (to remove one).
 */
export type ViewsOf = (userId: string, create: boolean) => Iterable<StateView | undefined>;

export function mirrorQueue(core: CoreState, state: DeviceRoomState, samples: DurationSamples, now: number, viewsOf: ViewsOf): void {
  const device = state.device;
  set(device, "availability", core.availability.status);
  set(device, "availabilityReason", core.availability.reason);
  set(device, "availabilitySince", core.availability.since);
  set(device, "ready", core.awaitingReadySince === 0);
  set(device, "notReadySince", core.awaitingReadySince);

  const line = lineOf(core);
  set(state.queue, "length", line.length);
  set(state.queue, "handoffUntil", core.offer?.expiresAt ?? 0);

  const starts = estimatedStarts(core, samples, now);
  const waiting = new Set<string>();
  line.forEach((entry, index) => {
    const userId = entry.user.userId;
    waiting.add(userId);
    let seat = state.seats.get(userId);
    if (!seat) {
      seat = new QueueSeat();
      state.seats.set(userId, seat);
      for (const view of viewsOf(userId, true)) view?.add(seat);
    }
    const offered = core.offer?.entry === entry;
    set(seat, "position", index + 1);
    // Rounded to the second: an ETA that moves by milliseconds would patch every viewer's seat on every change.
    set(seat, "etaAt", Math.round((starts.get(userId) ?? now) / 1000) * 1000);
    set(seat, "offered", offered);
    set(seat, "offerExpiresAt", offered ? core.offer!.expiresAt : 0);
    set(seat, "sessionType", entry.sessionType ?? "");
  });
  for (const [userId, seat] of state.seats.entries()) {
    if (waiting.has(userId)) continue;
    for (const view of viewsOf(userId, false)) view?.remove(seat);
    state.seats.delete(userId);
  }
}

/** A connection that joins (or comes back) sees its user's seat, if they wait. */
export function showSeat(state: DeviceRoomState, userId: string, view: StateView | undefined): void {
  const seat = state.seats.get(userId);
  if (seat) view?.add(seat);
}
