/**
 * What the orchestrator (bench/run.ts) and its load processes say to each other over the
 * Node IPC channel of `fork`. Load processes never start measuring on their own: every
 * phase is a command, so baseline and Baton can be interleaved round by round.
 */
import type { Target } from "./wire.ts";

export type DriverCommand =
  /** Fixed schedule of `rate` claims per second; latency from each claim's intended send time. */
  | { cmd: "fixedRate"; rate: number; warmupMs: number; durationMs: number }
  /** Closed loop as fast as it goes: the next claim leaves when the previous result arrives. */
  | { cmd: "saturate"; warmupMs: number; durationMs: number }
  /** Claim (no run), hold, release — `ops` times, for spectators to time the patches. */
  | { cmd: "fanout"; ops: number; spacingMs: number; holdMs: number }
  | { cmd: "stop" };

export interface RoundTripReport {
  type: "roundTrip";
  mode: "fixedRate" | "saturate";
  ops: number;
  elapsedMs: number;
  /** From the intended send time (coordinated-omission safe); fixedRate only. */
  latency: string | null;
  /** From the actual send time: the service time alone. */
  service: string;
  busyRetries: number;
  errors: string[];
  loadCpuUs: number;
}

export interface FanoutReport {
  type: "fanout";
  /** process.hrtime in µs (CLOCK_MONOTONIC: comparable across processes on one Linux machine). */
  claimSentAtUs: number[];
  releaseSentAtUs: number[];
  errors: string[];
}

export type DriverMessage = { type: "ready" } | { type: "measuring" } | { type: "failed"; error: string } | RoundTripReport | FanoutReport;

export type SpectatorCommand = { cmd: "collect" } | { cmd: "stop" };
export type SpectatorMessage =
  | { type: "ready"; connected: number }
  | { type: "failed"; error: string }
  /** Per client, the hrtime (µs) of every ROOM_STATE_PATCH frame since the last collect. */
  | { type: "patches"; perClient: number[][] };

/** The systems S1 measures: the two that speak Baton's frames, and the two broker anchors. */
export type FleetSystem = "relay" | "baton" | "redis" | "mqtt";

/** fleet.ts: which devices this load process drives, and where. */
export interface FleetSpec {
  system: FleetSystem;
  /** relay / baton: the server's http://host:port. */
  baseUrl?: string;
  /** redis: redis://…; mqtt: mqtt://… */
  brokerUrl?: string;
  deviceIds: string[];
  /** baton: the bench registry's secret for every device. */
  deviceSecret?: string;
}

export type FleetCommand =
  /** `rate` claims per second over all of this process's devices, each device on its own schedule. */
  | { cmd: "fixedRate"; rate: number; warmupMs: number; durationMs: number }
  | { cmd: "saturate"; warmupMs: number; durationMs: number }
  | { cmd: "stop" };
export type FleetMessage = { type: "ready" } | { type: "measuring" } | { type: "failed"; error: string } | RoundTripReport;

/** How the orchestrator hands a load process its job (JSON in one environment variable). */
export interface LoadProcessEnv {
  target: Target;
  fleet?: FleetSpec;
  /** spectators.ts: how many clients, and the number of the first (user ids are unique). */
  count?: number;
  offset?: number;
}

export function hrtimeUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export function sendToParent(message: DriverMessage | SpectatorMessage | FleetMessage) {
  process.send?.(message);
}

export function readLoadEnv(): LoadProcessEnv {
  const raw = process.env.BENCH_LOAD;
  if (!raw || !process.send) {
    console.error("this is a load process of `npm run bench`; run that instead");
    process.exit(2);
  }
  return JSON.parse(raw) as LoadProcessEnv;
}
