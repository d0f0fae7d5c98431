/**
 * The pool room's edge: one incoming message → one pool command (session/pool.ts), or a
 * refusal. Pure, like commands.ts for device rooms.
 */
import { ErrorCode, UserToPool, errorValue, type ErrorValue } from "@baton/protocol";
import { PoolPayloads, describeZodError } from "@baton/protocol/messages";
import type { PoolCommand, UserRef } from "../../session/index.ts";

export type PoolTranslation = { command: PoolCommand } | { refusal: ErrorValue };

/** A user's message to a pool room (`claim_any`, `leave_pool`); `type` is one of UserToPool. */
export function poolCommand(type: string, payload: unknown, user: UserRef): PoolTranslation {
  const schema = PoolPayloads[type as keyof typeof PoolPayloads];
  const parsed = schema.safeParse(payload);
  if (!parsed.success) return { refusal: errorValue(ErrorCode.INVALID_MESSAGE, { reason: "payload", type, problem: describeZodError(parsed.error) }) };
  return {
    command: type === UserToPool.CLAIM_ANY
      ? { type: "claimAny", user, request: { ...(parsed.data as object) } }
      : { type: "leavePool", user },
  };
}
