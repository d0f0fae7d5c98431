/**
 * Admin actions (a user JWT with `roles: ["admin"]`); each one is recorded in the audit log
 * with the admin's user id as the actor.
 * - POST /admin/devices                               register { deviceId, label?, kind? }; the secret is in the answer, once
 * - POST /admin/devices/:deviceId/disable             its joins are refused; its connection closes within BATON_REGISTRY_POLL_MS
 * - POST /admin/devices/:deviceId/rotate-secret       a new secret, once; the old one stops working
 * - POST /admin/devices/:deviceId/force-release       { reason }: end the current session as `kicked` (see below)
 * - POST /admin/devices/:deviceId/drain               { reason }: the session in flight finishes, nobody new gets it, the line is told
 * - POST /admin/devices/:deviceId/quarantine          { reason }: out of rotation until returned to service
 * - POST /admin/devices/:deviceId/return-to-service   { reason? }: back into rotation (from drained, quarantined or maintenance)
 * - GET  /admin/devices/:deviceId/queue               who waits, in order (names shown: admins only)
 * - GET  /admin/audit?deviceId=&limit=                the audit log, newest first
 * Force-release goes through the device's room (rooms/operator/liveRooms.ts), where the pure core
 * decides (`forceRelease` → end reason `kicked`): the holder gets `session_ended` naming the
 * admin and the reason, a run in flight is cancelled on the device with the current epoch,
 * and the next claim gets a higher epoch.
 */
import express from "express";
import { z } from "zod";
import { ErrorCode } from "@baton/protocol";
import { AuditLogPage, AvailabilityChanged, DeviceRegistered, DisabledDevice, ForceReleased, QueueListing, RotatedSecret } from "@baton/protocol/http";
import { DeviceIdSchema } from "../auth/deviceRegistry.ts";
import { hashDeviceSecret, newDeviceSecret } from "../auth/deviceSecrets.ts";
import { AuditAction, DeviceExistsError } from "../ports/store.ts";
import type { RoomServices } from "../rooms/services.ts";
import { requireAdmin } from "./authenticate.ts";
import { answerWith, guarded, parseOrRefuse, refuse } from "./respond.ts";

export const RegisterDeviceBody = z.strictObject({
  deviceId: DeviceIdSchema,
  label: z.string().max(200).default(""),
  kind: z.string().max(64).default(""),
});
export const ForceReleaseBody = z.strictObject({ reason: z.string().trim().min(1).max(500) });
export const AuditQuery = z.strictObject({
  deviceId: DeviceIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const EmptyBody = z.strictObject({});
export const AvailabilityBody = z.strictObject({ reason: z.string().trim().min(1).max(500) });
export const ReturnToServiceBody = z.strictObject({ reason: z.string().trim().max(500).default("returned to service") });

/** The three availability routes and the core command each one sends. */
const AVAILABILITY_ROUTES = [
  { path: "drain", command: "drain", body: AvailabilityBody, what: "drain devices" },
  { path: "quarantine", command: "quarantine", body: AvailabilityBody, what: "quarantine devices" },
  { path: "return-to-service", command: "returnToService", body: ReturnToServiceBody, what: "return devices to service" },
] as const;

export function adminRoutes(services: RoomServices) {
  const router = express.Router();
  const answer = answerWith(services);

  router.post("/admin/devices", guarded(services.logger, "POST /admin/devices", async (request, response) => {
    const admin = await requireAdmin(services, request, response, "register devices");
    if (!admin) return;
    const body = parseOrRefuse(RegisterDeviceBody, request.body ?? {}, response, "Body");
    if (!body) return;
    const secret = newDeviceSecret();
    const now = services.clock();
    try {
      await services.registry.add({ deviceId: body.deviceId, label: body.label, kind: body.kind, secretHash: await hashDeviceSecret(secret), createdAt: now });
    } catch (error) {
      if (error instanceof DeviceExistsError) return refuse(response, ErrorCode.DEVICE_EXISTS, { deviceId: error.deviceId });
      throw error;
    }
    await services.audit.record({ at: now, actor: admin.userId, action: AuditAction.REGISTER, deviceId: body.deviceId, detail: { label: body.label, kind: body.kind } });
    answer(response, DeviceRegistered, { deviceId: body.deviceId, label: body.label, kind: body.kind, secret }, 201);
  }));

  router.post("/admin/devices/:deviceId/disable", guarded(services.logger, "POST /admin/devices/:deviceId/disable", async (request, response) => {
    const admin = await requireAdmin(services, request, response, "disable devices");
    if (!admin) return;
    const deviceId = parseOrRefuse(DeviceIdSchema, request.params.deviceId, response, "Device id");
    if (!deviceId || !parseOrRefuse(EmptyBody, request.body ?? {}, response, "Body")) return;
    const now = services.clock();
    if (!(await services.registry.disable(deviceId, now))) return refuse(response, ErrorCode.UNKNOWN_DEVICE, { deviceId });
    await services.audit.record({ at: now, actor: admin.userId, action: AuditAction.DISABLE, deviceId, detail: {} });
    answer(response, DisabledDevice, { deviceId, disabled: true, disabledAt: now });
  }));

  router.post("/admin/devices/:deviceId/rotate-secret", guarded(services.logger, "POST /admin/devices/:deviceId/rotate-secret", async (request, response) => {
    const admin = await requireAdmin(services, request, response, "rotate device secrets");
    if (!admin) return;
    const deviceId = parseOrRefuse(DeviceIdSchema, request.params.deviceId, response, "Device id");
    if (!deviceId || !parseOrRefuse(EmptyBody, request.body ?? {}, response, "Body")) return;
    const secret = newDeviceSecret();
    if (!(await services.registry.setSecretHash(deviceId, await hashDeviceSecret(secret)))) return refuse(response, ErrorCode.UNKNOWN_DEVICE, { deviceId });
    await services.audit.record({ at: services.clock(), actor: admin.userId, action: AuditAction.ROTATE_SECRET, deviceId, detail: {} });
    answer(response, RotatedSecret, { deviceId, secret });
  }));

  router.post("/admin/devices/:deviceId/force-release", guarded(services.logger, "POST /admin/devices/:deviceId/force-release", async (request, response) => {
    const admin = await requireAdmin(services, request, response, "force-release devices");
    if (!admin) return;
    const deviceId = parseOrRefuse(DeviceIdSchema, request.params.deviceId, response, "Device id");
    if (!deviceId) return;
    const body = parseOrRefuse(ForceReleaseBody, request.body ?? {}, response, "Body");
    if (!body) return;
    if (!(await services.registry.find(deviceId))) return refuse(response, ErrorCode.UNKNOWN_DEVICE, { deviceId });
    const released = await services.liveRooms.forceRelease(deviceId, { userId: admin.userId, name: admin.name }, body.reason);
    answer(response, ForceReleased, { deviceId, ...released });
  }));

  for (const route of AVAILABILITY_ROUTES) {
    const name = `POST /admin/devices/:deviceId/${route.path}`;
    router.post(`/admin/devices/:deviceId/${route.path}`, guarded(services.logger, name, async (request, response) => {
      const admin = await requireAdmin(services, request, response, route.what);
      if (!admin) return;
      const deviceId = parseOrRefuse(DeviceIdSchema, request.params.deviceId, response, "Device id");
      if (!deviceId) return;
      const body = parseOrRefuse(route.body, request.body ?? {}, response, "Body");
      if (!body) return;
      if (!(await services.registry.find(deviceId))) return refuse(response, ErrorCode.UNKNOWN_DEVICE, { deviceId });
      // Through the device's room, where the core decides (session/availability.ts); the room
      // stores the new availability and audits it.
      const status = await services.liveRooms.setAvailability(deviceId, { type: route.command, by: { userId: admin.userId, name: admin.name }, reason: body.reason });
      answer(response, AvailabilityChanged, { deviceId, availability: status.availability, holder: status.holder, queueLength: status.queueLength });
    }));
  }

  router.get("/admin/devices/:deviceId/queue", guarded(services.logger, "GET /admin/devices/:deviceId/queue", async (request, response) => {
    if (!(await requireAdmin(services, request, response, "list who waits for a device"))) return;
    const deviceId = parseOrRefuse(DeviceIdSchema, request.params.deviceId, response, "Device id");
    if (!deviceId) return;
    if (!(await services.registry.find(deviceId))) return refuse(response, ErrorCode.UNKNOWN_DEVICE, { deviceId });
    answer(response, QueueListing, (await services.liveRooms.queue(deviceId)) ?? { deviceId, handoffUntil: 0, entries: [] });
  }));

  router.get("/admin/audit", guarded(services.logger, "GET /admin/audit", async (request, response) => {
    if (!(await requireAdmin(services, request, response, "read the audit log"))) return;
    const query = parseOrRefuse(AuditQuery, request.query, response, "Query");
    if (!query) return;
    answer(response, AuditLogPage, { entries: await services.audit.list({ deviceId: query.deviceId, limit: query.limit }) });
  }));

  return router;
}
