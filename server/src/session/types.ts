/**
 * Types of the pure session core. Nothing here knows about Colyseus, sockets or schema:
 * the core is `(state, command, context) → { state, effects } | rejection`.
 */
import type { DeviceAvailabilityName, EndReasonName, ErrorValue, HandOverEndReasonName, PhaseName, DeviceConnectionName, QueueExitReasonName } from "@baton/protocol";
import type { RoomToDevicePayload, SessionTypeSpec } from "@baton/protocol";

export type Json = Record<string, unknown>;

/** Who a late result belongs to, and why it is late (how its run ended: RUN_TIMEOUT, CANCELLED, …). */
export interface LateOwner {
  userId: string;
  sessionType: string;
  /** The failure code the run ended with. */
  ended: string;
}

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
  /** How long the first in line has to accept the device once it is offered to them (session/handoff.ts). */
  handoffWindowMs: number;
  /**
   * A device that needs a physical reset and has not sent `ready` this long after its session
   * ended goes to maintenance (0 = wait for ever). See session/readiness.ts.
   */
  readyTimeoutMs: number;
  /**
   * Fair use (session/lease.ts): the holder is warned this long before the session expires
   * (`session_expiring`), once per expiry (0 or absent = no warning).
   */
  sessionExpiryWarningMs?: number;
  /** Fair use: the most a holder may add to one session with `extend`, in total (0 or absent = no extension). */
  maxSessionExtensionMs?: number;
}

/** Limits of the queue and of automatic health checks (not timers). Defaults in session/rules.ts. */
export interface SessionRules {
  /** Users waiting for one device at most; one more gets QUEUE_FULL. */
  maxQueueLength: number;
  /** Failed runs in a row after which the device is quarantined automatically (0 = never). */
  quarantineAfterFailures: number;
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
  /** Fair use (session/lease.ts): how much `extend` has added to this session so far (absent = 0). */
  extendedMs?: number;
  /** The `expiresAt` the holder was last warned about (absent = not warned); a new expiry warns again. */
  warnedFor?: number;
  /** When the holder's daily quota runs out (absent or 0 = no cap): the session never outlives it. */
  quotaUntil?: number;
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
  /** Declared in `hello`: every run leaves the hardware needing a physical reset before the next holder. */
  needsReset?: boolean;
}

/** One user waiting for the device, with what they want to run once it is theirs. */
export interface QueueEntry {
  user: UserRef;
  enqueuedAt: number;
  /** The run to start when the user accepts the hand-off; checked against the declaration at enqueue time. */
  sessionType?: string;
  input?: Json;
  releaseOnComplete?: boolean;
  /** When the user's last connection dropped (0 = connected); the place is kept for the owner reconnect grace. */
  lostAt: number;
}

/** The device offered to the first in line: nobody else may take it until `expiresAt`. */
export interface HandoffOffer {
  entry: QueueEntry;
  offeredAt: number;
  expiresAt: number;
}

/**
 * The holder offers the device they hold to a named user (session/handover.ts): the holder
 * keeps it until the named user accepts. Tied to the session that offered it (`epoch`).
 */
export interface HandoverOffer {
  from: UserRef;
  /** `name` is what the room knew of the user when offered ("" if they were not present). */
  to: UserRef;
  /** The epoch of the holder's session: the offer never outlives it. */
  epoch: number;
  offeredAt: number;
  expiresAt: number;
}

export type AvailabilityStatus = DeviceAvailabilityName;

/** Whether the device may be granted to anyone new, and why not (session/availability.ts). */
export interface Availability {
  status: AvailabilityStatus;
  /** A sentence for people: the admin's reason, or what the core saw ("3 failed runs in a row"). */
  reason: string;
  since: number;
  /** Who decided: an admin's user id, or "health" / "readiness" when the core did. */
  by: string;
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
  /** Users waiting, first in line first (the one holding an open offer is in `offer`, not here). */
  queue: QueueEntry[];
  offer: HandoffOffer | null;
  /**
   * When the device began to owe a `ready` (a run ended on a device that needs a reset); 0 =
   * ready. Nobody new is granted the device while it is owed.
   */
  awaitingReadySince: number;
  availability: Availability;
  /** Failed runs in a row (health checks count too); a completed run resets it. */
  consecutiveFailures: number;
  /**
   * The registry says the device is disabled (or was removed): nobody may claim it, queue
   * for it or be handed it, whatever its availability (absent = enabled). The room reports
   * the registry's current state (rooms/device/DeviceRoom.ts, auth/revocations.ts).
   */
  disabled?: boolean;
  /** The holder's open offer of the device to a named user (session/handover.ts); absent or null = none. */
  handover?: HandoverOffer | null;
  /**
   * Booked slots the room loaded from the store, earliest first (session/bookings/schedule.ts;
   * absent = none). Only slots that have not ended, and only a short horizon ahead.
   */
  bookings?: BookedSlot[];
}

/** A booked slot as the core knows it (issue 24 part 3; the store's record is ports/bookings.ts). */
export interface BookedSlot {
  bookingId: string;
  /** The booker. */
  user: UserRef;
  /** [start, end), ms since the Unix epoch. */
  start: number;
  end: number;
  /** The check-in window ends here (the kind's window after `start`, never past `end`). */
  checkInUntil: number;
  /** The holder (and the booker) are warned here (`start` less the kind's warning; `start` when none). */
  warnAt: number;
  /** The booker claimed the device in the window (or held it at `start`): the slot is theirs to `end`. */
  checkedIn: boolean;
  /** `bookingStarting` was sent. */
  warned: boolean;
}

/**
 * A port the core is given: checks a run's `input` against the session type the device
 * declared, and returns a readable reason, or null when it is valid. The core does not know
 * how (the server's JSON-schema validator is rooms/edge/inputValidation.ts, wired by app.ts;
 * tests use `validateRequiredKeys` from testing.ts).
 */
export type InputValidator = (sessionType: SessionTypeSpec, input: Json) => string | null;

/** What the core needs from the outside world. Injected so tests drive time and ids. */
export interface CoreContext {
  now: number;
  newRunId: () => string;
  timers: SessionTimers;
  /** The input-validation port (see `InputValidator`). */
  validateInput: InputValidator;
  /** Queue and health limits; DEFAULT_RULES when absent. */
  rules?: SessionRules;
}

// ---------------------------------------------------------------- commands
export type Command =
  /**
   * `result_ack`: the owner's client has result `runId`. No rule changes; the effect runner
   * records the hand-over (only for the result's own owner), so it is not sent again.
   */
  | { type: "acknowledgeResult"; user: UserRef; runId: string }
  /** `admin`: the claimant has the admin role (may claim a quarantined device to run its health check). */
  | { type: "claim"; user: UserRef; sessionType?: string; input?: Json; releaseOnComplete?: boolean; admin?: boolean }
  | { type: "run"; user: UserRef; sessionType: string; input: Json }
  | { type: "cancel"; user: UserRef }
  | { type: "release"; user: UserRef }
  /** An admin takes the device back; `by` and `reason` are told to the holder and recorded. */
  | { type: "forceRelease"; by: UserRef; reason: string }
  | { type: "ownerDisconnected"; userId: string }
  | { type: "ownerReconnected"; userId: string }
  | { type: "deviceConnected" }
  /** `knownEpoch`: the highest epoch the device has seen (its `hello.epoch`), when it says. */
  | { type: "deviceHello"; firmware: string; sessionTypes: SessionTypeSpec[]; knownEpoch?: number; needsReset?: boolean }
  | { type: "deviceDisconnected" }
  | { type: "deviceAccepted"; epoch: number; runId: string }
  | { type: "deviceProgress"; epoch: number; runId: string; progress: number; message?: string }
  | { type: "deviceResult"; epoch: number; runId: string; output: Json }
  | { type: "deviceFailed"; epoch: number; runId: string; code: string; message: string }
  | { type: "deviceReady" }
  | { type: "deviceHeartbeat" }
  | { type: "tick" }
  /**
   * The registry's current state of the device, as the room reads it (at creation and at
   * every registry poll). Disabling ends a session in flight and empties the line.
   */
  | { type: "registryState"; disabled: boolean }
  | QueueCommand
  | AvailabilityCommand
  | LeaseCommand
  | HandoverCommand
  | BookingCommand;

/** Bookings (session/bookings/schedule.ts): the room hands the core the device's slots it read from the store. */
export type BookingCommand = { type: "bookingsLoaded"; slots: BookedSlot[] };

/** Passing the device to a named user (session/handover.ts). */
export type HandoverCommand =
  /** The holder offers the device to `to` for the hand-off window. */
  | { type: "offerHandover"; user: UserRef; to: UserRef }
  | { type: "withdrawHandover"; user: UserRef }
  /** The named user takes the device: a new session (and epoch) of their own. */
  | { type: "acceptHandover"; user: UserRef }
  | { type: "declineHandover"; user: UserRef };

/** Fair use of one session (session/lease.ts). */
export type LeaseCommand =
  /** The holder asks for more time: `byMs` (default: all that is left of the allowance). */
  | { type: "extend"; user: UserRef; byMs?: number }
  /**
   * The room applies this right after a grant when a daily quota applies: the session ends
   * no later than `until` (when the user's minutes for the day run out), extensions included.
   */
  | { type: "capSession"; userId: string; until: number };

/** Waiting in line and the hand-off (session/queue.ts, session/handoff.ts). */
export type QueueCommand =
  | { type: "enqueue"; user: UserRef; sessionType?: string; input?: Json; releaseOnComplete?: boolean }
  | { type: "leaveQueue"; user: UserRef }
  /** The offered user takes the device (and starts the queued run, if one was given). */
  | { type: "acceptOffer"; user: UserRef }
  | { type: "declineOffer"; user: UserRef };

/** Admin decisions about the device itself (session/availability.ts). */
export type AvailabilityCommand =
  /** The current session finishes; nobody new is granted the device; the queue is told. */
  | { type: "drain"; by: UserRef; reason: string }
  /** Out of rotation with a reason until released. */
  | { type: "quarantine"; by: UserRef; reason: string }
  /** Back into rotation (from drained, quarantined or maintenance). */
  | { type: "returnToService"; by: UserRef; reason: string };

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
  /** The owner acknowledged result `runId` (`result_ack`): mark it handed over, if it is theirs and still pending. */
  | { type: "resultAcknowledged"; userId: string; runId: string }
  | { type: "deliverFailure"; userId: string; runId: string; sessionType: string; code: string; message: string }
  /**
   * A device result no run in flight may be credited with (`reason`: STALE_EPOCH or
   * UNKNOWN_RUN). It is *late*, not orphaned, when its epoch names a holder: `owner` is set
   * when the core itself knows them (the run ended earlier in the current session); for an
   * earlier epoch the effect runner asks the store's history. Only a result whose epoch
   * names nobody is recorded as an orphan.
   */
  | { type: "orphanedResult"; epoch: number; runId: string; reason: string; output: Json; owner?: LateOwner }
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
  /**
   * A `hello` named an epoch more than MAX_HELLO_EPOCH_RAISE above this state's (or above
   * MAX_EPOCH): not raised; the adapter logs and counts it for an operator.
   */
  | { type: "epochAnomaly"; claimed: number; current: number; allowed: number }
  | { type: "deviceOnline" }
  | { type: "deviceOffline" }
  /** The device went silent past `deviceSilenceTimeoutMs`: close its socket so it reconnects. */
  | { type: "disconnectDevice"; reason: string }
  | { type: "deviceError"; code: string; message: string }
  | QueueEffect
  | LeaseEffect
  | HandoverEffect
  | BookingEffect;

/** What a booked slot asks of the adapter (session/bookings/schedule.ts). */
export type BookingEffect =
  /** The slot begins soon: `holder` (someone else holding the device now, or null) will be released at `start`; webhook `booking.starting`. */
  | { type: "bookingStarting"; bookingId: string; booker: UserRef; start: number; end: number; checkInUntil: number; holder: UserRef | null }
  /** The booker checked in (claimed in the window, or held the device at the start): record it. */
  | { type: "bookingCheckedIn"; bookingId: string; booker: UserRef; start: number; end: number }
  /**
   * The window passed without a check-in: the slot went to the line. `counted`: the device
   * could have been claimed (online, in service, ready), so the miss is the booker's — a
   * no-show (webhook `booking.no_show`); otherwise it is recorded as cancelled.
   */
  | { type: "bookingLapsed"; bookingId: string; booker: UserRef; start: number; end: number; counted: boolean };

/** What a hand-over to a named user asks of the adapter (session/handover.ts). */
export type HandoverEffect =
  /** Tell `to` the device is theirs to accept until `expiresAt`. */
  | { type: "handoverOffered"; from: UserRef; to: UserRef; epoch: number; expiresAt: number; windowMs: number }
  /** The offer is over (both are told); on `accepted` the sessions have changed hands in the same transition. */
  | { type: "handoverEnded"; from: UserRef; to: UserRef; epoch: number; reason: HandOverEndReasonName; message: string }
  /** The device passed from `from` (session `fromEpoch`) to `to` (session `epoch`): the audit log records it. */
  | { type: "handedOver"; from: UserRef; to: UserRef; fromEpoch: number; epoch: number };

/** What the fair-use rules of one session ask of the adapter (session/lease.ts). */
export type LeaseEffect =
  /** The holder's session ends at `expiresAt` unless extended: warn them (message + lifecycle event). */
  | { type: "sessionExpiring"; holder: UserRef; epoch: number; expiresAt: number; canExtendMs: number }
  | { type: "sessionExtended"; holder: UserRef; epoch: number; expiresAt: number; extendedMs: number; canExtendMs: number };

/**
 * What the queue, the hand-off, readiness and availability rules ask of the adapter. Kept
 * apart from the session's effects so the two families evolve separately.
 */
export type QueueEffect =
  | { type: "queueJoined"; user: UserRef; position: number }
  /** A user is out of the line for `reason` (accepted, declined, offer_expired, left, disconnected, device_unavailable). */
  | { type: "queueLeft"; user: UserRef; reason: QueueExitReasonName; message: string }
  /** "Your turn": the device is offered to `user` until `expiresAt`. */
  | { type: "handoffOffered"; user: UserRef; expiresAt: number; windowMs: number }
  /** The offer was taken back without the user's doing (device offline); they stay first in line. */
  | { type: "handoffWithdrawn"; user: UserRef; message: string }
  /** The device now owes a `ready` (physical reset) before anyone new may have it. */
  | { type: "deviceNotReady"; since: number }
  | { type: "deviceReadyAgain"; waitedMs: number }
  /** Drained / quarantined / maintenance / available: who decided and why. */
  | { type: "availabilityChanged"; availability: Availability; previous: AvailabilityStatus };

/**
 * A refused command as a value: the code and the parameters of its sentence, which the error
 * table in @baton/protocol renders (`errorSentence`). Build one with `rejection()`
 * (rejection.ts); the rooms render it with `errorSentence` where they send it.
 */
export type Rejection = ErrorValue;

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
