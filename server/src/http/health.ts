/**
 * Health endpoints, open to anyone (they reveal counts, never ids):
 * - GET /healthz — liveness: the process answers. A supervisor restarts it when this fails.
 * - GET /readyz  — readiness: the store answers and the server accepts joins. 200 `ready`,
 *   or 200 `degraded` with reasons when connected clients pass 90 % of BATON_MAX_CLIENTS
 *   (seed 001); 503 `unready` while the store cannot answer or the server is shutting down,
 *   so a load balancer sends new users elsewhere.
 * - GET /health  — the older summary (mode, rooms, clients), kept for existing scripts.
 */
import express from "express";
import { matchMaker } from "@colyseus/core";
import { DEVICE_ROOM_NAME, POOL_ROOM_NAME } from "@baton/protocol";
import { HealthSummary, Liveness, Readiness } from "@baton/protocol/http";
import type { RoomServices } from "../rooms/services.ts";
import { answerWith } from "./respond.ts";

/** Share of BATON_MAX_CLIENTS above which /readyz reports `degraded`. */
export const DEGRADED_UTILISATION = 0.9;

/** Rooms and their connections, device rooms and pool rooms alike: every connection holds a socket. */
async function connectedClients(): Promise<{ rooms: number; clients: number }> {
  const rooms = (await Promise.all([DEVICE_ROOM_NAME, POOL_ROOM_NAME].map((name) => matchMaker.query({ name })))).flat();
  return { rooms: rooms.length, clients: rooms.reduce((sum, room) => sum + room.clients, 0) };
}

export function healthRoutes(services: RoomServices) {
  const router = express.Router();
  const answer = answerWith(services);

  router.get("/healthz", (_request, response) => {
    answer(response, Liveness, { status: "ok" });
  });

  router.get("/readyz", async (_request, response) => {
    const reasons: string[] = [];
    let unready = false;
    try {
      await services.store.ping();
    } catch {
      unready = true;
      reasons.push("the store does not answer");
    }
    if (services.readiness.draining) {
      unready = true;
      reasons.push("shutting down: new joins are refused");
    }
    const { clients } = await connectedClients();
    const capacity = services.config.maxClients;
    const utilisation = clients / capacity;
    if (utilisation > DEGRADED_UTILISATION) reasons.push(`${clients} connected clients is ${Math.round(utilisation * 100)} % of the capacity of ${capacity} (BATON_MAX_CLIENTS)`);
    const status = unready ? "unready" : reasons.length > 0 ? "degraded" : "ready";
    answer(response, Readiness, { status, reasons, clients, capacity }, unready ? 503 : 200);
  });

  router.get("/health", async (_request, response) => {
    answer(response, HealthSummary, { status: "ok", mode: services.config.mode, ...(await connectedClients()) });
  });

  return router;
}
