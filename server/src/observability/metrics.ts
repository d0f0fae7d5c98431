/**
 * Prometheus metrics (prom-client), served at GET /metrics (http/metrics.ts). Names follow
 * Prometheus conventions: `baton_` prefix, `_total` for counters, `_seconds` for durations.
 * - Counters and histograms move with the lifecycle events (events/lifecycle.ts) — the same
 *   stream the logs and the audit read, so they cannot disagree.
 * - Gauges (connected devices and clients, active sessions) are read from this process's
 *   rooms at scrape time, so a session restored after a restart is counted too.
 * - Store latency: every store operation is timed (instrumentStore).
 * - Process metrics and event-loop lag: prom-client's default collectors, prefixed.
 * Labels are bounded sets (end reasons, outcomes, error codes of shared/protocol.ts, store
 * operation names) — never a device id, user id or a device's own failure code.
 */
import { matchMaker } from "@colyseus/core";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { DEVICE_ROOM_NAME, ErrorCode } from "@baton/protocol";
import type { LifecycleEvents } from "../events/lifecycle.ts";
import type { BatonStore } from "../ports/store.ts";
import type { LiveDeviceStatus } from "../rooms/operator/liveRooms.ts";

const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14_400];
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];
const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

export interface BatonMetrics {
  registry: Registry;
  storeSeconds: Histogram<"operation">;
  /** `hello`s whose epoch was beyond what one may raise (session/deviceReports.ts MAX_HELLO_EPOCH_RAISE): not applied. */
  epochAnomalies: Counter;
  /** Orphaned results not kept, beyond the per-device bound (ports/results.ts ORPHAN_LIMITS). */
  orphansDropped: Counter;
  /** Stops listening to lifecycle events. */
  close(): void;
}

/** How a run ended, as a bounded label: a device's own failure codes are all `device_error`. */
function runOutcome(code: string): string {
  switch (code) {
    case ErrorCode.RUN_TIMEOUT: return "timeout";
    case ErrorCode.CANCELLED: return "cancelled";
    case ErrorCode.DEVICE_FAILED: return "device_lost";
    default: return "device_error";
  }
}

export function createMetrics(events: LifecycleEvents): BatonMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "baton_" });

  const localStatuses = async (): Promise<LiveDeviceStatus[]> => {
    // Rooms of this process only: every process reports its own, Prometheus sums them.
    const listings = await matchMaker.query({ name: DEVICE_ROOM_NAME });
    const statuses: LiveDeviceStatus[] = [];
    for (const listing of listings) {
      const room = matchMaker.getLocalRoomById(listing.roomId) as unknown as { liveStatus?: () => LiveDeviceStatus } | undefined;
      if (typeof room?.liveStatus === "function") statuses.push(room.liveStatus());
    }
    return statuses;
  };
  new Gauge({ name: "baton_connected_devices", help: "Devices connected to this process (online).", registers: [registry], async collect() { this.set((await localStatuses()).filter((s) => s.online).length); } });
  new Gauge({ name: "baton_connected_clients", help: "User connections (spectators and holders) in this process's device rooms.", registers: [registry], async collect() { this.set((await localStatuses()).reduce((sum, s) => sum + s.viewers, 0)); } });
  new Gauge({ name: "baton_active_sessions", help: "Devices held by a user in this process.", registers: [registry], async collect() { this.set((await localStatuses()).filter((s) => s.holder !== null).length); } });

  const sessionsStarted = new Counter({ name: "baton_sessions_started_total", help: "Sessions started (successful claims).", registers: [registry] });
  const sessionsEnded = new Counter({ name: "baton_sessions_ended_total", help: "Sessions ended, by end reason.", labelNames: ["reason"], registers: [registry] });
  const runs = new Counter({ name: "baton_runs_total", help: "Runs finished, by outcome (completed, timeout, cancelled, device_lost, device_error).", labelNames: ["outcome"], registers: [registry] });
  const rejected = new Counter({ name: "baton_rejected_commands_total", help: "Messages refused by a device room, by error code.", labelNames: ["code"], registers: [registry] });
  const sessionSeconds = new Histogram({ name: "baton_session_duration_seconds", help: "Session length, claim to end.", buckets: DURATION_BUCKETS, registers: [registry] });
  const runSeconds = new Histogram({ name: "baton_run_duration_seconds", help: "Run length, start to result or failure.", labelNames: ["outcome"], buckets: DURATION_BUCKETS, registers: [registry] });
  const storeSeconds = new Histogram({ name: "baton_store_operation_seconds", help: "Latency of store operations, by operation.", labelNames: ["operation"], buckets: STORE_BUCKETS, registers: [registry] });

  // Start times of what is in flight, to measure durations; an entry lives until its end event
  // (or is dropped when the device's next session starts), so the maps stay device-sized.
  const sessionStarts = new Map<string, number>();
  const runStarts = new Map<string, number>();
  const unsubscribe = events.on((event) => {
    switch (event.type) {
      case "session.started":
        sessionsStarted.inc();
        sessionStarts.set(event.deviceId, event.at);
        break;
      case "session.ended": {
        sessionsEnded.inc({ reason: event.reason });
        const started = sessionStarts.get(event.deviceId);
        if (started !== undefined) sessionSeconds.observe((event.at - started) / 1000);
        sessionStarts.delete(event.deviceId);
        break;
      }
      case "run.started":
        runStarts.set(event.deviceId, event.at);
        break;
      case "run.completed":
        runs.inc({ outcome: "completed" });
        runSeconds.observe({ outcome: "completed" }, event.durationMs / 1000);
        runStarts.delete(event.deviceId);
        break;
      case "run.failed": {
        const outcome = runOutcome(event.code);
        runs.inc({ outcome });
        const started = runStarts.get(event.deviceId);
        if (started !== undefined) runSeconds.observe({ outcome }, (event.at - started) / 1000);
        runStarts.delete(event.deviceId);
        break;
      }
      case "command.rejected":
        rejected.inc({ code: KNOWN_CODES.has(event.code) ? event.code : "OTHER" });
        break;
    }
  });
  const epochAnomalies = new Counter({ name: "baton_epoch_anomalies_total", help: "Device hellos naming an epoch too far above the stored one; the epoch was not raised.", registers: [registry] });
  const orphansDropped = new Counter({ name: "baton_orphans_dropped_total", help: "Orphaned results not kept (or pushed out) because the device's orphan bound was reached.", registers: [registry] });
  return { registry, storeSeconds, epochAnomalies, orphansDropped, close: unsubscribe };
}

/**
 * The same store with every async method of every part timed into `baton_store_operation_seconds`
 * (label `part.method`, e.g. `results.saveDelivered`).
 */
export function instrumentStore(store: BatonStore, histogram: Histogram<"operation">): BatonStore {
  // Every store call on the hot path comes through here (two or three per claim): the wrapper
  // of each method is made once, with its labelled child, so a call builds no closure, label
  // object or label key (prom-client hashes the labels on every unlabelled-child call).
  const timed = <T extends object>(part: T, name: string): T => {
    const wrappers = new Map<string, { method: unknown; wrapper: unknown }>();
    return new Proxy(part, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== "function" || typeof property !== "string") return value;
        const cached = wrappers.get(property);
        if (cached && cached.method === value) return cached.wrapper;
        const child = histogram.labels(`${name}.${property}`);
        const wrapper = (...args: unknown[]) => {
          const stop = child.startTimer();
          const result = value.apply(target, args);
          if (result instanceof Promise) return result.finally(() => stop());
          stop();
          return result;
        };
        wrappers.set(property, { method: value, wrapper });
        return wrapper;
      },
    });
  };
  return {
    kind: store.kind,
    location: store.location,
    results: timed(store.results, "results"),
    deviceStates: timed(store.deviceStates, "deviceStates"),
    history: timed(store.history, "history"),
    devices: timed(store.devices, "devices"),
    audit: timed(store.audit, "audit"),
    outbox: timed(store.outbox, "outbox"),
    transitions: timed(store.transitions, "transitions"),
    availability: timed(store.availability, "availability"),
    firmwareUpdates: timed(store.firmwareUpdates, "firmwareUpdates"),
    telemetry: timed(store.telemetry, "telemetry"),
    bookings: timed(store.bookings, "bookings"),
    ping: () => store.ping(),
    purgeOlderThan: (cutoff) => store.purgeOlderThan(cutoff),
    close: () => store.close(),
  };
}
