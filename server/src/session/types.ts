/**
 * Types of the pure session core. Nothing here knows about Colyseus, sockets or schema:
 * the core is `(state, command, context) → { state, effects } | rejection`.
 */
import type { EndReasonName, ErrorCodeName, PhaseName, DeviceConnectionName } from "@baton/protocol";
import type { RoomToDevicePayload, SessionTypeSpec } from "@baton/protocol";

export type Json = Record<string, unknown>;

/** A user as the core knows it: id from the JWT `sub`, display name for "held by …". */
export interface UserRef {
  userId: string;
  name: string;
}

/** Timer settings, all in milliseconds. `0` disables a timer where noted. */
export interface SessionTimers {
  /** How long the session waits for the owner's last connection to come back. */
  ownerReconnectGraceMs: number;
  /** No owner command for this long while nothing runs ends the session (0 = off). */
  ownerIdleTimeoutMs: number;
  /** Hard cap on a session's length, whatever happens (0 = off). */
  maxSessionMs: number;
  /** Default gap allowed between two progress reports of a run, when the device declares none. */
  runStepTimeoutMs: number;
  /** How long a disconnected device keeps its session (and epoch) before it ends with device_lost. */
  deviceGraceMs: number;
  /**
   * A connected device that sends nothing (not even a heartbeat) for this long is taken as
   * hung and disconnected (0 = off). Catches firmware that froze while its TCP stack still
   * answers WebSocket pings.
   */
  deviceSilenceTimeoutMs: number;
  /** Maximum session length per session type, overriding `maxSessionMs` once a run of that type starts. */
  maxSessionMsByType: Record<string, number>;
}

export interface RunState {
  runId: string;
  sessionType: string;
  input: Json;
  startedAt: number;
  /** The run fails with RUN_TIMEOUT at this time, whatever progress says (declared maxDurationMs). */
  hardDeadline: number;
  /** Reset by each progress report; the run fails with RUN_TIMEOUT when it passes. */
  stepDeadline: number;
  accepted: boolean;
  progress: number;
  progressMessage: string;
}

/** The outcome of the holder's last finished run, kept until the next run or the end of the session. */
export interface LastRun {
  runId: string;
  sessionType: string;
  input: Json;
  ok: boolean;
  output: Json | null;
  failureCode: string;
  failureMessage: string;
}

export interface SessionRecord {
  holder: UserRef;
  startedAt: number;
  lastActivity: number;
  /** 0 = no cap. */
  expiresAt: number;
  releaseOnComplete: boolean;
  /** Owner's last connection dropped at this time (0 = connected). */
  ownerLostAt: number;
  run: RunState | null;
  lastRun: LastRun | null;
}

export interface DeviceRecord {
  online: boolean;
  /** When the device last sent anything (any report or heartbeat). */
  lastSeenAt: number;
  /** When `online` last changed. */
  since: number;
  connection: DeviceConnectionName;
  firmware: string;
  sessionTypes: SessionTypeSpec[];
}

export interface CoreState {
  deviceId: string;
  /** Incremented each time a new holder takes the device; never decreases. */
  epoch: number;
  device: DeviceRecord;
  session: SessionRecord | null;
  /** Why the previous session ended ("" before the first one). */
  lastEndReason: EndReasonName | "";
  /**
   * Run ids whose result was accepted (or recorded as orphaned) recently, so a re-sent result
   * is acknowledged, not credited or counted twice. Bounded: only the latest few are kept.
   */
  recentlyCompletedRunIds: string[];
  /** Count of device results refused as stale or foreign and recorded as orphaned (other refused reports are not counted). */
  orphanedResults: number;
}

/** What the core needs from the outside world. Injected so tests drive time and ids. */
export interface CoreContext {
  now: number;
  newRunId: () => string;
  timers: SessionTimers;
  /** Validates `input` against the declared session type; returns a readable reason or null. */
  validateInput: (sessionType: SessionTypeSpec, input: Json) => string | null;
}

// ---------------------------------------------------------------- commands
export type Command =
  | { type: "claim"; user: UserRef; sessionType?: string; input?: Json; releaseOnComplete?: boolean }
  | { type: "run"; user: UserRef; sessionType: string; input: Json }
  | { type: "cancel"; user: UserRef }
  | { type: "release"; user: UserRef }
  /** An admin takes the device back; `by` and `reason` are told to the holder and recorded. */
  | { type: "forceRelease"; by: UserRef; reason: string }
  | { type: "ownerDisconnected"; userId: string }
  | { type: "ownerReconnected"; userId: string }
  | { type: "deviceConnected" }
  /** `knownEpoch`: the highest epoch the device has seen (its `hello.epoch`), when it says. */
  | { type: "deviceHello"; firmware: string; sessionTypes: SessionTypeSpec[]; knownEpoch?: number }
  | { type: "deviceDisconnected" }
  | { type: "deviceAccepted"; epoch: number; runId: string }
  | { type: "deviceProgress"; epoch: number; runId: string; progress: number; message?: string }
  | { type: "deviceResult"; epoch: number; runId: string; output: Json }
  | { type: "deviceFailed"; epoch: number; runId: string; code: string; message: string }
  | { type: "deviceReady" }
  | { type: "deviceHeartbeat" }
  | { type: "tick" };

// ---------------------------------------------------------------- effects
/** The messages the core sends the device (the room itself sends `error`). */
export type CoreDeviceMessage = "welcome" | "start" | "cancel" | "ack";
/**
 * One message to the device, its payload typed by the shared schema of its name
 * (`RoomToDevicePayloads` in @baton/protocol): a wrong payload does not compile.
 */
export type SendToDevice = { [M in CoreDeviceMessage]: { type: "sendToDevice"; message: M; payload: RoomToDevicePayload[M] } }[CoreDeviceMessage];

/** What the adapter must do after a transition, in order. */
export type Effect =
  | SendToDevice
  /** Deliver a finished run to its holder (every connection of that user). */
  | { type: "deliverResult"; userId: string; runId: string; sessionType: string; output: Json; epoch: number }
  | { type: "deliverFailure"; userId: string; runId: string; sessionType: string; code: string; message: string }
  /** Record a device result that no current holder may be credited with. */
  | { type: "orphanedResult"; epoch: number; runId: string; reason: string; output: Json }
  | { type: "sessionStarted"; holder: UserRef; epoch: number }
  /** `by`/`note`: who ended it and why, when someone other than the holder did (force-release). */
  | { type: "sessionEnded"; holder: UserRef; epoch: number; reason: EndReasonName; by?: UserRef; note?: string }
  | { type: "runStarted"; runId: string; sessionType: string; epoch: number; userId: string; input: Json }
  | { type: "runCompleted"; runId: string; sessionType: string; epoch: number; durationMs: number }
  | { type: "runFailed"; runId: string; sessionType: string; epoch: number; code: string; message: string }
  /**
   * The device has seen a higher epoch than this state holds: the store was wiped or restored
   * from an old backup. The epoch was raised past it, so the device accepts the welcome.
   */
  | { type: "epochRaised"; from: number; to: number }
  | { type: "deviceOnline" }
  | { type: "deviceOffline" }
  /** The device went silent past `deviceSilenceTimeoutMs`: close its socket so it reconnects. */
  | { type: "disconnectDevice"; reason: string }
  | { type: "deviceError"; code: string; message: string };

export interface Rejection {
  code: ErrorCodeName;
  message: string;
}

/**
 * The result of one command: the next state, the effects to carry out in order, and, when
 * the command was refused, the rejection to answer with. A refused command may still have
 * effects (an orphaned result is recorded and acknowledged, then refused).
 */
export interface Outcome {
  state: CoreState;
  effects: Effect[];
  rejection?: Rejection;
}

export type { PhaseName, EndReasonName, SessionTypeSpec };
