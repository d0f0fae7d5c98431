/**
 * Admin actions (a user JWT with `roles: ["admin"]`); each one is recorded in the audit log
 * with the admin's user id as the actor.
 * - POST /admin/devices                               register { deviceId, label?, kind? }; the secret is in the answer, once
 * - POST /admin/devices/:deviceId/disable             its joins are refused; its connection closes within BATON_REGISTRY_POLL_MS
 * - DELETE /admin/devices/:deviceId                   removed from the registry (history and epoch stay); its connection closes likewise
 * - POST /admin/devices/:deviceId/rotate-secret       a new secret, once; the old one stops working
 * - POST /admin/devices/:deviceId/force-release       { reason }: end the current session as `kicked` (see below)
 * - POST /admin/devices/:deviceId/drain               { reason }: the session in flight finishes, nobody new gets it, the line is told
 * - POST /admin/devices/:deviceId/quarantine          { reason }: out of rotation until returned to service
 * - POST /admin/devices/:deviceId/return-to-service   { reason? }: back into rotation (from drained, quarantined or maintenance)
 * - POST /admin/devices/:deviceId/pool                { pool }: its explicit pool ("" = its kind's pool again)
 * - GET  /admin/devices/:deviceId/queue               who waits, in order (names shown: admins only)
 * - GET  /admin/audit?deviceId=&limit=                the audit log, newest first
 * - GET  /admin/webhooks?state=pending|failed&limit=  webhook deliveries not delivered: still retried, or given up
 * - POST /admin/webhooks/:id/retry                    a given-up delivery back in line, due now
 * Force-release goes through the device's room (rooms/operator/liveRooms.ts), where the pure core
 * decides (`forceRelease` → end reason `kicked`): the holder gets `session_ended` naming the
 * admin and the reason, a run in flight is cancelled on the device with the current epoch,
 * and the next claim gets a higher epoch.
 */
import express from "express";
import { z } from "zod";
import { ErrorCode } from "@baton/protocol";
import { AuditLogPage, AvailabilityChanged, DeletedDevice, DeviceRegistered, DisabledDevice, ForceReleased, PoolSet, QueueListing, RotatedSecret, WebhookDeliveries, WebhookRetried } from "@baton/protocol/http";
import { DeviceIdSchema } from "../auth/deviceRegistry.ts";
import { hashDeviceSecret, newDeviceSecret } from "../auth/deviceSecrets.ts";
import { PoolName } from "@baton/protocol/messages";
import { AuditAction, DeviceExistsError, poolOf } from "../ports/store.ts";
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
export const SetPoolBody = z.strictObject({ pool: PoolName.or(z.literal("")) });
export const WebhookDeliveriesQuery = z.strictObject({
  state: z.enum(["pending", "failed"]).default("failed"),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const DeliveryId = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** An endpoint as the admin area shows it: origin and path, never its query or credentials (they may hold a token). */
export function shownEndpoint(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return "(unreadable URL)";
  }
}
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
    await services.enforceRegistry(); // immediate in this process, not at the next poll
    await services.audit.record({ at: now, actor: admin.userId, action: AuditAction.DISABLE, deviceId, detail: {} });
    answer(response, DisabledDevice, { deviceId, disabled: true, disabledAt: now });
  }));

  router.delete("/admin/devices/:deviceId", guarded(services.logger, "DELETE /admin/devices/:deviceId", async (request, response) => {
    const admin = await requireAdmin(services, request, response, "delete devices");
    if (!admin) return;
    const deviceId = parseOrRefuse(DeviceIdSchema, request.params.deviceId, response, "Device id");
    if (!deviceId) return;
    if (!(await services.registry.remove(deviceId))) return refuse(response, ErrorCode.UNKNOWN_DEVICE, { deviceId });
    await services.enforceRegistry(); // immediate in this process, not at the next poll
    await services.audit.record({ at: services.clock(), actor: admin.userId, action: AuditAction.DELETE, deviceId, detail: {} });
    answer(response, DeletedDevice, { deviceId, deleted: true });
  }));

  router.post("/admin/devices/:deviceId/rotate-secret", guarded(services.logger, "POST /admin/devices/:deviceId/rotate-secret", async (request, response) => {
    const admin = await requireAdmin(services, request, response, "rotate device secrets");
    if (!admin) return;
    const deviceId = parseOrRefuse(DeviceIdSchema, request.params.deviceId, response, "Device id");
    if (!deviceId || !parseOrRefuse(EmptyBody, request.body ?? {}, response, "Body")) return;
    const secret = newDeviceSecret();
    if (!(await services.registry.setSecretHash(deviceId, await hashDeviceSecret(secret)))) return refuse(response, ErrorCode.UNKNOWN_DEVICE, { deviceId });
    await services.enforceRegistry(); // immediate in this process, not at the next poll
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

  router.post("/admin/devices/:deviceId/pool", guarded(services.logger, "POST /admin/devices/:deviceId/pool", async (request, response) => {
    const admin = await requireAdmin(services, request, response, "set device pools");
    if (!admin) return;
    const deviceId = parseOrRefuse(DeviceIdSchema, request.params.deviceId, response, "Device id");
    if (!deviceId) return;
    const body = parseOrRefuse(SetPoolBody, request.body ?? {}, response, "Body");
    if (!body) return;
    const before = await services.registry.find(deviceId);
    if (!before || !(await services.registry.setPool(deviceId, body.pool))) return refuse(response, ErrorCode.UNKNOWN_DEVICE, { deviceId });
    await services.audit.record({ at: services.clock(), actor: admin.userId, action: AuditAction.POOL, deviceId, detail: { pool: body.pool, previous: before.pool } });
    // Pool rooms see the change within BATON_REGISTRY_POLL_MS.
    answer(response, PoolSet, { deviceId, pool: poolOf({ pool: body.pool, kind: before.kind }), explicitPool: body.pool });
  }));

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

  router.get("/admin/webhooks", guarded(services.logger, "GET /admin/webhooks", async (request, response) => {
    if (!(await requireAdmin(services, request, response, "list webhook deliveries"))) return;
    const query = parseOrRefuse(WebhookDeliveriesQuery, request.query, response, "Query");
    if (!query) return;
    const deliveries = await services.store.outbox.list(query.state, query.limit);
    answer(response, WebhookDeliveries, { state: query.state, deliveries: deliveries.map((delivery) => ({ ...delivery, endpoint: shownEndpoint(delivery.endpoint) })) });
  }));

  router.post("/admin/webhooks/:id/retry", guarded(services.logger, "POST /admin/webhooks/:id/retry", async (request, response) => {
    if (!(await requireAdmin(services, request, response, "retry webhook deliveries"))) return;
    const id = parseOrRefuse(DeliveryId, request.params.id, response, "Delivery id");
    if (!id || !parseOrRefuse(EmptyBody, request.body ?? {}, response, "Body")) return;
    const now = services.clock();
    if (!(await services.store.outbox.retry(id, now))) return refuse(response, ErrorCode.NOT_FOUND, { reason: "webhookDelivery", id: String(id) });
    answer(response, WebhookRetried, { id, retried: true, nextAttemptAt: now });
  }));

  return router;
}
