/**
 * The shape of every message payload, as zod schemas. The room validates each incoming
 * payload against its schema at the edge (a mismatch is answered with INVALID_MESSAGE,
 * never a kick), and the TypeScript types of clients are inferred from the same schemas,
 * so the wire contract is written exactly once.
 */
import { z } from "zod";
import { DeviceToRoom, UserToPool, UserToRoom } from "./protocol.ts";

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
/** Inputs and outputs are JSON-like maps; their content is checked against the device's declared schema. */
const jsonObject = z.record(z.string(), z.unknown());

// ---------------------------------------------------------------- user → room
export const ClaimPayload = z.strictObject({
  sessionType: sessionTypeName.optional(),
  input: jsonObject.optional(),
  releaseOnComplete: z.boolean().optional(),
});
export const RunPayload = z.strictObject({ sessionType: sessionTypeName, input: jsonObject.default({}) });
const Empty = z.union([z.strictObject({}), z.undefined(), z.null()]);
export const CancelPayload = Empty;
export const ReleasePayload = Empty;

// Waiting in line (issue 13): the run wanted is declared at enqueue time and checked then.
export const EnqueuePayload = ClaimPayload;
export const LeaveQueuePayload = Empty;
export const AcceptPayload = Empty;
export const DeclinePayload = Empty;

export const UserPayloads = {
  [UserToRoom.CLAIM]: ClaimPayload,
  [UserToRoom.RUN]: RunPayload,
  [UserToRoom.CANCEL]: CancelPayload,
  [UserToRoom.RELEASE]: ReleasePayload,
  [UserToRoom.ENQUEUE]: EnqueuePayload,
  [UserToRoom.LEAVE_QUEUE]: LeaveQueuePayload,
  [UserToRoom.ACCEPT]: AcceptPayload,
  [UserToRoom.DECLINE]: DeclinePayload,
} as const;

// ---------------------------------------------------------------- user → pool room (issue 13, pools)
/** A pool name in join options: the device-id alphabet (a `kind` with other characters needs an explicit pool name). */
export const PoolName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "pool names are 1–64 letters, digits, '_' or '-'");
export const PoolJoinOptions = z.strictObject({ pool: PoolName });
/** The claim a device of the pool will be asked for: the same fields as a device room's `claim`. */
export const ClaimAnyPayload = ClaimPayload;
export const LeavePoolPayload = Empty;

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
  inputSchema: jsonObject,
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
export const ReadyPayload = Empty;
export const HeartbeatPayload = z.union([z.strictObject({ uptimeMs: z.number().nonnegative().optional() }), z.undefined(), z.null()]);

export const DevicePayloads = {
  [DeviceToRoom.HELLO]: HelloPayload,
  [DeviceToRoom.ACCEPTED]: AcceptedPayload,
  [DeviceToRoom.PROGRESS]: ProgressPayload,
  [DeviceToRoom.RESULT]: ResultPayload,
  [DeviceToRoom.FAILED]: FailedPayload,
  [DeviceToRoom.READY]: ReadyPayload,
  [DeviceToRoom.HEARTBEAT]: HeartbeatPayload,
} as const;

export type Claim = z.infer<typeof ClaimPayload>;
export type Run = z.infer<typeof RunPayload>;
export type Hello = z.infer<typeof HelloPayload>;
export type SessionTypeSpec = z.infer<typeof SessionTypeDeclaration>;
export type Progress = z.infer<typeof ProgressPayload>;
export type Result = z.infer<typeof ResultPayload>;
export type Failed = z.infer<typeof FailedPayload>;

// ---------------------------------------------------------------- room → device / user (documentation types)
export interface WelcomeMessage { epoch: number; phase: string; runId?: string; sessionType?: string; input?: Record<string, unknown>; deadlineMs?: number }
export interface StartMessage { epoch: number; runId: string; sessionType: string; input: Record<string, unknown>; deadlineMs: number }
export interface CancelMessage { epoch: number; runId: string }
export interface AckMessage { runId: string }
export interface ResultMessage { runId: string; sessionType: string; output: Record<string, unknown> }
export interface RunFailedMessage { runId: string; sessionType: string; code: string; message: string }
/** `session_ended`, to the holder: why their session ended (an EndReason), in a sentence too. */
export interface SessionEndedMessage { deviceId: string; epoch: number; reason: string; message: string }

/** `offer`, to the first in line: the device is theirs to take until `expiresAt` (ms since the Unix epoch). */
export interface OfferMessage { deviceId: string; expiresAt: number; windowMs: number; sessionType?: string }
/** `queue_left`: this user is no longer waiting; `reason` is a QueueExitReason. */
export interface QueueLeftMessage { deviceId: string; reason: string; message: string }

/** Formats a zod error as one readable sentence (first few issues, with their paths). */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join(".") : "payload"}: ${issue.message}`)
    .join("; ");
}
