/**
 * The line of users waiting for one device, as the other queue modules see it: the holder
 * of an open offer first, then the queue in order. Small pure helpers, no rules.
 */
import { DeviceAvailability } from "@baton/protocol";
import type { Availability, CoreState, Effect, Outcome, QueueEntry, Rejection, UserRef } from "./types.ts";

/** Everyone waiting, first in line first: the offered user (if any), then the queue. */
export function lineOf(state: CoreState): QueueEntry[] {
  return state.offer ? [state.offer.entry, ...state.queue] : state.queue;
}

/** 1-based place of `userId` in the line, or 0 when they are not waiting. */
export function positionOf(state: CoreState, userId: string): number {
  return lineOf(state).findIndex((entry) => entry.user.userId === userId) + 1;
}

export function describeUser(user: UserRef): string {
  return user.name ? `${user.name} (${user.userId})` : user.userId;
}

export function ok(state: CoreState, effects: Effect[] = []): Outcome {
  return { state, effects };
}

export function refuse(state: CoreState, refusal: Rejection): Outcome {
  return { state, effects: [], rejection: refusal };
}

export const AVAILABLE: Omit<Availability, "since"> = { status: DeviceAvailability.AVAILABLE, reason: "", by: "" };

/** The fields issue 13 added to the core state, for a state stored before they existed. */
export function withQueueDefaults(state: CoreState): CoreState {
  return {
    ...state,
    queue: state.queue ?? [],
    offer: state.offer ?? null,
    awaitingReadySince: state.awaitingReadySince ?? 0,
    availability: state.availability ?? { ...AVAILABLE, since: 0 },
    consecutiveFailures: state.consecutiveFailures ?? 0,
  };
}
