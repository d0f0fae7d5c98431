/**
 * How every Baton HTTP route answers: a body typed by its wire schema (`@baton/protocol/http`,
 * the same schemas openapi.json is made of), or a refusal — `{ code, message }` with the
 * status and the sentence the error table gives the code (`@baton/protocol`, shared/errors.ts —
 * the table the rooms and the SDK render from too; docs/ERRORS.md documents each code); and how
 * it validates input with zod in one line.
 */
import type { Request, Response } from "express";
import type { z } from "zod";
import { describeZodError, errorStatus, renderError } from "@baton/protocol";
import { ErrorCode, type ErrorCodeName, type ErrorParams } from "@baton/protocol";
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
        return refuse(response, ErrorCode.INTERNAL_ERROR, { reason: "bug" });
      }
    }
    response.status(status).json(body);
  };
}

/** The JSON body of an HTTP refusal. */
export function errorBody<C extends ErrorCodeName>(code: C, params: ErrorParams<C>): { code: C; message: string } {
  return { code, message: renderError(code, params) };
}

export function refuse<C extends ErrorCodeName>(response: Response, code: C, params: ErrorParams<C>): void {
  response.status(errorStatus(code, params)).json(errorBody(code, params));
}

/** Parses `value` or answers 400 INVALID_MESSAGE naming the first problem; undefined when refused. */
export function parseOrRefuse<T extends z.ZodType>(schema: T, value: unknown, response: Response, what: string): z.infer<T> | undefined {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  refuse(response, ErrorCode.INVALID_MESSAGE, { reason: "malformed", what, problem: describeZodError(parsed.error) });
  return undefined;
}

/**
 * Wraps an async handler: a store that throws becomes 503 INTERNAL_ERROR with no details
 * (the error is logged), never an unhandled rejection or a stack trace in the answer.
 */
export function guarded(logger: Pick<Logger, "error">, label: string, handler: (request: Request, response: Response) => Promise<void>) {
  return async (request: Request, response: Response) => {
    try {
      await handler(request, response);
    } catch (error) {
      logger.error({ event: "http.failed", err: error }, `${label}: failed`);
      if (!response.headersSent) refuse(response, ErrorCode.INTERNAL_ERROR, { reason: "storeUnavailable" });
    }
  };
}
