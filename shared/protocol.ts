/**
 * Baton protocol v1 — the single source of truth for message names, error codes,
 * close codes, session phases and end reasons.
 *
 * Server, SDK helpers, the TypeScript device simulator and the docs all read these
 * objects; the firmware's C header (`firmware/components/baton_core/include/baton_protocol.h`)
 * is checked against them by a test so the numbers and names cannot drift.
 *
 * Message types are short strings (Colyseus ROOM_DATA frames carry the type as a
 * msgpack string); payloads are msgpack maps. See docs/PROTOCOL.md.
 */

export const PROTOCOL_VERSION = 1 as const;

/** The one room type Baton registers; one room per physical device, roomId = deviceId. */
export const DEVICE_ROOM_NAME = "device" as const;

/**
 * The pool room (issue 13, pools): one per pool in the cluster, roomId = `pool:<name>`. Users
 * join it with `{ pool }` and ask for "any free device of the pool"; devices never join it.
 */
export const POOL_ROOM_NAME = "pool" as const;

/** Messages a user sends to the pool room. */
export const UserToPool = {
  /** `{ sessionType?, input?, releaseOnComplete? }`: give me the first free device of this pool (FIFO among waiters). */
  CLAIM_ANY: "claim_any",
  /** `{}`: stop waiting for this pool. */
  LEAVE_POOL: "leave_pool",
} as const;
export type UserToPoolType = (typeof UserToPool)[keyof typeof UserToPool];

/** Messages the pool room sends to a user. */
export const PoolToUser = {
  /** A request was refused: `{ code, message, request }` (same shape as the device room's). */
  ERROR: "error",
  /** Your place: `{ pool, position, waiting, devices }` — sent to each waiter whenever it changes. */
  POOL_STATUS: "pool_status",
  /** You got a device: `{ pool, deviceId, epoch, sessionType? }` — join that device's room to use it. */
  GRANTED: "granted",
  /** You are no longer waiting: `{ pool, reason, message }` (a PoolExitReason). */
  POOL_LEFT: "pool_left",
} as const;
export type PoolToUserType = (typeof PoolToUser)[keyof typeof PoolToUser];

/** Why a user stopped waiting in a pool without being granted a device (`pool_left.reason`). */
export const PoolExitReason = {
  /** They sent `leave_pool`. */
  LEFT: "left",
  /** Their last connection was gone longer than the reconnect grace. */
  DISCONNECTED: "disconnected",
  /** No device of the pool will ever grant the request: each refused it (unknown session type, invalid input) or could not be asked, or a per-user limit refused the user; the message says why. */
  REFUSED: "refused",
  /** The pool has no registered device any more. */
  NO_DEVICES: "no_devices",
} as const;
export type PoolExitReasonName = (typeof PoolExitReason)[keyof typeof PoolExitReason];

/** Messages a user (spectator or owner) sends to the device room. */
export const UserToRoom = {
  CLAIM: "claim",
  RUN: "run",
  CANCEL: "cancel",
  RELEASE: "release",
  // --- waiting in line (issue 13) ---
  /** `{ sessionType?, input?, releaseOnComplete? }`: wait for the device; the run is checked now and started on accept. */
  ENQUEUE: "enqueue",
  /** `{}`: give up your place (or the offer you hold). */
  LEAVE_QUEUE: "leave_queue",
  /** `{}`: take the device you were offered (starts the queued run, if any). */
  ACCEPT: "accept",
  /** `{}`: pass; the device is offered to the next in line. */
  DECLINE: "decline",
  // --- fair use (issue 13 item 7) ---
  /** `{ byMs? }`: the holder asks for more time (up to BATON_MAX_SESSION_EXTENSION_MS per session in total). */
  EXTEND: "extend",
  // --- results handed over for certain ---
  /**
   * `{ runId }`: this user's client has the result of `runId`. Until it says so, the room sends
   * the result again at every join and reconnect (a result sent into a connection that was
   * dying is not lost). Not answered (no `ok`); clients drop a copy whose run id they have.
   */
  RESULT_ACK: "result_ack",
  // --- passing the baton to a named person (issue 24) ---
  /** `{ to }`: the holder offers the device to user `to`; they have the hand-off window to accept. */
  HAND_OVER: "hand_over",
  /** `{}`: the holder takes back the hand-over they offered. */
  WITHDRAW_HAND_OVER: "withdraw_hand_over",
  /** `{}`: the named user takes the device they were handed (a new session and epoch, theirs). */
  ACCEPT_HAND_OVER: "accept_hand_over",
  /** `{}`: the named user does not take it; the holder keeps the device. */
  DECLINE_HAND_OVER: "decline_hand_over",
} as const;
export type UserToRoomType = (typeof UserToRoom)[keyof typeof UserToRoom];

/** Messages the room sends to a user. */
export const RoomToUser = {
  /** A request was carried out: `{ request, requestId?, epoch, runId? }`. Every user command gets `ok` or `error`. */
  OK: "ok",
  /** A request was refused: `{ code, message, request, requestId? }`. */
  ERROR: "error",
  /** A run finished and this user held the device: `{ runId, sessionType, output }`. */
  RESULT: "result",
  /** A run this user started failed: `{ runId, sessionType, code, message }`. */
  RUN_FAILED: "run_failed",
  /** This user's session ended: `{ deviceId, epoch, reason, message }` (e.g. an admin force-released it). */
  SESSION_ENDED: "session_ended",
  // --- waiting in line (issue 13) ---
  /** "Your turn": `{ deviceId, expiresAt, windowMs, sessionType? }` — accept before `expiresAt` or the next in line gets it. */
  OFFER: "offer",
  /** You are out of the line: `{ deviceId, reason, message }` (a QueueExitReason). */
  QUEUE_LEFT: "queue_left",
  // --- fair use (issue 13 item 7) ---
  /** To the holder, BATON_SESSION_EXPIRY_WARNING_MS before expiry: `{ deviceId, epoch, expiresAt, canExtendMs, message }`. */
  SESSION_EXPIRING: "session_expiring",
  /** To the holder, after `extend`: `{ deviceId, epoch, expiresAt, extendedMs, canExtendMs }`. */
  SESSION_EXTENDED: "session_extended",
  // --- passing the baton to a named person (issue 24) ---
  /** To the named user: `{ deviceId, epoch, from, expiresAt, windowMs }` — `accept_hand_over` before `expiresAt`. */
  HAND_OVER_OFFERED: "hand_over_offered",
  /** To the holder and the named user: the offer is over, `{ deviceId, epoch, reason, message, from, to }` (a HandOverEndReason). */
  HAND_OVER_ENDED: "hand_over_ended",
  // --- live telemetry (issue 24; shared/telemetry.ts) ---
  /** At join: the recent samples of each telemetry channel this user may see (owner-only: the current session's, for its holder). */
  TELEMETRY_RECENT: "telemetry_recent",
  // --- bookings (issue 24 part 3) ---
  /** A booked slot begins soon, to the holder (released at `start` unless they are the booker) and the booker: `{ deviceId, bookingId, start, end, checkInUntil, bookerName, yours, message }`. */
  BOOKING_STARTING: "booking_starting",
} as const;
export type RoomToUserType = (typeof RoomToUser)[keyof typeof RoomToUser];

/** Messages the device sends to its room. Every report about a run carries `epoch` and `runId`. */
export const DeviceToRoom = {
  HELLO: "hello",
  ACCEPTED: "accepted",
  PROGRESS: "progress",
  RESULT: "result",
  FAILED: "failed",
  READY: "ready",
  HEARTBEAT: "heartbeat",
  /** `{ values: { <channel>: value } }`: live telemetry (issue 24). Handled beside the session core, never by it. */
  TELEMETRY: "telemetry",
} as const;
export type DeviceToRoomType = (typeof DeviceToRoom)[keyof typeof DeviceToRoom];

/** Messages the room sends to the device. Every command carries `epoch`. */
export const RoomToDevice = {
  WELCOME: "welcome",
  START: "start",
  CANCEL: "cancel",
  ACK: "ack",
  ERROR: "error",
  /**
   * `{ url, version, sha256 }`: a firmware image is available (an admin asked for it; issue 23).
   * Not answered: the device's next `hello` carries the new `firmware`, or the old one when the
   * update failed or rolled back. The same offer rides in `welcome.update` while it is pending.
   */
  UPDATE: "update",
} as const;
export type RoomToDeviceType = (typeof RoomToDevice)[keyof typeof RoomToDevice];

/** The role a client declares in its join options. Users omit it (they join as spectators). */
export const JoinRole = {
  USER: "user",
  DEVICE: "device",
} as const;
export type JoinRoleName = (typeof JoinRole)[keyof typeof JoinRole];

/**
 * Session phases as spectators see them.
 * - idle: nobody holds the device.
 * - claimed: a holder, no run in flight.
 * - running: a run was sent to the device and has not finished.
 * - completed / failed: the holder's last run finished; the holder still holds the device.
 */
export const Phase = {
  IDLE: "idle",
  CLAIMED: "claimed",
  RUNNING: "running",
  COMPLETED: "completed",
  FAILED: "failed",
} as const;
export type PhaseName = (typeof Phase)[keyof typeof Phase];

/** Why a session ended. Recorded in state (`session.endReason`) and in lifecycle events. */
export const EndReason = {
  /** The owner sent `release`. */
  RELEASED: "released",
  /** A claim with `releaseOnComplete` got its result (or its run failed) and released itself. */
  COMPLETED: "completed",
  /** The owner's last connection dropped and did not come back within the reconnect grace. */
  OWNER_LOST: "owner_lost",
  /** The owner sent nothing for the idle timeout while no run was in flight. */
  IDLE_TIMEOUT: "idle_timeout",
  /** The session reached its maximum length. */
  MAX_DURATION: "max_duration",
  /** The device stayed offline longer than the device grace. */
  DEVICE_LOST: "device_lost",
  /** A one-shot session (`releaseOnComplete`) whose run failed or timed out. */
  RUN_FAILED: "run_failed",
  /** The owner cancelled the run of a one-shot session (`releaseOnComplete`). */
  CANCELLED: "cancelled",
  /** An admin force-released the device. */
  KICKED: "kicked",
  /** The holder handed the device to a named user, who accepted (issue 24): their session follows. */
  HANDED_OVER: "handed_over",
  /** Someone else's booked slot began: the device went to the booker (docs/BOOKINGS.md). */
  BOOKING: "booking",
} as const;
export type EndReasonName = (typeof EndReason)[keyof typeof EndReason];

/** Connection state of the device as spectators see it (seed 001's lifecycle). */
export const DeviceConnection = {
  /** Never connected since the room was created. */
  UNKNOWN: "unknown",
  /** Joined, but has not said `hello` yet. */
  CONNECTING: "connecting",
  /** Connected and idle (no run in flight). */
  IDLE: "idle",
  /** Connected and running a job. */
  ACTIVE: "active",
  /** The socket is gone; the room waits for the device grace period. */
  DISCONNECTED: "disconnected",
  /** The device reported a failure and has not become ready again. */
  ERROR: "error",
} as const;
export type DeviceConnectionName = (typeof DeviceConnection)[keyof typeof DeviceConnection];

/**
 * Whether a device may be granted to anyone new (schema `device.availability`). A session in
 * flight always finishes; these decide what happens after it.
 */
export const DeviceAvailability = {
  /** In rotation. */
  AVAILABLE: "available",
  /** An admin is taking it out of rotation: the current session finishes, nobody new gets it. */
  DRAINED: "drained",
  /** Out of rotation with a reason (an admin, or automatic health checks) until released. */
  QUARANTINED: "quarantined",
  /** It needed a physical reset and did not report `ready` in time (BATON_READY_TIMEOUT_MS). */
  MAINTENANCE: "maintenance",
} as const;
export type DeviceAvailabilityName = (typeof DeviceAvailability)[keyof typeof DeviceAvailability];

/** Why a user left the line for a device (`queue_left.reason`, lifecycle event `queue.left`). */
export const QueueExitReason = {
  /** They accepted the offer and hold the device now. */
  ACCEPTED: "accepted",
  /** They declined the offer. */
  DECLINED: "declined",
  /** The hand-off window passed without an answer. */
  OFFER_EXPIRED: "offer_expired",
  /** They sent `leave_queue`. */
  LEFT: "left",
  /** Their last connection was gone longer than the reconnect grace. */
  DISCONNECTED: "disconnected",
  /** The device was drained, quarantined or put in maintenance; the message says why. */
  DEVICE_UNAVAILABLE: "device_unavailable",
} as const;
export type QueueExitReasonName = (typeof QueueExitReason)[keyof typeof QueueExitReason];

/** How a hand-over offer to a named user ended (`hand_over_ended.reason`, issue 24). */
export const HandOverEndReason = {
  /** The named user accepted: the device is theirs (a new session, the next epoch). */
  ACCEPTED: "accepted",
  /** The named user declined; the holder keeps the device. */
  DECLINED: "declined",
  /** The holder withdrew the offer. */
  WITHDRAWN: "withdrawn",
  /** The hand-off window passed without an answer. */
  EXPIRED: "expired",
  /** The holder's session ended, the holder left, or the device was taken out of rotation. */
  CANCELLED: "cancelled",
} as const;
export type HandOverEndReasonName = (typeof HandOverEndReason)[keyof typeof HandOverEndReason];

/**
 * Every error a user or device can receive, with the sentence that explains it.
 * Codes are stable and never reused. docs/ERRORS.md documents each one (a test checks).
 */
export const ErrorCode = {
  // --- join (returned by HTTP matchmaking; the body's `error` starts with the code) ---
  UNAUTHORIZED: "UNAUTHORIZED",
  UNKNOWN_DEVICE: "UNKNOWN_DEVICE",
  DEVICE_ALREADY_CONNECTED: "DEVICE_ALREADY_CONNECTED",
  ROOM_FULL: "ROOM_FULL",
  /** A matchmaking method a device room does not serve (`create`; `join`/`reconnect` by a device). */
  METHOD_NOT_ALLOWED: "METHOD_NOT_ALLOWED",
  /** The join options name another device than the room in the URL (`joinById`). */
  WRONG_ROOM: "WRONG_ROOM",
  /** A second room for a device was refused: its room already exists (in this or another process). */
  DEVICE_ROOM_EXISTS: "DEVICE_ROOM_EXISTS",
  /** Too many secret checks are waiting; the join was refused before any hashing. */
  SERVER_BUSY: "SERVER_BUSY",
  // --- session rules (room → user) ---
  DEVICE_BUSY: "DEVICE_BUSY",
  ALREADY_HOLDER: "ALREADY_HOLDER",
  NOT_OWNER: "NOT_OWNER",
  NO_RUN: "NO_RUN",
  RUN_IN_PROGRESS: "RUN_IN_PROGRESS",
  DEVICE_OFFLINE: "DEVICE_OFFLINE",
  UNKNOWN_SESSION_TYPE: "UNKNOWN_SESSION_TYPE",
  INVALID_INPUT: "INVALID_INPUT",
  // --- message edge (room → user or device) ---
  INVALID_MESSAGE: "INVALID_MESSAGE",
  UNKNOWN_MESSAGE: "UNKNOWN_MESSAGE",
  FORBIDDEN_MESSAGE: "FORBIDDEN_MESSAGE",
  RATE_LIMITED: "RATE_LIMITED",
  // --- device reports (room → device) ---
  STALE_EPOCH: "STALE_EPOCH",
  UNKNOWN_RUN: "UNKNOWN_RUN",
  INVALID_CAPABILITIES: "INVALID_CAPABILITIES",
  // --- HTTP routes ---
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  INTERNAL_ERROR: "INTERNAL_ERROR",
  /** A valid token without the role the route needs (admin routes; another user's inputs and outputs). */
  FORBIDDEN: "FORBIDDEN",
  /** The session or run named in the URL does not exist. */
  NOT_FOUND: "NOT_FOUND",
  /** Registering a device whose id is already taken. */
  DEVICE_EXISTS: "DEVICE_EXISTS",
  // --- queue, hand-off, readiness, availability (issue 13) ---
  /** The device's line is as long as BATON_MAX_QUEUE_LENGTH allows. */
  QUEUE_FULL: "QUEUE_FULL",
  /** This user already waits for this device (one place per user). */
  ALREADY_QUEUED: "ALREADY_QUEUED",
  /** `leave_queue` from someone who is not waiting. */
  NOT_QUEUED: "NOT_QUEUED",
  /** `accept` / `decline` without an open offer for this user. */
  NO_OFFER: "NO_OFFER",
  /** The device is free but offered to the first in line for the hand-off window. */
  HANDOFF_PENDING: "HANDOFF_PENDING",
  /** The device owes a `ready` (physical reset after the last session) before anyone new may have it. */
  DEVICE_NOT_READY: "DEVICE_NOT_READY",
  /** The device is drained, quarantined or in maintenance; the message gives the reason. */
  DEVICE_UNAVAILABLE: "DEVICE_UNAVAILABLE",
  /** The device is disabled in the registry (`device disable`): nobody may claim it or queue for it. */
  DEVICE_DISABLED: "DEVICE_DISABLED",
  // --- fair use (issue 13 item 7) ---
  /** `extend` refused: no expiry to move, extensions off, the allowance used up, or the daily quota reached. */
  EXTENSION_REFUSED: "EXTENSION_REFUSED",
  /** The user already holds BATON_MAX_DEVICES_PER_USER devices (across the cluster). */
  USER_DEVICE_LIMIT: "USER_DEVICE_LIMIT",
  /** The user already waits in BATON_MAX_QUEUE_ENTRIES_PER_USER lines (across the cluster). */
  USER_QUEUE_LIMIT: "USER_QUEUE_LIMIT",
  /** The user's session minutes for this kind of device are used up until midnight UTC. */
  DAILY_QUOTA_EXHAUSTED: "DAILY_QUOTA_EXHAUSTED",
  // --- passing the baton to a named person (issue 24) ---
  /** `hand_over` refused (to yourself, one already open) or `accept_hand_over` refused (a run still in flight). */
  HAND_OVER_REFUSED: "HAND_OVER_REFUSED",
  /** `accept_hand_over`, `decline_hand_over` or `withdraw_hand_over` without an open hand-over for this user. */
  NO_HAND_OVER: "NO_HAND_OVER",
  // --- pools (issue 13) ---
  /** The pool room names no pool that any registered device belongs to. */
  UNKNOWN_POOL: "UNKNOWN_POOL",
  /** A second room for a pool was refused: its room already exists (in this or another process). */
  POOL_ROOM_EXISTS: "POOL_ROOM_EXISTS",
  // --- bookings (issue 24 part 3) ---
  /** A booking request outside the device kind's rules: too long, too short, in the past, too far ahead. */
  BOOKING_INVALID: "BOOKING_INVALID",
  /** The slot overlaps another booking of the same device. */
  BOOKING_CONFLICT: "BOOKING_CONFLICT",
  /** The booking would take the user past the weekly hours of this kind of device. */
  BOOKING_QUOTA: "BOOKING_QUOTA",
  /** The user already holds as many upcoming bookings of this kind of device as one user may. */
  BOOKING_LIMIT: "BOOKING_LIMIT",
  /** The user missed too many booked slots recently and may not book this kind of device for now. */
  BOOKING_NO_SHOWS: "BOOKING_NO_SHOWS",
  /** The booking named does not exist, or is not the caller's. */
  BOOKING_NOT_FOUND: "BOOKING_NOT_FOUND",
  /** The booking cannot be cancelled: it has started, ended, or was cancelled already. */
  BOOKING_CLOSED: "BOOKING_CLOSED",
  /** The device is booked for someone else now (their check-in window or their slot). */
  DEVICE_BOOKED: "DEVICE_BOOKED",
  // --- run failure codes (carried in run_failed / session.failureCode) ---
  RUN_TIMEOUT: "RUN_TIMEOUT",
  CANCELLED: "CANCELLED",
  DEVICE_FAILED: "DEVICE_FAILED",
  /** Reported by a device: there was nothing to measure before its wait ended (a scale nobody stepped on). */
  NOTHING_TO_MEASURE: "NOTHING_TO_MEASURE",
  /** Reported by a device: its instrument hardware does not answer (e.g. the scale's HX711 is missing). */
  INSTRUMENT_FAULT: "INSTRUMENT_FAULT",
} as const;
export type ErrorCodeName = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Payload of every `error` message. `request` echoes the message type that was refused. */
export interface ErrorPayload {
  code: ErrorCodeName;
  message: string;
  request: string;
  /** The refused user command's `requestId`, when it carried one. */
  requestId?: string;
}

/** Colyseus close codes Baton uses when it ends a connection itself (4000–4999 is the application range). */
export const BatonCloseCode = {
  /** A second socket authenticated as the same device replaced this one. */
  DEVICE_REPLACED: 4101,
  /** The device was removed from the registry. */
  DEVICE_REVOKED: 4102,
  /** The device sent nothing (not even a heartbeat) for the silence timeout while a session was in flight. */
  DEVICE_SILENT: 4103,
  /** The connection did not read what the server sent it and its outgoing buffer passed the limit. */
  SLOW_CONSUMER: 4104,
} as const;
export type BatonCloseCodeValue = (typeof BatonCloseCode)[keyof typeof BatonCloseCode];
