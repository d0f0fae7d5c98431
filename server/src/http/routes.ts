/**
 * Baton's own HTTP routes (Colyseus' matchmaking routes are mounted by Colyseus).
 * - GET /health: liveness and basic numbers.
 * - GET /results: the caller's own stored results (user JWT), newest first, paginated.
 * - GET /devices/:deviceId/history: sessions, runs and audit entries (admins; http/history.ts).
 * - POST /dev/token: development mode only — mints a user JWT so a newcomer can try Baton
 *   without an identity provider. It is not mounted at all in production.
 * Every handler validates its input and answers errors as `{ code, message }`.
 */
import express, { type Request, type Response, type NextFunction } from "express";
import { getBearerToken, matchMaker } from "@colyseus/core";
import { z } from "zod";
import { describeZodError } from "../../../shared/messages.ts";
import { ErrorCode } from "../../../shared/protocol.ts";
import type { RoomServices } from "../rooms/services.ts";
import { historyRoutes } from "./history.ts";

const DevTokenRequest = z.strictObject({
  userId: z.string().min(1).max(128),
  name: z.string().min(1).max(100).optional(),
  roles: z.array(z.enum(["admin"])).max(4).optional(),
});

export function httpRoutes(services: RoomServices) {
  const router = express.Router();
  router.use(express.json({ limit: "16kb" }));

  router.get("/health", async (_request, response) => {
    const rooms = await matchMaker.query({ name: "device" });
    response.json({ status: "ok", mode: services.config.mode, rooms: rooms.length, clients: rooms.reduce((sum, room) => sum + room.clients, 0) });
  });

  // An owner who was offline when a result came finds it here (the room stored it before
  // it acknowledged the device). Only the caller's own results, newest first, in pages:
  // `next` in the answer is the `before` of the following page.
  const ResultsQuery = z.strictObject({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    before: z.string().regex(/^[0-9]{1,15}$/, "must be the `next` of a previous page").optional(),
  });
  router.get("/results", async (request, response) => {
    const identity = await services.userTokens.verify(getBearerToken(request.headers.authorization ?? ""));
    if ("problem" in identity) {
      response.status(401).json({ code: ErrorCode.UNAUTHORIZED, message: `${identity.problem}. Send a user JWT as Authorization: Bearer <token>.` });
      return;
    }
    const query = ResultsQuery.safeParse(request.query);
    if (!query.success) {
      response.status(400).json({ code: ErrorCode.INVALID_MESSAGE, message: `Query is malformed: ${describeZodError(query.error)}.` });
      return;
    }
    let page;
    try {
      page = await services.results.listForUser(identity.userId, { limit: query.data.limit, before: query.data.before });
    } catch (error) {
      console.error("GET /results: the store failed", error);
      response.status(503).json({ code: ErrorCode.INTERNAL_ERROR, message: "The result store is unavailable; try again shortly." });
      return;
    }
    response.json({
      results: page.results.map(({ deviceId, runId, epoch, sessionType, output, storedAt }) => ({ deviceId, runId, epoch, sessionType, output, storedAt })),
      ...(page.next ? { next: page.next } : {}),
    });
  });

  router.use(historyRoutes(services));

  if (services.config.mode !== "production") {
    router.post("/dev/token", async (request, response) => {
      const parsed = DevTokenRequest.safeParse(request.body ?? {});
      if (!parsed.success) {
        response.status(400).json({ code: ErrorCode.INVALID_MESSAGE, message: `Body is malformed: ${describeZodError(parsed.error)}.` });
        return;
      }
      const token = await services.userTokens.issue(parsed.data);
      response.json({ token, userId: parsed.data.userId, devOnly: true });
    });
  }

  // Malformed JSON bodies and other body-parser errors: a stable code, never a stack trace.
  router.use((error: Error & { status?: number; type?: string }, _request: Request, response: Response, next: NextFunction) => {
    if (!error) return next();
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    response.status(status).json({ code: status === 413 ? ErrorCode.PAYLOAD_TOO_LARGE : status === 500 ? ErrorCode.INTERNAL_ERROR : ErrorCode.INVALID_MESSAGE, message: status === 500 ? "Internal error." : `Request body rejected: ${error.message}.` });
  });
  return router;
}
