/**
 * GET /devices/:deviceId/history — admins only (a user JWT with `roles: ["admin"]`): the
 * device's recent sessions (holder, epoch, times, end reason), runs (type, inputs, outputs,
 * timings, failure) and audit entries (who did what, when), newest first. Inputs and outputs
 * are private to their owners everywhere else, hence admins only.
 */
import express from "express";
import { z } from "zod";
import { ErrorCode } from "@baton/protocol";
import { DeviceHistory } from "@baton/protocol/http";
import { DeviceIdSchema } from "../auth/deviceRegistry.ts";
import type { RoomServices } from "../rooms/services.ts";
import { requireAdmin } from "./authenticate.ts";
import { answerWith, guarded, parseOrRefuse, refuse } from "./respond.ts";

export const HistoryQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });

export function historyRoutes(services: RoomServices) {
  const router = express.Router();
  const answer = answerWith(services);
  router.get("/devices/:deviceId/history", guarded(services.logger, "GET /devices/:deviceId/history", async (request, response) => {
    if (!(await requireAdmin(services, request, response, "read a device's history (it holds every owner's inputs and outputs)"))) return;
    const deviceId = parseOrRefuse(DeviceIdSchema, request.params.deviceId, response, "Device id");
    if (!deviceId) return;
    const query = parseOrRefuse(HistoryQuery, request.query, response, "Query");
    if (!query) return;
    if (!(await services.registry.find(deviceId))) return refuse(response, ErrorCode.UNKNOWN_DEVICE, { deviceId });
    const [sessions, runs, audit] = await Promise.all([
      services.history.listSessions(deviceId, query.limit),
      services.history.listRuns(deviceId, query.limit),
      services.audit.list({ deviceId, limit: query.limit }),
    ]);
    answer(response, DeviceHistory, { deviceId, sessions, runs, audit });
  }));
  return router;
}
