/**
 * GET /devices/:deviceId/history — admins only (a user JWT with `roles: ["admin"]`): the
 * device's recent sessions (holder, epoch, times, end reason), runs (type, inputs, outputs,
 * timings, failure) and audit entries (who did what, when), newest first. Inputs and outputs
 * are private to their owners everywhere else, hence admins only.
 */
import express from "express";
import { getBearerToken } from "@colyseus/core";
import { z } from "zod";
import { describeZodError } from "../../../shared/messages.ts";
import { ErrorCode } from "../../../shared/protocol.ts";
import { DeviceIdSchema } from "../auth/deviceRegistry.ts";
import type { RoomServices } from "../rooms/services.ts";

const HistoryQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });

export function historyRoutes(services: RoomServices) {
  const router = express.Router();
  router.get("/devices/:deviceId/history", async (request, response) => {
    const identity = await services.userTokens.verify(getBearerToken(request.headers.authorization ?? ""));
    if ("problem" in identity) {
      response.status(401).json({ code: ErrorCode.UNAUTHORIZED, message: `${identity.problem}. Send an admin's JWT as Authorization: Bearer <token>.` });
      return;
    }
    if (!identity.roles.includes("admin")) {
      response.status(403).json({ code: ErrorCode.UNAUTHORIZED, message: "Only admins may read a device's history (it holds every owner's inputs and outputs)." });
      return;
    }
    const deviceId = DeviceIdSchema.safeParse(request.params.deviceId);
    const query = HistoryQuery.safeParse(request.query);
    if (!deviceId.success || !query.success) {
      response.status(400).json({ code: ErrorCode.INVALID_MESSAGE, message: `Request is malformed: ${describeZodError((deviceId.error ?? query.error)!)}.` });
      return;
    }
    try {
      if (!(await services.registry.find(deviceId.data))) {
        response.status(404).json({ code: ErrorCode.UNKNOWN_DEVICE, message: `No device "${deviceId.data}" is registered.` });
        return;
      }
      const limit = query.data.limit;
      const [sessions, runs, audit] = await Promise.all([
        services.history.listSessions(deviceId.data, limit),
        services.history.listRuns(deviceId.data, limit),
        services.audit.list({ deviceId: deviceId.data, limit }),
      ]);
      response.json({ deviceId: deviceId.data, sessions, runs, audit });
    } catch (error) {
      console.error("GET /devices/:deviceId/history: the store failed", error);
      response.status(503).json({ code: ErrorCode.INTERNAL_ERROR, message: "The store is unavailable; try again shortly." });
    }
  });
  return router;
}
