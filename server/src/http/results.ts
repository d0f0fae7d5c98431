/**
 * - GET /results: the caller's own stored results (user JWT), newest first, paginated. An
 *   owner who was offline when a result came finds it here (the room stored it before it
 *   acknowledged the device). `next` in the answer is the `before` of the following page.
 * - GET /results/outcomes: the caller's failed runs and session ends (a timeout, a kick, the
 *   device lost), newest first, paginated like /results: what an owner who was away missed.
 * - POST /dev/token: development mode only — mints a user JWT so a newcomer can try Baton
 *   without an identity provider. It is not mounted at all in production.
 */
import express from "express";
import { z } from "zod";
import { DevTokenAnswer, OutcomesPage, ResultsPage } from "@baton/protocol/http";
import type { RoomServices } from "../rooms/services.ts";
import { requireUser } from "./authenticate.ts";
import { answerWith, guarded, parseOrRefuse } from "./respond.ts";

export const ResultsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  before: z.string().regex(/^[0-9]{1,15}$/, "must be the `next` of a previous page").optional(),
});

export const DevTokenRequest = z.strictObject({
  userId: z.string().min(1).max(128),
  name: z.string().min(1).max(100).optional(),
  roles: z.array(z.enum(["admin"])).max(4).optional(),
});

export function resultRoutes(services: RoomServices) {
  const router = express.Router();
  const answer = answerWith(services);
  router.get("/results", guarded(services.logger, "GET /results", async (request, response) => {
    const identity = await requireUser(services, request, response);
    if (!identity) return;
    const query = parseOrRefuse(ResultsQuery, request.query, response, "Query");
    if (!query) return;
    const page = await services.results.listForUser(identity.userId, { limit: query.limit, before: query.before });
    answer(response, ResultsPage, {
      results: page.results.map(({ deviceId, runId, epoch, sessionType, output, storedAt, lateReason }) => ({ deviceId, runId, epoch, sessionType, output, storedAt, ...(lateReason ? { late: true as const, lateReason } : {}) })),
      ...(page.next ? { next: page.next } : {}),
    });
  }));
  router.get("/results/outcomes", guarded(services.logger, "GET /results/outcomes", async (request, response) => {
    const identity = await requireUser(services, request, response);
    if (!identity) return;
    const query = parseOrRefuse(ResultsQuery, request.query, response, "Query");
    if (!query) return;
    const page = await services.results.listOutcomesForUser(identity.userId, { limit: query.limit, before: query.before });
    answer(response, OutcomesPage, {
      outcomes: page.outcomes.map(({ deviceId, kind, outcomeId, epoch, message, storedAt, handedOverAt }) => ({ deviceId, kind, outcomeId, epoch, message, storedAt, acknowledgedAt: handedOverAt })),
      ...(page.next ? { next: page.next } : {}),
    });
  }));
  return router;
}

export function devTokenRoute(services: RoomServices) {
  const router = express.Router();
  const answer = answerWith(services);
  router.post("/dev/token", async (request, response) => {
    const body = parseOrRefuse(DevTokenRequest, request.body ?? {}, response, "Body");
    if (!body) return;
    const token = await services.userTokens.issue(body);
    answer(response, DevTokenAnswer, { token, userId: body.userId, devOnly: true });
  });
  return router;
}
