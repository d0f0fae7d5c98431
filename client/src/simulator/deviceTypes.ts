/**
 * The simulated device's public types: its options, the events it emits, its counters and
 * the shape of its message logs. Kept apart from device.ts so tests and the CLI can import
 * the vocabulary without the behaviour.
 */
import type { RoomToDevicePayload, SessionTypeSpec } from "@baton/protocol";
import type { BackoffPolicy } from "./backoff.ts";
import type { ResendPolicy } from "./resend.ts";
import type { Instrument, InstrumentName, Json } from "./instruments.ts";
import type { JobState } from "./job.ts";

export interface SimulatedDeviceOptions {
  /** `http://host:port` of a Baton server. */
  url: string;
  deviceId: string;
  secret: string;
  instrument: InstrumentName | Instrument;
  /** Divides every instrument time (job, progress interval, reset): 10 = ten times faster. Default 1. */
  speed?: number;
  /** Send `accepted` as soon as a job starts. Default true. */
  autoAccept?: boolean;
  /** Report progress on the instrument's cadence. Default true. */
  autoProgress?: boolean;
  /** Send the result when the measurement is ready; false = wait for `complete()`. Default true. */
  autoComplete?: boolean;
  /** Send `ready` after the physical reset that follows each job. Default true. */
  autoReady?: boolean;
  /** Overrides the instrument's job duration (instrument time, before `speed`). */
  jobDurationMs?: number;
  /** Overrides the instrument's reset time (instrument time, before `speed`). */
  resetDelayMs?: number;
  /** `heartbeat` period in real milliseconds (not scaled by speed); 0 = none. Default 5000. */
  heartbeatIntervalMs?: number;
  /** Floor under the real interval between two automatic progress reports (the room rate-limits each client). Default 100 ms. */
  minProgressIntervalMs?: number;
  /** Reconnect policy, or false to never reconnect on its own. */
  reconnect?: Partial<BackoffPolicy> | false;
  /** Back-off before held reports are re-sent after RATE_LIMITED. Default 1 s doubling to 30 s (resend.ts). */
  resendBackoff?: Partial<ResendPolicy>;
  /** Seed for reproducible measurements. */
  seed?: number;
  /** Overrides what `hello` declares (e.g. to test INVALID_CAPABILITIES). */
  firmware?: string;
  sessionTypes?: SessionTypeSpec[];
  /** Send `hello` after joining and wait for `welcome`. Default true. */
  sendHello?: boolean;
  /** Ask for JOIN_ROOM without the ~850-byte schema handshake a device never uses. Default true. */
  skipHandshake?: boolean;
  /** Timeout of the join handshake and of waiting for `welcome`. Default 10 s. */
  joinTimeoutMs?: number;
  /** Where readable log lines go (the CLI prints them). Default: nowhere. */
  log?: (line: string) => void;
  /**
   * Live telemetry (issue 24): declare the instrument's channels in `hello` and send a sample
   * every this many real milliseconds while online (instrumentTelemetry.ts). 0 or absent = none
   * (the CLI sends them every 200 ms).
   */
  telemetryIntervalMs?: number;
}

/** One message received in a ROOM_DATA frame, in arrival order (`index` is its place in `received`). */
export interface ReceivedMessage {
  index: number;
  type: string;
  payload: unknown;
  at: number;
}

export interface SentMessage {
  type: string;
  payload: unknown;
  at: number;
}

export type JobOutcome = "result" | "failed" | "cancelled" | "abandoned" | "replaced" | "powerLoss" | "timedOut";

export interface JobInfo {
  runId: string;
  epoch: number;
  sessionType: string;
  input: Json;
  progress: number;
  state: JobState;
  /** What the instrument measured (the result's output unless overridden). */
  plannedOutput: Json;
}

export interface SimulatedDeviceEvents {
  /** Every ROOM_DATA message received, after the device has acted on it. */
  message: [ReceivedMessage];
  sent: [SentMessage];
  joined: [{ sessionId: string; roomId: string; processId: string; reconnectionToken: string }];
  disconnected: [{ code: number; reason: string; intentional: boolean }];
  reconnecting: [{ attempt: number; delayMs: number; lastError?: Error }];
  reconnected: [{ attempts: number }];
  gaveUp: [{ attempts: number; reason: string; error?: Error }];
  jobStarted: [JobInfo];
  jobResumed: [JobInfo];
  jobAwaitingCompletion: [JobInfo];
  jobFinished: [JobInfo & { outcome: JobOutcome }];
  ack: [{ runId: string }];
  /** The room said RATE_LIMITED (about `request`); held reports go out again after `delayMs`. */
  resendScheduled: [{ request: string; delayMs: number; attempt: number }];
  /** Held reports re-sent after RATE_LIMITED, oldest first. */
  reportsResent: [{ runIds: string[] }];
  ready: [];
  staleIgnored: [{ type: string; epoch: number; highestEpoch: number }];
  /** A welcome below the highest epoch seen was refused; the device left and retries. */
  epochRefused: [{ epoch: number; highestEpoch: number }];
  /** A Colyseus ERROR frame (0x0B), not the protocol's `error` message. */
  serverError: [{ code: number; message: string }];
  malformedFrame: [{ error: string; bytes: Uint8Array }];
  /** A firmware update was offered (`update` or `welcome.update`) and will be fetched once no run is in progress. */
  updateOffered: [{ url: string; version: string; sha256: string }];
  /** The image was fetched and verified; the device restarts into `version`. */
  updated: [{ version: string }];
  /** The image was refused (download, SHA-256 or version); the running version stays. */
  updateRejected: [{ version: string; reason: string }];
}

/** Payload types of the messages a device receives, for typed `next()` (the shared schemas' types). */
export type RoomToDevicePayloads = RoomToDevicePayload;

export interface SimulatedDeviceStats {
  /**
   * ROOM_STATE (0x0E) + ROOM_STATE_PATCH (0x0F) frames. A device has an empty StateView, yet
   * Colyseus still sends it one full-state frame at join and one patch frame per broadcast
   * patch — all empty (just the code byte). Assert on `stateBytesReceived`, not on this.
   */
  stateFramesReceived: number;
  /** Bytes after the frame code in those frames: 0 when the device really receives no state. */
  stateBytesReceived: number;
  errorFramesReceived: number;
  pingFramesReceived: number;
  malformedFramesReceived: number;
  /** ROOM_DATA messages whose payload did not have the fields the protocol requires. */
  malformedMessagesIgnored: number;
  staleCommandsIgnored: number;
  /** Messages the device wanted to send while it had no open socket. */
  messagesDropped: number;
  joins: number;
  reconnects: number;
}

export interface WaitOptions<T> {
  /** Only messages with `index >= after` count (default: the log length when called — future messages only). */
  after?: number;
  predicate?: (payload: T) => boolean;
  /** Default 10 s. */
  timeoutMs?: number;
}
