/**
 * The last two handlers of the express app (app.ts), after the API and the dashboard: every
 * request no route answered, and every error any route passed on, is answered as the API
 * answers its own refusals — a status and JSON `{ code, message }` with a stable code and a
 * sentence (docs/ERRORS.md). Never Express's default handler, which answers HTML and, when
 * NODE_ENV is not "production" (Baton does not read or set it), prints the error's stack
 * with the server's file paths.
 */
import type { NextFunction, Request, Response } from "express";
import { ErrorCode } from "@baton/protocol";
import { errorBody, refuse } from "./respond.ts";
import type { Logger } from "../observability/logger.ts";

/** Answers a request no route served: 404 NOT_FOUND naming the method and the path. */
export function notFound(request: Request, response: Response): void {
  // The path as the client sent it, cut short: the answer echoes nothing long.
  const path = request.path.length > 120 ? `${request.path.slice(0, 120)}…` : request.path;
  refuse(response, ErrorCode.NOT_FOUND, { reason: "route", method: request.method, path });
}

interface HttpishError extends Error {
  status?: number;
  statusCode?: number;
  /** body-parser's error kind, e.g. "entity.parse.failed". */
  type?: string;
}

/**
 * An express error handler: a client's mistake (4xx carried by the error) gets its status
 * and a sentence; anything else is 500 INTERNAL_ERROR with no details, logged.
 */
export function errorAnswer(logger: Pick<Logger, "error">) {
  return (error: HttpishError, request: Request, response: Response, next: NextFunction) => {
    if (response.headersSent) return next(error);
    const given = error.status ?? error.statusCode;
    const status = given && given >= 400 && given < 500 ? given : 500;
    if (status === 500) {
      logger.error({ event: "http.failed", err: error, method: request.method, path: request.path }, `${request.method} ${request.path} failed`);
      refuse(response, ErrorCode.INTERNAL_ERROR, { reason: "bug" });
      return;
    }
    if (status === 413) {
      refuse(response, ErrorCode.PAYLOAD_TOO_LARGE, { detail: error.message });
      return;
    }
    if (status === 404) return notFound(request, response);
    // body-parser's messages name only what it read ("Unexpected token … in JSON"); any other
    // error's message may name a file, so it is not echoed.
    if (error.type?.startsWith("entity.") || error.type === "charset.unsupported" || error.type === "encoding.unsupported") {
      return response.status(status).json(errorBody(ErrorCode.INVALID_MESSAGE, { reason: "bodyRejected", detail: error.message }));
    }
    if (error instanceof URIError) return response.status(status).json(errorBody(ErrorCode.INVALID_MESSAGE, { reason: "percentEncoding" }));
    refuse(response, ErrorCode.INVALID_MESSAGE, { reason: "refused", status });
  };
}
