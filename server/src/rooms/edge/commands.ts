/**
 * Turns one incoming message into one core command, or into a refusal, at the room's edge:
 * checks the sender's role, validates the payload against its shared zod schema, and maps
 * the fields. Pure (no room, no socket), so the room only has to send what comes back.
 */
import type { ZodType } from "zod";
import { DeviceToRoom, ErrorCode, UserToRoom, errorValue, type ErrorCodeName, type ErrorParams, type ErrorValue, type OkMessage, type UserToRoomType } from "@baton/protocol";
import { DevicePayloads, RequestId, UserPayloads, describeZodError, type Claim, type Failed, type HandOver, type Hello, type Progress, type Result, type Run } from "@baton/protocol";
import type { Command, CoreState, UserRef } from "../../session/index.ts";
import { checkDeclaredSchemas } from "./inputValidation.ts";

export type Translation = { command: Command } | { refusal: ErrorValue };

/**
 * The `requestId` a user command carried, if it is a usable one — read leniently, so that
 * even a refusal of a malformed payload can name the request it refuses.
 */
export function requestIdOf(payload: unknown): string | undefined {
  if (typeof payload !== "object" || payload === null) return undefined;
  const parsed = RequestId.safeParse((payload as { requestId?: unknown }).requestId);
  return parsed.success ? parsed.data : undefined;
}

/** The `ok` a carried-out user command gets: the epoch after it, and the run it started or cancelled. */
export function okAnswer(request: UserToRoomType, requestId: string | undefined, before: CoreState, after: CoreState): OkMessage {
  const runId = request === UserToRoom.CANCEL ? before.session?.run?.runId
    : request === UserToRoom.RELEASE ? undefined
    : after.session?.run?.runId;
  return { request, epoch: after.epoch, ...(requestId ? { requestId } : {}), ...(runId ? { runId } : {}) };
}

function refuse<C extends ErrorCodeName>(code: C, params: ErrorParams<C>): Translation {
  return { refusal: errorValue(code, params) };
}

/** A message type protocol v1 does not define (answered, not kicked: a newer client learns what is wrong). */
export function unknownMessage(type: string | number): ErrorValue {
  return errorValue(ErrorCode.UNKNOWN_MESSAGE, { type: String(type).slice(0, 64) });
}

function parse<T>(type: string, schema: ZodType, payload: unknown): { value: T } | Translation {
  const parsed = schema.safeParse(payload);
  return parsed.success ? { value: parsed.data as T } : refuse(ErrorCode.INVALID_MESSAGE, { reason: "payload", type, problem: describeZodError(parsed.error) });
}

/**
 * A user's message. `user` is null when the sender is a device (it may not send these).
 * `admin`: the sender's token has the admin role (an admin may claim a quarantined device).
 * `nameOf`: the display name of a user present in the room ("" when absent), for the
 * recipient a `hand_over` names by id.
 */
export function userCommand(type: string, payload: unknown, user: UserRef | null, options: { admin?: boolean; nameOf?: (userId: string) => string } = {}): Translation {
  // `cancel` is a device-bound name too, but devices never send it.
  if (!user) return refuse(ErrorCode.FORBIDDEN_MESSAGE, { type, role: "device" });
  switch (type) {
    case UserToRoom.CLAIM: {
      const parsed = parse<Claim>(type, UserPayloads[type], payload);
      if (!("value" in parsed)) return parsed;
      const { requestId: _requestId, ...claim } = parsed.value;
      return { command: { type: "claim", user, ...claim, ...(options.admin ? { admin: true } : {}) } };
    }
    case UserToRoom.ENQUEUE: {
      const parsed = parse<Claim>(type, UserPayloads[type], payload);
      if (!("value" in parsed)) return parsed;
      const { requestId: _requestId, ...entry } = parsed.value;
      return { command: { type: "enqueue", user, ...entry } };
    }
    case UserToRoom.LEAVE_QUEUE:
    case UserToRoom.ACCEPT:
    case UserToRoom.DECLINE: {
      const parsed = parse<unknown>(type, UserPayloads[type], payload);
      if (!("value" in parsed)) return parsed;
      const kind = type === UserToRoom.LEAVE_QUEUE ? "leaveQueue" : type === UserToRoom.ACCEPT ? "acceptOffer" : "declineOffer";
      return { command: { type: kind, user } };
    }
    case UserToRoom.EXTEND: {
      const parsed = parse<{ byMs?: number } | null | undefined>(type, UserPayloads[type], payload);
      if (!("value" in parsed)) return parsed;
      const byMs = parsed.value?.byMs;
      return { command: { type: "extend", user, ...(byMs !== undefined ? { byMs } : {}) } };
    }
    case UserToRoom.RUN: {
      const parsed = parse<Run>(type, UserPayloads[type], payload);
      if (!("value" in parsed)) return parsed;
      return { command: { type: "run", user, sessionType: parsed.value.sessionType, input: parsed.value.input } };
    }
    case UserToRoom.RESULT_ACK: {
      const parsed = parse<{ runId: string }>(type, UserPayloads[type], payload);
      if (!("value" in parsed)) return parsed;
      return { command: { type: "acknowledgeResult", user, runId: parsed.value.runId } };
    }
    case UserToRoom.HAND_OVER: {
      const parsed = parse<HandOver>(type, UserPayloads[type], payload);
      if (!("value" in parsed)) return parsed;
      const to = parsed.value.to;
      return { command: { type: "offerHandover", user, to: { userId: to, name: options.nameOf?.(to) ?? "" } } };
    }
    case UserToRoom.WITHDRAW_HAND_OVER:
    case UserToRoom.ACCEPT_HAND_OVER:
    case UserToRoom.DECLINE_HAND_OVER: {
      const parsed = parse<unknown>(type, UserPayloads[type], payload);
      if (!("value" in parsed)) return parsed;
      const kind = type === UserToRoom.WITHDRAW_HAND_OVER ? "withdrawHandover" : type === UserToRoom.ACCEPT_HAND_OVER ? "acceptHandover" : "declineHandover";
      return { command: { type: kind, user } };
    }
    case UserToRoom.CANCEL:
    case UserToRoom.RELEASE: {
      const parsed = parse<unknown>(type, UserPayloads[type], payload);
      if (!("value" in parsed)) return parsed;
      return { command: { type: type === UserToRoom.CANCEL ? "cancel" : "release", user } };
    }
  }
  return { refusal: unknownMessage(type) };
}

/** A device's message. `isDevice` is false for users (they may not send these). */
export function deviceCommand(type: string, payload: unknown, isDevice: boolean): Translation {
  if (!isDevice) return refuse(ErrorCode.FORBIDDEN_MESSAGE, { type, role: "user" });
  const schema = DevicePayloads[type as keyof typeof DevicePayloads];
  if (!schema) return { refusal: unknownMessage(type) };
  const parsed = parse<any>(type, schema, payload);
  if (!("value" in parsed)) return parsed;
  const body = parsed.value;
  switch (type) {
    case DeviceToRoom.HELLO: {
      const hello = body as Hello;
      const problem = checkDeclaredSchemas(hello.sessionTypes);
      if (problem) return refuse(ErrorCode.INVALID_CAPABILITIES, { problem });
      return { command: { type: "deviceHello", firmware: hello.firmware, sessionTypes: hello.sessionTypes, ...(hello.epoch !== undefined ? { knownEpoch: hello.epoch } : {}), ...(hello.needsReset ? { needsReset: true } : {}) } };
    }
    case DeviceToRoom.ACCEPTED: return { command: { type: "deviceAccepted", epoch: body.epoch, runId: body.runId } };
    case DeviceToRoom.PROGRESS: {
      const progress = body as Progress;
      return { command: { type: "deviceProgress", epoch: progress.epoch, runId: progress.runId, progress: progress.progress, message: progress.message } };
    }
    case DeviceToRoom.RESULT: {
      const result = body as Result;
      return { command: { type: "deviceResult", epoch: result.epoch, runId: result.runId, output: result.output } };
    }
    case DeviceToRoom.FAILED: {
      const failed = body as Failed;
      return { command: { type: "deviceFailed", epoch: failed.epoch, runId: failed.runId, code: failed.code, message: failed.message } };
    }
    case DeviceToRoom.READY: return { command: { type: "deviceReady" } };
    default: return { command: { type: "deviceHeartbeat" } }; // the message itself is the proof of life
  }
}
