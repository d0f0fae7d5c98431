/**
 * Baton's own HTTP routes, one file per group (Colyseus' matchmaking routes are mounted by
 * Colyseus itself); the OpenAPI document (openapi.ts, GET /openapi.json) describes them all
 * and a test keeps it in step with what is mounted here.
 * - health.ts     GET /healthz, /readyz, /health                       anyone
 * - metrics.ts    GET /metrics (Prometheus)                            loopback, or BATON_METRICS_TOKEN
 * - devices.ts    GET /devices, /devices/:deviceId                     users
 * - sessions.ts   GET /devices/:deviceId/sessions[/:epoch], /runs/:runId, /me/sessions   users
 * - results.ts    GET /results (own results); POST /dev/token (development only)
 * - auth.ts       GET /auth/config (public: how to sign in), GET /auth/me (users)
 * - history.ts    GET /devices/:deviceId/history                       admins
 * - bookings.ts   /devices/:deviceId/bookings[.ics], /me/bookings, DELETE /bookings/:bookingId   users
 * - admin.ts      /admin/…: register, disable, rotate, force-release, audit   admins
 * Every handler validates its input (zod), answers with a body typed by its wire schema in
 * `@baton/protocol/http` (respond.ts `answerWith`), and answers errors as `{ code, message }`;
 * one client address gets BATON_HTTP_RATE_LIMIT_* requests a second (httpRateLimit.ts).
 */
import express from "express";
import type { RoomServices } from "../rooms/services.ts";
import { adminRoutes } from "./admin.ts";
import { adminUpdateRoutes } from "./adminUpdates.ts";
import { authRoutes } from "./auth.ts";
import { bookingRoutes } from "./bookings.ts";
import { deviceRoutes } from "./devices.ts";
import { healthRoutes } from "./health.ts";
import { metricsRoute } from "./metrics.ts";
import { historyRoutes } from "./history.ts";
import { openApiRoute } from "./openapi.ts";
import { devTokenRoute, resultRoutes } from "./results.ts";
import { sessionRoutes } from "./sessions.ts";
import { httpRateLimit } from "./httpRateLimit.ts";
import { errorAnswer } from "./fallback.ts";

export function httpRoutes(services: RoomServices) {
  const router = express.Router();
  router.use(httpRateLimit({ limit: services.config.httpRateLimit }));
  router.use(express.json({ limit: "16kb" }));
  const devRoutes = services.config.mode !== "production";
  router.use(healthRoutes(services));
  router.use(metricsRoute(services));
  router.use(openApiRoute({ includeDevRoutes: devRoutes }));
  router.use(deviceRoutes(services));
  router.use(sessionRoutes(services));
  router.use(resultRoutes(services));
  router.use(authRoutes(services));
  router.use(historyRoutes(services));
  router.use(bookingRoutes(services));
  router.use(adminRoutes(services));
  router.use(adminUpdateRoutes(services));
  if (devRoutes) router.use(devTokenRoute(services));

  // Malformed JSON bodies and other body-parser errors: a stable code, never a stack trace.
  router.use(errorAnswer(services.logger));
  return router;
}
