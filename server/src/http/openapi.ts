/**
 * The OpenAPI 3.1 description of Baton's own HTTP routes, served at GET /openapi.json.
 * Query and body schemas are generated from the same zod schemas the routes validate with,
 * so the document cannot describe a different input than the one checked; every answer's body
 * is the zod schema of `@baton/protocol/http` that the route answers with, each under its
 * `id` in components.schemas. Tests compare the documented paths with the routes the server
 * really serves, both ways (test/http/openapi.test.ts), and check real answers of every route
 * against the schema documented here (test/http/wire.test.ts). Colyseus' matchmaking routes
 * are described in docs/PROTOCOL.md.
 */
import express from "express";
import { z } from "zod";
import {
  AuditLogPage, AuthConfigAnswer, BookingAnswer, DeviceBookings, MyBookings, AvailabilityChanged, DeviceDetails, DeviceHistory, DeviceList, DeviceRegistered, DeviceSessionsPage, DevTokenAnswer, DisabledDevice, DeletedDevice,
  FirmwareUpdateState, ForceReleased, HealthSummary, HttpWireSchemas, Liveness, OpenApiDocumentBody, OutcomesPage, PoolSet, QueueListing, Readiness, ResultsPage, RotatedSecret, RunDetail,
  SessionDetail, SessionsPage, WebhookDeliveries, WebhookEvent, WebhookRetried, WhoAmIAnswer,
} from "@baton/protocol/http";
import { AuditQuery, AvailabilityBody, ForceReleaseBody, RegisterDeviceBody, ReturnToServiceBody, SetPoolBody, WebhookDeliveriesQuery } from "./admin.ts";
import { RequestUpdateBody } from "./adminUpdates.ts";
import { DeviceListQuery } from "./devices.ts";
import { BookingBody, BookingRangeQuery } from "./bookings.ts";
import { DeviceSessionsQuery, MySessionsQuery } from "./sessions.ts";
import { DevTokenRequest, ResultsQuery } from "./results.ts";
import { HistoryQuery } from "./history.ts";

type Access = "public" | "user" | "admin";

interface Operation {
  summary: string;
  access: Access;
  query?: z.ZodObject;
  body?: z.ZodObject;
  /** Path parameters, by name: a short description. */
  params?: Record<string, string>;
  /** The answer: its status (200 unless said), a sentence, and the body's schema (registered in HttpWireSchemas) or `text` for a plain-text body. */
  ok: { status?: number; description: string; schema: z.ZodType | "text" | "calendar" };
  /** Refusal statuses besides the auth ones implied by `access`. */
  refusals?: number[];
  /** This operation's own account of a refusal status, where REFUSALS' general one does not fit (codes first: "A or B: …"). */
  refusalText?: Record<number, string>;
}

const componentRef = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** The `$ref` of a body schema: every one is registered in HttpWireSchemas under its id. */
function schemaRef(schema: z.ZodType) {
  const id = HttpWireSchemas.get(schema)?.id;
  if (!id) throw new Error("openapi.ts: an answer's schema is not registered in HttpWireSchemas (shared/http.ts)");
  return componentRef(id);
}

const jsonBody = (description: string, schema: z.ZodType) => ({ description, content: { "application/json": { schema: schemaRef(schema) } } });
const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: componentRef("Error") } } });

function operation(op: Operation, rateLimited: boolean) {
  const parameters = [
    ...Object.entries(op.params ?? {}).map(([name, description]) => ({ name, in: "path", required: true, description, schema: { type: "string" } })),
    ...Object.entries(op.query?.shape ?? {}).map(([name, schema]) => ({
      name, in: "query", required: !(schema as z.ZodType).safeParse(undefined).success, schema: z.toJSONSchema(schema as z.ZodType, { io: "input", unrepresentable: "any" }),
    })),
  ];
  const okBody = op.ok.schema === "text" || op.ok.schema === "calendar"
    ? { description: op.ok.description, content: { [op.ok.schema === "text" ? "text/plain" : "text/calendar"]: { schema: { type: "string" } } } }
    : jsonBody(op.ok.description, op.ok.schema);
  const responses: Record<string, unknown> = { [String(op.ok.status ?? 200)]: okBody };
  if (op.query || op.body || op.params) responses["400"] = errorResponse(op.refusalText?.[400] ?? "INVALID_MESSAGE: the input is malformed");
  if (op.access !== "public") responses["401"] = errorResponse("UNAUTHORIZED: no token, or an invalid or expired one");
  if (op.access === "admin") responses["403"] = errorResponse("FORBIDDEN: the token has no admin role");
  for (const status of op.refusals ?? []) {
    // /readyz answers 503 with its own status body, not an error.
    responses[String(status)] = op.access === "public" && status === 503 ? jsonBody(REFUSALS[status], Readiness) : errorResponse(op.refusalText?.[status] ?? REFUSALS[status]);
  }
  if (rateLimited) responses["429"] = errorResponse(op.refusalText?.[429] ?? "RATE_LIMITED: more than BATON_HTTP_RATE_LIMIT_* requests a second from this address (Retry-After)");
  if (op.access !== "public") responses["503"] = errorResponse("INTERNAL_ERROR: the store is unavailable");
  return {
    summary: op.summary,
    ...(op.access === "public" ? { security: [] } : {}),
    ...(op.access === "admin" ? { "x-baton-admin": true } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(op.body ? { requestBody: { required: true, content: { "application/json": { schema: z.toJSONSchema(op.body, { io: "input" }) } } } } : {}),
    responses,
  };
}

const REFUSALS: Record<number, string> = {
  401: "UNAUTHORIZED: a wrong or missing metrics token",
  403: "FORBIDDEN: another user's inputs and outputs, or /metrics from a non-loopback caller without a token",
  404: "UNKNOWN_DEVICE or NOT_FOUND",
  409: "DEVICE_EXISTS: the device id is taken",
  413: "PAYLOAD_TOO_LARGE: bodies are limited to 16 KB",
  503: "unready: the store does not answer, or the server is shutting down",
};

const deviceId = { deviceId: "a registered device id" };

/** The paths httpRateLimit.ts leaves unlimited: a load balancer must never see a 429 from a probe. */
const HEALTH_PROBES = new Set(["/healthz", "/readyz", "/health"]);

/** Path (OpenAPI template syntax) → method → operation. */
const ROUTES: Record<string, Record<string, Operation>> = {
  "/healthz": { get: { summary: "Liveness: the process answers", access: "public", ok: { description: "{ status: \"ok\" }", schema: Liveness } } },
  "/readyz": { get: { summary: "Readiness: store reachable, accepting joins; degraded above 90 % of BATON_MAX_CLIENTS", access: "public", ok: { description: "{ status: \"ready\" | \"degraded\", reasons, clients, capacity }", schema: Readiness }, refusals: [503] } },
  "/health": { get: { summary: "Basic numbers (rooms, clients); kept for existing scripts", access: "public", ok: { description: "{ status, mode, rooms, clients }", schema: HealthSummary } } },
  "/metrics": { get: { summary: "Prometheus metrics (text format); loopback callers, or Authorization: Bearer BATON_METRICS_TOKEN", access: "public", ok: { description: "text/plain; version=0.0.4", schema: "text" }, refusals: [401, 403] } },
  "/openapi.json": { get: { summary: "This document", access: "public", ok: { description: "OpenAPI 3.1", schema: OpenApiDocumentBody } } },
  "/devices": { get: { summary: "Registered devices with live status, sorted by id", access: "user", query: DeviceListQuery, ok: { description: "{ devices, next? }", schema: DeviceList } } },
  "/devices/{deviceId}": { get: { summary: "One device with its declared session types and input schemas", access: "user", params: deviceId, ok: { description: "device", schema: DeviceDetails }, refusals: [404] } },
  "/devices/{deviceId}/sessions": { get: { summary: "A device's sessions, newest first", access: "user", params: deviceId, query: DeviceSessionsQuery, ok: { description: "{ deviceId, sessions, next? }", schema: DeviceSessionsPage }, refusals: [404] } },
  "/devices/{deviceId}/sessions/{epoch}": { get: { summary: "One session with its runs (inputs and outputs for its holder and admins only)", access: "user", params: { ...deviceId, epoch: "the session's epoch" }, ok: { description: "{ session, runs }", schema: SessionDetail }, refusals: [404] } },
  "/devices/{deviceId}/runs/{runId}": { get: { summary: "One run with inputs and outputs (its holder and admins only)", access: "user", params: { ...deviceId, runId: "the run id" }, ok: { description: "{ run }", schema: RunDetail }, refusals: [403, 404] } },
  "/devices/{deviceId}/history": { get: { summary: "Sessions, runs and audit entries of a device (admins)", access: "admin", params: deviceId, query: HistoryQuery, ok: { description: "{ deviceId, sessions, runs, audit }", schema: DeviceHistory }, refusals: [404] } },
  "/me/sessions": { get: { summary: "The caller's own sessions on every device, newest first", access: "user", query: MySessionsQuery, ok: { description: "{ sessions, next? }", schema: SessionsPage } } },
  "/results": { get: { summary: "The caller's own results, newest first", access: "user", query: ResultsQuery, ok: { description: "{ results, next? }", schema: ResultsPage } } },
  "/results/outcomes": { get: { summary: "The caller's own failed runs and session ends (timeouts, kicks, device lost), newest first", access: "user", query: ResultsQuery, ok: { description: "{ outcomes, next? }", schema: OutcomesPage } } },
  "/admin/devices": { post: { summary: "Register a device; the answer holds its secret, once", access: "admin", body: RegisterDeviceBody, ok: { status: 201, description: "{ deviceId, label, kind, secret }", schema: DeviceRegistered }, refusals: [409, 413] } },
  "/admin/devices/{deviceId}": { delete: { summary: "Delete a device from the registry (its history and epoch stay); a connection closes", access: "admin", params: deviceId, ok: { description: "{ deviceId, deleted }", schema: DeletedDevice }, refusals: [404] } },
  "/admin/devices/{deviceId}/disable": { post: { summary: "Disable a device: joins refused, connection closed", access: "admin", params: deviceId, ok: { description: "{ deviceId, disabled, disabledAt }", schema: DisabledDevice }, refusals: [404] } },
  "/admin/devices/{deviceId}/rotate-secret": { post: { summary: "A new device secret, once; the old one stops working", access: "admin", params: deviceId, ok: { description: "{ deviceId, secret }", schema: RotatedSecret }, refusals: [404] } },
  "/admin/devices/{deviceId}/force-release": { post: { summary: "End the current session as `kicked`, with a reason told to the holder", access: "admin", params: deviceId, body: ForceReleaseBody, ok: { description: "{ deviceId, released, epoch, holder }", schema: ForceReleased }, refusals: [404, 413] } },
  "/admin/devices/{deviceId}/drain": { post: { summary: "Drain: the session in flight finishes, nobody new is granted the device, those waiting are told", access: "admin", params: deviceId, body: AvailabilityBody, ok: { description: "{ deviceId, availability, holder, queueLength }", schema: AvailabilityChanged }, refusals: [404, 413] } },
  "/admin/devices/{deviceId}/quarantine": { post: { summary: "Quarantine: out of rotation with a reason until returned to service", access: "admin", params: deviceId, body: AvailabilityBody, ok: { description: "{ deviceId, availability, holder, queueLength }", schema: AvailabilityChanged }, refusals: [404, 413] } },
  "/admin/devices/{deviceId}/return-to-service": { post: { summary: "Back into rotation (from drained, quarantined or maintenance)", access: "admin", params: deviceId, body: ReturnToServiceBody, ok: { description: "{ deviceId, availability, holder, queueLength }", schema: AvailabilityChanged }, refusals: [404, 413] } },
  "/admin/devices/{deviceId}/pool": { post: { summary: "Set a device's explicit pool (\"\" = its kind's pool again)", access: "admin", params: deviceId, body: SetPoolBody, ok: { description: "{ deviceId, pool, explicitPool }", schema: PoolSet }, refusals: [404, 413] } },
  "/admin/devices/{deviceId}/queue": { get: { summary: "Who waits for a device, in order, and whether one holds the hand-off offer", access: "admin", params: deviceId, ok: { description: "{ deviceId, handoffUntil, entries: [{ position, userId, name, since, sessionType, offered, away }] }", schema: QueueListing }, refusals: [404] } },
  "/admin/devices/{deviceId}/update": {
    get: { summary: "A device's latest firmware update request, where it stands, and its firmware now", access: "admin", params: deviceId, ok: { description: "{ deviceId, update, firmware }", schema: FirmwareUpdateState }, refusals: [404] },
    post: { summary: "Offer a firmware image (url, version, SHA-256) to the device: now when connected, else in its next welcome; audited", access: "admin", params: deviceId, body: RequestUpdateBody, ok: { status: 202, description: "{ deviceId, update, firmware }", schema: FirmwareUpdateState }, refusals: [404, 413] },
  },
  "/admin/devices/{deviceId}/update/cancel": { post: { summary: "Withdraw the device's pending firmware update; audited", access: "admin", params: deviceId, ok: { description: "{ deviceId, update, firmware }", schema: FirmwareUpdateState }, refusals: [404] } },
  "/admin/audit": { get: { summary: "The audit log, newest first", access: "admin", query: AuditQuery, ok: { description: "{ entries }", schema: AuditLogPage } } },
  "/auth/config": { get: { summary: "How the dashboard signs people in: development sign-in, and the OpenID Connect provider (client id, scopes, discovered endpoints)", access: "public", ok: { description: "{ devSignIn, oidc }", schema: AuthConfigAnswer } } },
  "/auth/me": { get: { summary: "The caller as this server maps their token: user id, display name, roles", access: "user", ok: { description: "{ userId, name, roles }", schema: WhoAmIAnswer } } },
  "/admin/webhooks": { get: { summary: "Webhook deliveries not delivered: pending (still retried) or failed (given up), newest first", access: "admin", query: WebhookDeliveriesQuery, ok: { description: "{ state, deliveries }", schema: WebhookDeliveries } } },
  "/admin/webhooks/{id}/retry": { post: { summary: "Put a failed (given-up) webhook delivery back in line, due now", access: "admin", params: { id: "the delivery id" }, ok: { description: "{ id, retried, nextAttemptAt }", schema: WebhookRetried }, refusals: [404] } },
  "/devices/{deviceId}/bookings": {
    get: { summary: "A device's bookings overlapping [from, to) (default: a day ago, 14 days), earliest first, and its kind's booking rules; others' bookings show the slot and the booker's name only", access: "user", params: deviceId, query: BookingRangeQuery, ok: { description: "{ deviceId, kind, from, to, rules, bookings }", schema: DeviceBookings }, refusals: [404] },
    post: {
      summary: "Book a slot [start, end) of the device for the caller, within its kind's rules (BATON_BOOKING_RULES)", access: "user", params: deviceId, body: BookingBody,
      ok: { status: 201, description: "{ booking }", schema: BookingAnswer }, refusals: [403, 404, 409, 413],
      refusalText: {
        400: "INVALID_MESSAGE or BOOKING_INVALID: the input is malformed, or the slot breaks the kind's rules (length, how far ahead, in the past)",
        403: "BOOKING_NO_SHOWS: too many missed slots recently",
        409: "BOOKING_CONFLICT or DEVICE_DISABLED: the slot overlaps another booking, or the device is disabled",
        429: "RATE_LIMITED or BOOKING_QUOTA: too many requests, or the booking passes the weekly hours of the kind (BOOKING_LIMIT: too many upcoming bookings)",
      },
    },
  },
  "/pools/{pool}/bookings": {
    post: {
      summary: "Book a slot [start, end) on the first device of the pool free for all of it (devices in id order); the answer names the device", access: "user", params: { pool: "a pool name (a device's explicit pool, else its kind)" }, body: BookingBody,
      ok: { status: 201, description: "{ booking }", schema: BookingAnswer }, refusals: [403, 404, 409, 413],
      refusalText: {
        400: "INVALID_MESSAGE or BOOKING_INVALID: the input is malformed, or the slot breaks the kind's rules",
        403: "BOOKING_NO_SHOWS: too many missed slots recently",
        404: "UNKNOWN_POOL: no enabled device belongs to the pool",
        409: "BOOKING_CONFLICT: every device of the pool is booked at some time in the slot",
        429: "RATE_LIMITED or BOOKING_QUOTA: too many requests, or the booking passes the weekly hours of the kind (BOOKING_LIMIT: too many upcoming bookings)",
      },
    },
  },
  "/devices/{deviceId}/bookings.ics": { get: { summary: "The device's bookings as an iCalendar feed (RFC 5545): a week back, eight weeks ahead, cancelled ones as STATUS:CANCELLED", access: "user", params: deviceId, ok: { description: "text/calendar", schema: "calendar" }, refusals: [404] } },
  "/me/bookings": { get: { summary: "The caller's own bookings overlapping [from, to), earliest first, every status", access: "user", query: BookingRangeQuery, ok: { description: "{ bookings }", schema: MyBookings } } },
  "/bookings/{bookingId}": {
    delete: {
      summary: "Cancel a booking before its slot starts, or end a checked-in one early so the rest of the slot goes to the line (one's own; admins: anyone's)", access: "user", params: { bookingId: "the booking id" },
      ok: { description: "{ booking }", schema: BookingAnswer }, refusals: [404, 409],
      refusalText: { 404: "BOOKING_NOT_FOUND: no such booking of the caller's", 409: "BOOKING_CLOSED: the slot has started, or the booking was missed or cancelled" },
    },
  },
  "/dev/token": { post: { summary: "Development mode only: mint a user JWT (absent in production)", access: "public", body: DevTokenRequest, ok: { description: "{ token, userId, devOnly }", schema: DevTokenAnswer } } },
};

/** Every schema of HttpWireSchemas as JSON Schema, under its id, referring to the others by `$ref`. */
function wireComponents(): Record<string, unknown> {
  const { schemas } = z.toJSONSchema(HttpWireSchemas, { uri: (id) => `#/components/schemas/${id}`, io: "output" });
  // OpenAPI 3.1 takes each as a plain JSON Schema of the document's dialect: no $schema or $id of its own.
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _dialect, $id: _id, ...schema }]) => [id, schema]));
}

export function openApiDocument(options: { includeDevRoutes: boolean; includeMetrics?: boolean }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, methods] of Object.entries(ROUTES)) {
    if (path === "/dev/token" && !options.includeDevRoutes) continue;
    paths[path] = Object.fromEntries(Object.entries(methods).map(([method, op]) => [method, operation(op, !HEALTH_PROBES.has(path))]));
  }
  return {
    openapi: "3.1.0",
    info: { title: "Baton HTTP API", version: "1", description: "Devices, history and admin actions of a Baton server. Errors are `{ code, message }` with the codes of docs/ERRORS.md." },
    security: [{ bearer: [] }],
    paths,
    // What Baton POSTs to the BATON_WEBHOOKS endpoints (README "Webhooks"): one body schema, `data` by `type`.
    webhooks: Object.fromEntries(Object.values(WebhookEvent).map((type) => [type, {
      post: {
        summary: `The ${type} notification (Baton-Event: ${type}), signed in Baton-Signature over Baton-Delivery and the raw body`,
        requestBody: { required: true, content: { "application/json": { schema: componentRef("WebhookNotification") } } },
        responses: { "2XX": { description: "Received; any other answer is retried with the same Baton-Delivery id" } },
      },
    }])),
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "The user JWT the rooms take; admins carry roles: [\"admin\"]." } },
      schemas: wireComponents(),
    },
  };
}

export function openApiRoute(options: { includeDevRoutes: boolean }) {
  const router = express.Router();
  const document = JSON.stringify(openApiDocument(options));
  router.get("/openapi.json", (_request, response) => {
    response.type("application/json").send(document);
  });
  return router;
}
