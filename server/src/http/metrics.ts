/**
 * GET /metrics — the Prometheus text format (observability/metrics.ts). Who may scrape:
 * with BATON_METRICS_TOKEN set, a caller sending it as `Authorization: Bearer <token>`;
 * without it, loopback callers only (a Prometheus on the same host, or behind a proxy when
 * BATON_TRUST_PROXY names the real client). Metrics carry no ids, but counts and timings
 * still tell an outsider how busy the site is.
 */
import { timingSafeEqual } from "node:crypto";
import express from "express";
import { ErrorCode } from "@baton/protocol";
import type { RoomServices } from "../rooms/services.ts";
import { CLIENT_ADDRESS_HEADER } from "./requestGuard.ts";
import { refuse } from "./respond.ts";

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

function sameSecret(sent: string, expected: string): boolean {
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function metricsRoute(services: RoomServices) {
  const router = express.Router();
  router.get("/metrics", async (request, response) => {
    const token = services.config.metricsToken;
    if (token) {
      const sent = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1] ?? "";
      if (!sameSecret(sent, token)) return refuse(response, ErrorCode.UNAUTHORIZED, { reason: "metricsToken" });
    } else if (!LOOPBACK.has(String(request.headers[CLIENT_ADDRESS_HEADER] ?? ""))) {
      return refuse(response, ErrorCode.FORBIDDEN, { reason: "metricsLoopbackOnly" });
    }
    response.type(services.metrics.registry.contentType).send(await services.metrics.registry.metrics());
  });
  return router;
}
