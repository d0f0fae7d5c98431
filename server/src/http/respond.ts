/**
 * How every Baton HTTP route answers: a body typed by its wire schema (`@baton/protocol/http`,
 * the same schemas openapi.json is made of), or a refusal — a status and `{ code, message }`
 * with a code from `shared/protocol.ts` (the registry the rooms use too; docs/ERRORS.md
 * documents each); and how it validates input with zod in one line.
 */
import type { Request, Response } from "express";
import type { z } from "zod";
import { describeZodError } from "@baton/protocol";
import { ErrorCode, type ErrorCodeName } from "@baton/protocol";
import type { Logger } from "../observability/logger.ts";

/** Sends `body`, typed by its wire schema, with `status` (200 unless said). */
export type Answer = <S extends z.ZodType>(response: Response, schema: S, body: z.output<S>, status?: number) => void;

/**
 * The routes' `answer`. In production it only sends (the type already holds the route to its
 * schema). In development and test each body is also parsed with its schema first — cheap,
 * and it turns a field that drifted from the documented shape into a logged 500
 * INTERNAL_ERROR that every test sees, rather than a silent difference from openapi.json.
 */
export function answerWith(services: { config: { mode: string }; logger: Pick<Logger, "error"> }): Answer {
  const check = services.config.mode !== "production";
  return (response, schema, body, status = 200) => {
    if (check) {
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        const request = response.req;
        services.logger.error({ event: "http.answer_mismatch", method: request.method, path: request.path, problem: describeZodError(parsed.error) }, `${request.method} ${request.path}: the answer does not match its wire schema`);
        return refuse(response, 500, ErrorCode.INTERNAL_ERROR, "Internal error: the answer does not match its documented schema; the server logged it.");
      }
    }
    response.status(status).json(body);
  };
}

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
