/**
 * Typed lifecycle events of every device room (seed 001): one interface that logging,
 * metrics and persistence subscribe to. Emitting never throws into the room: a failing
 * listener is reported and skipped.
 */
import type { EndReasonName } from "@baton/protocol";

export type LifecycleEvent =
  | { type: "session.started"; deviceId: string; epoch: number; userId: string; at: number }
  | { type: "session.ended"; deviceId: string; epoch: number; userId: string; reason: EndReasonName; at: number }
  | { type: "run.started"; deviceId: string; epoch: number; runId: string; userId: string; sessionType: string; at: number }
  | { type: "run.completed"; deviceId: string; epoch: number; runId: string; userId: string; sessionType: string; durationMs: number; at: number }
  | { type: "run.failed"; deviceId: string; epoch: number; runId: string; userId: string; sessionType: string; code: string; message: string; at: number }
  | { type: "result.orphaned"; deviceId: string; epoch: number; runId: string; reason: string; at: number }
  | { type: "device.connected"; deviceId: string; firmware: string; at: number }
  | { type: "device.disconnected"; deviceId: string; at: number }
  | { type: "device.error"; deviceId: string; code: string; message: string; at: number }
  /** A message refused at the room's edge or by the session rules (metrics count them by code). */
  | { type: "command.rejected"; deviceId: string; code: string; at: number };

export type LifecycleListener = (event: LifecycleEvent) => void;

export class LifecycleEvents {
  private readonly listeners = new Set<LifecycleListener>();

  /** Subscribes; returns the function that unsubscribes. */
  on(listener: LifecycleListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: LifecycleEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        console.error(`lifecycle listener failed on ${event.type}:`, error);
      }
    }
  }
}
