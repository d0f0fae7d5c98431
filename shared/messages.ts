/**
 * The shape of every message payload, as zod schemas. The room validates each incoming
 * payload against its schema at the edge (a mismatch is answered with INVALID_MESSAGE,
 * never a kick), and the TypeScript types of clients are inferred from the same schemas,
 * so the wire contract is written exactly once.
 */
import { z } from "zod";
import {
  DeviceToRoom, EndReason, ErrorCode, HandOverEndReason, Phase, RoomToDevice, RoomToUser, UserToPool, UserToRoom,
  type EndReasonName, type ErrorCodeName, type HandOverEndReasonName, type PhaseName, type RoomToDeviceType, type RoomToUserType, type UserToRoomType,
} from "./protocol.ts";
import { JsonLimits, jsonObject, jsonObjectWithin } from "./jsonValue.ts";
import { TelemetryDeclarations, TelemetryPayload, TelemetryRecentPayload } from "./telemetry.ts";

/** Upper bounds that keep a single message cheap to handle. */
export const Limits = {
  /** Session type names: short identifiers. */
  sessionTypeName: 64,
  /** Declared session types per device. */
  sessionTypesPerDevice: 32,
  /** Human-readable strings from devices (progress messages, failure messages, firmware). */
  shortText: 256,
  /** Run ids are server-chosen; anything longer is not ours. */
  runId: 64,
  /** A firmware image's URL (the firmware's BATON_OTA_URL_MAX). */
  updateUrl: 256,
  /** A firmware version (esp_app_desc_t.version holds 31 characters; BATON_OTA_VERSION_MAX). */
  firmwareVersion: 31,
  /** A reported free stack, in bytes (1 MiB: more than any task has). */
  stackBytes: 1 << 20,
} as const;

/**
 * The display keywords a declared schema's properties may carry beside `title` and
 * `description` (PROTOCOL.md §5.3.1): `x-unit`, a unit of 1 to `unitLength` characters, and
 * `x-decimals`, a whole number 0 to `maxDecimals`. The server refuses a `hello` that breaks
 * them; the SDK's `describeOutput` ignores a value that breaks them.
 */
export const DisplayKeywordLimits = {
  unitLength: 32,
  maxDecimals: 10,
} as const;

/**
 * The longest run a device may declare (7 days). Devices also read a start's `deadlineMs` at
 * or below it as a duration and a larger one as a server timestamp; the firmware's
 * MAX_RELATIVE_BUDGET_MS is checked against it (test/contract/deviceLimits.test.ts).
 */
export const MAX_DURATION_MS = 7 * 24 * 3600 * 1000;

const epoch = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const runId = z.string().min(1).max(Limits.runId);
const sessionTypeName = z.string().min(1).max(Limits.sessionTypeName).regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, '_', '.', '-' only");
// Inputs, outputs and declared schemas are plain JSON objects (shared/jsonValue.ts: no BigInt,
// binary, Date, undefined or non-finite number, bounded depth); an input's content is then
// checked against the device's declared schema.
/**
 * A declared `inputSchema`: plain JSON too, but its depth is left to the declared-schema
 * limits (server rooms/edge/declaredSchemaLimits.ts: 32 levels, refused with INVALID_CAPABILITIES
 * and a sentence); the walk here is iterative and bounded by its value count.
 */
const declaredSchema = jsonObjectWithin({ depth: Number.MAX_SAFE_INTEGER, values: JsonLimits.values });

// ---------------------------------------------------------------- user → room
/**
 * Optional on every user command: a caller's own id for the request, echoed in the room's
 * answer (`ok` or `error`), so a client with several requests in flight pairs each answer
 * with its request.
 */
export const RequestId = z.string().min(1).max(64);
export const ClaimPayload = z.strictObject({
  sessionType: sessionTypeName.optional(),
  input: jsonObject.optional(),
  releaseOnComplete: z.boolean().optional(),
  requestId: RequestId.optional(),
});
export const RunPayload = z.strictObject({ sessionType: sessionTypeName, input: jsonObject.default({}), requestId: RequestId.optional() });
/** `cancel` and `release` carry nothing but, optionally, a request id. */
const NoArguments = z.union([z.strictObject({ requestId: RequestId.optional() }), z.undefined(), z.null()]);
export const CancelPayload = NoArguments;
export const ReleasePayload = NoArguments;

// Waiting in line (issue 13): the run wanted is declared at enqueue time and checked then.
export const EnqueuePayload = ClaimPayload;
export const LeaveQueuePayload = NoArguments;
export const AcceptPayload = NoArguments;
export const DeclinePayload = NoArguments;
// Fair use (issue 13 item 7): more time for the session; the server caps it at what is left of the allowance.
export const ExtendPayload = z.union([z.strictObject({ byMs: z.number().int().positive().max(MAX_DURATION_MS).optional(), requestId: RequestId.optional() }), z.undefined(), z.null()]);

// Passing the baton to a named person (issue 24): the holder names the recipient by user id
// (the JWT `sub` they join with); the other three carry nothing but a request id.
/** A user id as tokens carry it (`sub`: 1–128 characters, server/src/auth/userTokens.ts). */
export const UserIdField = z.string().min(1).max(128);
export const HandOverPayload = z.strictObject({ to: UserIdField, requestId: RequestId.optional() });
export const WithdrawHandOverPayload = NoArguments;
export const AcceptHandOverPayload = NoArguments;
export const DeclineHandOverPayload = NoArguments;

/** `result_ack`: the client has this run's result; the room stops re-sending it. */
export const ResultAckPayload = z.strictObject({ runId });

export const UserPayloads = {
  [UserToRoom.CLAIM]: ClaimPayload,
  [UserToRoom.RUN]: RunPayload,
  [UserToRoom.CANCEL]: CancelPayload,
  [UserToRoom.RELEASE]: ReleasePayload,
  [UserToRoom.ENQUEUE]: EnqueuePayload,
  [UserToRoom.LEAVE_QUEUE]: LeaveQueuePayload,
  [UserToRoom.ACCEPT]: AcceptPayload,
  [UserToRoom.DECLINE]: DeclinePayload,
  [UserToRoom.EXTEND]: ExtendPayload,
  [UserToRoom.RESULT_ACK]: ResultAckPayload,
  [UserToRoom.HAND_OVER]: HandOverPayload,
  [UserToRoom.WITHDRAW_HAND_OVER]: WithdrawHandOverPayload,
  [UserToRoom.ACCEPT_HAND_OVER]: AcceptHandOverPayload,
  [UserToRoom.DECLINE_HAND_OVER]: DeclineHandOverPayload,
} as const;

// ---------------------------------------------------------------- user → pool room (issue 13, pools)
/** A pool name in join options: the device-id alphabet (a `kind` with other characters needs an explicit pool name). */
export const PoolName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "pool names are 1–64 letters, digits, '_' or '-'");
export const PoolJoinOptions = z.strictObject({ pool: PoolName });
/**
 * The claim a device of the pool will be asked for: the same fields as a device room's
 * `claim`, with an input of plain JSON only — it waits in the pool's line and travels to a
 * device room (in any process) as JSON, so anything else would fail every ask (issue 18).
 */
export const ClaimAnyPayload = ClaimPayload; // its `input` is `jsonObject` (jsonValue.ts): plain JSON only
export const LeavePoolPayload = NoArguments;

export const PoolPayloads = {
  [UserToPool.CLAIM_ANY]: ClaimAnyPayload,
  [UserToPool.LEAVE_POOL]: LeavePoolPayload,
} as const;

/** `granted`, to the user the pool served: join `deviceId`'s room (within the reconnect grace) to use it. */
export interface PoolGrantedMessage { pool: string; deviceId: string; epoch: number; sessionType?: string }
/** `pool_status`, to each waiter: their own place (1 = next to be served), how many wait, how many devices the pool has. */
export interface PoolStatusMessage { pool: string; position: number; waiting: number; devices: number }
/** `pool_left`: this user no longer waits; `reason` is a PoolExitReason. */
export interface PoolLeftMessage { pool: string; reason: string; message: string }

// ---------------------------------------------------------------- device → room
export const SessionTypeDeclaration = z.strictObject({
  name: sessionTypeName,
  /** A JSON Schema (draft 2020-12 subset that ajv supports) for the run's `input`. */
  inputSchema: declaredSchema,
  /**
   * Optional: a JSON Schema of the run's `output`, so results read like results — each
   * property's `title`, `description`, `x-unit` ("kg", "s") and `x-decimals` label it in the
   * dashboard, the SDK (`describeOutput`) and `demo:claim`. Bounded and compiled like
   * `inputSchema`; a result that does not match it is still stored and delivered (it is a
   * measurement already made), and the server logs the mismatch (PROTOCOL.md §5, `hello`).
   */
  outputSchema: declaredSchema.optional(),
  /** The longest a run of this type may take; the run timeout never exceeds it. */
  maxDurationMs: z.number().int().positive().max(MAX_DURATION_MS),
  /** Optional: the longest gap between two progress reports before the run counts as stalled. */
  stepTimeoutMs: z.number().int().positive().max(24 * 3600 * 1000).optional(),
  /** Optional: a run of this type leaves the hardware needing a physical reset; the device sends `ready` when done. */
  needsReset: z.boolean().optional(),
  /** Optional: this type is a health check; a failed one quarantines the device, a passing one returns it (PROTOCOL.md §12). */
  health: z.boolean().optional(),
});
export const HelloPayload = z.strictObject({
  firmware: z.string().max(Limits.shortText).default(""),
  sessionTypes: z.array(SessionTypeDeclaration).max(Limits.sessionTypesPerDevice),
  /** The run whose result the device still holds unacknowledged, if any (it will re-send it). */
  heldRunId: runId.optional(),
  /** The highest epoch the device has seen, if any: lets a server whose store lost it catch up (PROTOCOL.md §6). */
  epoch: epoch.optional(),
  /** Optional: every run of this device needs a physical reset before the next holder (PROTOCOL.md §12.3). */
  needsReset: z.boolean().optional(),
  /** Optional: the device's live telemetry channels (shared/telemetry.ts, PROTOCOL.md §13). */
  telemetry: TelemetryDeclarations.optional(),
});
export const AcceptedPayload = z.strictObject({ epoch, runId });
export const ProgressPayload = z.strictObject({
  epoch,
  runId,
  progress: z.number().min(0).max(1),
  message: z.string().max(Limits.shortText).optional(),
});
export const ResultPayload = z.strictObject({ epoch, runId, output: jsonObject });
export const FailedPayload = z.strictObject({
  epoch,
  runId,
  code: z.string().min(1).max(Limits.sessionTypeName),
  message: z.string().max(Limits.shortText).default(""),
});
export const ReadyPayload = z.union([z.strictObject({}), z.undefined(), z.null()]);
/** Free stack bytes (high-water marks) a device may report; bounded well above any task's stack. */
const stackBytes = z.number().int().nonnegative().max(Limits.stackBytes);
/** `heartbeat.stackFree`: the lowest free stack of the main task and, once it ran, the OTA download task (bytes). */
export const StackFree = z.strictObject({ main: stackBytes, ota: stackBytes.optional() });
export const HeartbeatPayload = z.union([
  z.strictObject({ uptimeMs: z.number().nonnegative().optional(), stackFree: StackFree.optional() }),
  z.undefined(),
  z.null(),
]);

export const DevicePayloads = {
  [DeviceToRoom.HELLO]: HelloPayload,
  [DeviceToRoom.ACCEPTED]: AcceptedPayload,
  [DeviceToRoom.PROGRESS]: ProgressPayload,
  [DeviceToRoom.RESULT]: ResultPayload,
  [DeviceToRoom.FAILED]: FailedPayload,
  [DeviceToRoom.READY]: ReadyPayload,
  [DeviceToRoom.HEARTBEAT]: HeartbeatPayload,
  [DeviceToRoom.TELEMETRY]: TelemetryPayload,
} as const;

export type Claim = z.infer<typeof ClaimPayload>;
export type Run = z.infer<typeof RunPayload>;
export type Hello = z.infer<typeof HelloPayload>;
export type SessionTypeSpec = z.infer<typeof SessionTypeDeclaration>;
export type Progress = z.infer<typeof ProgressPayload>;
export type Result = z.infer<typeof ResultPayload>;
export type Failed = z.infer<typeof FailedPayload>;

// ---------------------------------------------------------------- room → device
/**
 * A firmware image offered to a device (issue 23): the `update` message, `welcome.update`, and
 * the body an admin posts. The URL is an http(s) URL of printable ASCII (the firmware refuses
 * anything else), the version what the image's `hello.firmware` will say, the SHA-256 the
 * device checks the written image against (firmware/README.md, "Over-the-air updates").
 */
export const FirmwareUpdateOffer = z.strictObject({
  url: z.string().max(Limits.updateUrl)
    .regex(/^https?:\/\/[\x21-\x7e]+$/, "an http:// or https:// URL of printable ASCII without spaces")
    .refine((url) => URL.canParse(url), "not a URL"),
  version: z.string().min(1).max(Limits.firmwareVersion).regex(/^[\x20-\x7e]+$/, "printable ASCII only"),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, "64 hexadecimal digits"),
});
export type FirmwareUpdateOffer = z.infer<typeof FirmwareUpdateOffer>;

// What the room sends a device. The core's `sendToDevice` effects are typed by these (a wrong
// payload fails to compile), and the simulated device checks what it receives against them.
// Plain objects, not strict ones: a device ignores fields it does not know, as the firmware
// does, so a newer room may add fields without breaking older devices.
const phase = z.enum(Object.values(Phase) as [PhaseName, ...PhaseName[]]);

export const WelcomePayload = z.object({
  epoch,
  phase,
  /** With `phase: "running"`: the run in progress, so a device that lost it can resume or start it. */
  runId: runId.optional(),
  sessionType: sessionTypeName.optional(),
  input: jsonObject.optional(),
  /** Milliseconds left before the run's hard deadline. */
  deadlineMs: z.number().nonnegative().optional(),
  /** A firmware update an admin asked for, while `hello.firmware` is not its version yet (issue 23). */
  update: FirmwareUpdateOffer.loose().optional(),
});
export const StartPayload = z.object({
  epoch,
  runId,
  sessionType: sessionTypeName,
  input: jsonObject,
  /**
   * The run's maximum duration in milliseconds from now. The room always sends it; a device
   * that gets none keeps its declared maximum (the firmware reads it as optional too).
   */
  deadlineMs: z.number().nonnegative().optional(),
});
export const DeviceCancelPayload = z.object({ epoch, runId });
export const AckPayload = z.object({ runId });
/** `update`: install this image (not answered; the next `hello` tells). A device ignores fields it does not know. */
export const UpdatePayload = FirmwareUpdateOffer.loose();
/** `error`, to a device or a user: `request` echoes the refused message type ("" when the frame could not be read). */
export const ErrorMessagePayload = z.object({
  code: z.enum(Object.values(ErrorCode) as [ErrorCodeName, ...ErrorCodeName[]]),
  message: z.string(),
  request: z.string(),
  /** The `requestId` of the refused user command, when it carried one. */
  requestId: RequestId.optional(),
});

export const RoomToDevicePayloads = {
  [RoomToDevice.WELCOME]: WelcomePayload,
  [RoomToDevice.START]: StartPayload,
  [RoomToDevice.CANCEL]: DeviceCancelPayload,
  [RoomToDevice.ACK]: AckPayload,
  [RoomToDevice.ERROR]: ErrorMessagePayload,
  [RoomToDevice.UPDATE]: UpdatePayload,
} as const;

/** The payload type of each room → device message, by message name. */
export type RoomToDevicePayload = { [K in RoomToDeviceType]: z.infer<(typeof RoomToDevicePayloads)[K]> };
export type WelcomeMessage = z.infer<typeof WelcomePayload>;
export type StartMessage = z.infer<typeof StartPayload>;
export type CancelMessage = z.infer<typeof DeviceCancelPayload>;
export type AckMessage = z.infer<typeof AckPayload>;
export type UpdateMessage = z.infer<typeof UpdatePayload>;
export type StackFree = z.infer<typeof StackFree>;

// ---------------------------------------------------------------- room → user
/**
 * `ok`: a user command was carried out. Every user command gets exactly one answer, `ok` or
 * `error`, in the order the commands were sent. `epoch` is the session's epoch after the
 * command; `runId` the run it started (`claim` with a run, `run`) or cancelled (`cancel`).
 */
export const OkPayload = z.object({
  request: z.enum(Object.values(UserToRoom) as [UserToRoomType, ...UserToRoomType[]]),
  requestId: RequestId.optional(),
  epoch,
  runId: runId.optional(),
});
/**
 * `result`. `late`/`lateReason`: the run had already ended (timed out, cancelled, a later
 * epoch) when the device's result arrived; it is still its owner's (PROTOCOL.md §5.2).
 */
export const ResultMessagePayload = z.object({ runId, sessionType: sessionTypeName, output: jsonObject, late: z.literal(true).optional(), lateReason: z.string().optional() });
export const RunFailedMessagePayload = z.object({ runId, sessionType: sessionTypeName, code: z.string(), message: z.string() });
export const SessionEndedMessagePayload = z.object({
  deviceId: z.string(),
  epoch,
  reason: z.enum(Object.values(EndReason) as [EndReasonName, ...EndReasonName[]]),
  message: z.string(),
  /**
   * Present when the end is kept for the owner until acknowledged (a timeout, a kick, the
   * device lost: not their own release): `result_ack { runId: ackId }` (PROTOCOL.md §5.2).
   */
  ackId: z.string().optional(),
});

/** `offer`, to the first in line: the device is theirs to take until `expiresAt` (ms since the Unix epoch). */
export const OfferMessagePayload = z.object({ deviceId: z.string(), expiresAt: z.number(), windowMs: z.number(), sessionType: sessionTypeName.optional() });
/** `queue_left`: this user is no longer waiting; `reason` is a QueueExitReason. */
export const QueueLeftMessagePayload = z.object({ deviceId: z.string(), reason: z.string(), message: z.string() });
/** `session_expiring`, to the holder: the session ends at `expiresAt` unless extended by up to `canExtendMs`. */
export const SessionExpiringMessagePayload = z.object({ deviceId: z.string(), epoch, expiresAt: z.number(), canExtendMs: z.number(), message: z.string() });
/** `session_extended`, to the holder: the new expiry after `extend`. */
export const SessionExtendedMessagePayload = z.object({ deviceId: z.string(), epoch, expiresAt: z.number(), extendedMs: z.number(), canExtendMs: z.number() });

/** A user as hand-over messages name them: id and display name ("" when the server does not know it). */
const UserNamed = z.object({ userId: z.string(), name: z.string() });
/** `hand_over_offered`, to the named user: the holder `from` hands them the device until `expiresAt` (ms since the Unix epoch). */
export const HandOverOfferedMessagePayload = z.object({ deviceId: z.string(), epoch, from: UserNamed, expiresAt: z.number(), windowMs: z.number() });
/** `hand_over_ended`, to the holder and the named user: how the offer ended (a HandOverEndReason). */
export const HandOverEndedMessagePayload = z.object({
  deviceId: z.string(),
  /** The epoch of the session that offered it (accepted: the new session's is in the `ok` and the state). */
  epoch,
  reason: z.enum(Object.values(HandOverEndReason) as [HandOverEndReasonName, ...HandOverEndReasonName[]]),
  message: z.string(),
  from: UserNamed,
  to: UserNamed,
});
/**
 * `booking_starting`: a booked slot of the device begins at `start`. To the booker (`yours`:
 * claim between `start` and `checkInUntil` to check in) and to whoever else holds the device
 * then (released at `start`, end reason `booking`).
 */
export const BookingStartingMessagePayload = z.object({
  deviceId: z.string(), bookingId: z.string(), start: z.number(), end: z.number(), checkInUntil: z.number(), bookerName: z.string(), yours: z.boolean(), message: z.string(),
});

export const RoomToUserPayloads = {
  [RoomToUser.OK]: OkPayload,
  [RoomToUser.OFFER]: OfferMessagePayload,
  [RoomToUser.QUEUE_LEFT]: QueueLeftMessagePayload,
  [RoomToUser.SESSION_EXPIRING]: SessionExpiringMessagePayload,
  [RoomToUser.SESSION_EXTENDED]: SessionExtendedMessagePayload,
  [RoomToUser.BOOKING_STARTING]: BookingStartingMessagePayload,
  [RoomToUser.ERROR]: ErrorMessagePayload,
  [RoomToUser.RESULT]: ResultMessagePayload,
  [RoomToUser.RUN_FAILED]: RunFailedMessagePayload,
  [RoomToUser.SESSION_ENDED]: SessionEndedMessagePayload,
  [RoomToUser.HAND_OVER_OFFERED]: HandOverOfferedMessagePayload,
  [RoomToUser.HAND_OVER_ENDED]: HandOverEndedMessagePayload,
  [RoomToUser.TELEMETRY_RECENT]: TelemetryRecentPayload,
} as const;

/** The payload type of each room → user message, by message name. */
export type RoomToUserPayload = { [K in RoomToUserType]: z.infer<(typeof RoomToUserPayloads)[K]> };
export type OkMessage = z.infer<typeof OkPayload>;
export type ResultMessage = z.infer<typeof ResultMessagePayload>;
export type RunFailedMessage = z.infer<typeof RunFailedMessagePayload>;
/** `session_ended`, to the holder: why their session ended (an EndReason), in a sentence too. */
export type SessionEndedMessage = z.infer<typeof SessionEndedMessagePayload>;
export type OfferMessage = z.infer<typeof OfferMessagePayload>;
export type QueueLeftMessage = z.infer<typeof QueueLeftMessagePayload>;
export type SessionExpiringMessage = z.infer<typeof SessionExpiringMessagePayload>;
export type SessionExtendedMessage = z.infer<typeof SessionExtendedMessagePayload>;
export type HandOverOfferedMessage = z.infer<typeof HandOverOfferedMessagePayload>;
export type HandOverEndedMessage = z.infer<typeof HandOverEndedMessagePayload>;
export type HandOver = z.infer<typeof HandOverPayload>;
export type BookingStartingMessage = z.infer<typeof BookingStartingMessagePayload>;

/** Formats a zod error as one readable sentence (first few issues, with their paths). */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join(".") : "payload"}: ${issue.message}`)
    .join("; ");
}
