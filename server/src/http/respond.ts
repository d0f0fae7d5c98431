/**
 * How every Baton HTTP route answers a refusal: a status and `{ code, message }` with a code
 * from `shared/protocol.ts` (the registry the rooms use too; docs/ERRORS.md documents each),
 * and how it validates input with zod in one line.
 */
import type { Request, Response } from "express";
import type { z } from "zod";
import { describeZodError } from "@baton/protocol";
import { ErrorCode, type ErrorCodeName } from "@baton/protocol";

export function refuse(response: Response, status: number, code: ErrorCodeName, message: string): void {
  response.status(status).json({ code, message });
}

/** Parses `value` or answers 400 INVALID_MESSAGE naming the first problem; undefined when refused. */
export function parseOrRefuse<T extends z.ZodType>(schema: T, value: unknown, response: Response, what: string): z.infer<T> | undefined {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  refuse(response, 400, ErrorCode.INVALID_MESSAGE, `${what} is malformed: ${describeZodError(parsed.error)}.`);
  return undefined;
}

/**
 * Wraps an async handler: a store that throws becomes 503 INTERNAL_ERROR with no details
 * (the error is logged), never an unhandled rejection or a stack trace in the answer.
 */
export function guarded(label: string, handler: (request: Request, response: Response) => Promise<void>) {
  return async (request: Request, response: Response) => {
    try {
      await handler(request, response);
    } catch (error) {
      console.error(`${label}: failed`, error);
      if (!response.headersSent) refuse(response, 503, ErrorCode.INTERNAL_ERROR, "The store is unavailable; try again shortly.");
    }
  };
}
