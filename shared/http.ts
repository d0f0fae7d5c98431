/**
 * The body of every answer of Baton's HTTP API (server/src/http/), as zod schemas — the wire
 * types written once. The routes type their answers from them (and, outside production,
 * check each answer against its schema), GET /openapi.json is generated from them
 * (`z.toJSONSchema(HttpWireSchemas)`, each schema under its `id` in components.schemas), and
 * the SDK (`@baton/client`) returns their inferred types. The body of a webhook delivery,
 * which Baton POSTs rather than answers, is here too (`WebhookNotification`).
 *
 * Free-form JSON (run inputs and outputs, declared input schemas, audit details) is a plain
 * object of unknown values here: what it may hold is checked where it enters (messages.ts).
 * Objects are not strict, so a client that parses answers with these schemas keeps working
 * when a later server adds a field; the OpenAPI document still says `additionalProperties:
 * false`, and the test that checks real answers against it (test/http/wire.test.ts) catches
 * a field that leaks out unannounced.
 */
import { z } from "zod";
import { DeviceAvailability, DeviceConnection, EndReason, ErrorCode, Phase } from "./protocol.ts";

/** Every named HTTP wire schema, by `id` (its name under components.schemas in openapi.json). */
export const HttpWireSchemas = z.registry<{ id: string; description?: string }>();

const timestamp = z.number().describe("milliseconds since the Unix epoch");
const count = z.number().int().nonnegative();
const epoch = z.number().int().nonnegative();
const anyJsonObject = z.record(z.string(), z.unknown());
/** A page's cursor: pass it as `before` (or `after` for devices) to get the next page; absent on the last page. */
const next = z.string().optional();

// ---------------------------------------------------------------- errors
/** Every refusal: a stable code (docs/ERRORS.md) and a sentence for people. */
export const ErrorBody = z.object({ code: z.enum(ErrorCode), message: z.string() })
  .register(HttpWireSchemas, { id: "Error", description: "A refusal: a stable code (docs/ERRORS.md) and a sentence for people." });

// ---------------------------------------------------------------- health
export const Liveness = z.object({ status: z.literal("ok") })
  .register(HttpWireSchemas, { id: "Liveness", description: "GET /healthz: the process answers." });
export const Readiness = z.object({
  status: z.enum(["ready", "degraded", "unready"]),
  /** Why not plainly ready (empty when ready). */
  reasons: z.array(z.string()),
  /** Connected clients, every room. */
  clients: count,
  /** BATON_MAX_CLIENTS. */
  capacity: count,
}).register(HttpWireSchemas, { id: "Readiness", description: "GET /readyz: ready, degraded above 90 % of BATON_MAX_CLIENTS (200), or unready (503)." });
export const HealthSummary = z.object({
  status: z.literal("ok"),
  mode: z.enum(["development", "production", "test"]),
  rooms: count,
  clients: count,
}).register(HttpWireSchemas, { id: "HealthSummary", description: "GET /health: the older summary, kept for existing scripts." });
export const OpenApiDocumentBody = z.looseObject({
  openapi: z.literal("3.1.0"),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), anyJsonObject),
  components: anyJsonObject,
}).register(HttpWireSchemas, { id: "OpenApiDocument", description: "GET /openapi.json: this document (OpenAPI 3.1)." });

// ---------------------------------------------------------------- devices
/** A user as others see them: id and display name. */
export const UserRefBody = z.object({ userId: z.string(), name: z.string() })
  .register(HttpWireSchemas, { id: "UserRef", description: "A user: id and display name." });
export const AvailabilityRecord = z.object({
  status: z.enum(DeviceAvailability),
  reason: z.string(),
  since: timestamp,
  /** Who set it: a user id, `cli:<os user>` or `system`. */
  by: z.string(),
}).register(HttpWireSchemas, { id: "Availability", description: "Whether the device may be granted to anyone new, why, since when and by whom." });

export const DeviceStatus = z.object({
  online: z.boolean(),
  connection: z.enum(DeviceConnection),
  /** When the device last went online or offline. */
  onlineSince: timestamp,
  phase: z.enum(Phase),
  epoch,
  /** The current holder; null when free. */
  holder: UserRefBody.nullable(),
  /** When the current holder claimed the device; null when free. */
  heldSince: timestamp.nullable(),
  /** The run in flight, its session type and its last reported progress (0…1). */
  runId: z.string().nullable(),
  sessionType: z.string().nullable(),
  progress: z.number().nullable(),
  lastEndReason: z.union([z.enum(EndReason), z.literal("")]),
  /** Connected user connections (spectators and the holder). */
  viewers: count,
  /** Users waiting for the device (an open offer's holder included). */
  queueLength: count,
  availability: AvailabilityRecord,
  /** False while the device owes a `ready` after the last session (physical reset pending). */
  ready: z.boolean(),
  /** The firmware version of the device's last `hello` (issue 23); absent before any. */
  firmware: z.string().optional(),
  /** Free stack (high-water marks, bytes) of its main and OTA tasks, from its last heartbeat while connected. */
  stackFree: z.object({ main: count, ota: count.optional() }).optional(),
}).register(HttpWireSchemas, { id: "DeviceStatus", description: "A device's live status: what a spectator sees, without joining its room." });

export const DeviceSummary = z.object({
  deviceId: z.string(),
  label: z.string(),
  kind: z.string(),
  /** The pool it serves in ("any free scale"): an operator's pool name, else its kind; "" = in no pool. */
  pool: z.string(),
  disabled: z.boolean(),
  disabledAt: timestamp.nullable(),
  createdAt: timestamp,
  status: DeviceStatus,
}).register(HttpWireSchemas, { id: "DeviceSummary", description: "A registered device with its live status." });

export const DeclaredSessionType = z.object({
  name: z.string(),
  /** A JSON Schema for the run's `input`, as the device declared it. */
  inputSchema: anyJsonObject,
  /** A JSON Schema of the run's `output` with titles and units (`x-unit`, `x-decimals`), if the device declared one. */
  outputSchema: anyJsonObject.optional(),
  maxDurationMs: z.number().int().positive(),
  stepTimeoutMs: z.number().int().positive().optional(),
  needsReset: z.boolean().optional(),
  health: z.boolean().optional(),
}).register(HttpWireSchemas, { id: "DeclaredSessionType", description: "A session type as the device declared it in its last `hello`." });

export const DeviceDetails = DeviceSummary.extend({
  /** The session types the device declared when it last said hello (kept while it is offline). */
  sessionTypes: z.array(DeclaredSessionType),
}).register(HttpWireSchemas, { id: "DeviceDetails", description: "GET /devices/{deviceId}: one device with its declared session types." });

export const DeviceList = z.object({ devices: z.array(DeviceSummary), next })
  .register(HttpWireSchemas, { id: "DeviceList", description: "GET /devices: devices sorted by id; `next` is the `after` of the following page." });

// ---------------------------------------------------------------- sessions and runs
export const SessionRecord = z.object({
  deviceId: z.string(),
  epoch,
  userId: z.string(),
  userName: z.string(),
  startedAt: timestamp,
  endedAt: timestamp.nullable(),
  /** An EndReason; null while the session lasts. */
  endReason: z.string().nullable(),
}).register(HttpWireSchemas, { id: "SessionRecord", description: "One session: holder, epoch, times, end reason." });

export const RunRecord = z.object({
  deviceId: z.string(),
  runId: z.string(),
  epoch,
  userId: z.string(),
  sessionType: z.string(),
  input: anyJsonObject,
  startedAt: timestamp,
  endedAt: timestamp.nullable(),
  /** null while the run is in flight. */
  ok: z.boolean().nullable(),
  output: anyJsonObject.nullable(),
  failureCode: z.string().nullable(),
  failureMessage: z.string().nullable(),
}).register(HttpWireSchemas, { id: "RunRecord", description: "One run with its input and output (its holder and admins only)." });

export const PrivateRunRecord = RunRecord.omit({ input: true, output: true }).extend({ private: z.literal(true) })
  .register(HttpWireSchemas, { id: "PrivateRunRecord", description: "Another user's run: everything but its input and output." });

export const DeviceSessionsPage = z.object({ deviceId: z.string(), sessions: z.array(SessionRecord), next })
  .register(HttpWireSchemas, { id: "DeviceSessionsPage", description: "GET /devices/{deviceId}/sessions: newest first; `next` is an epoch, the `before` of the following page." });

export const SessionDetail = z.object({
  session: SessionRecord,
  /** Oldest first; another user's runs without input and output. */
  runs: z.array(z.union([RunRecord, PrivateRunRecord])),
  /** Present when the session has more runs than one answer lists. */
  runsTruncated: z.literal(true).optional(),
}).register(HttpWireSchemas, { id: "SessionDetail", description: "GET /devices/{deviceId}/sessions/{epoch}: one session with its runs." });

export const RunDetail = z.object({ run: RunRecord })
  .register(HttpWireSchemas, { id: "RunDetail", description: "GET /devices/{deviceId}/runs/{runId}." });

export const SessionsPage = z.object({ sessions: z.array(SessionRecord), next })
  .register(HttpWireSchemas, { id: "SessionsPage", description: "GET /me/sessions: the caller's sessions, newest first; `next` is the `before` of the following page." });

// ---------------------------------------------------------------- results
export const StoredResult = z.object({
  deviceId: z.string(),
  runId: z.string(),
  epoch,
  sessionType: z.string(),
  output: anyJsonObject,
  storedAt: timestamp,
  /** The run had already ended when the result arrived (timed out, cancelled, a later epoch); still the owner's. */
  late: z.literal(true).optional(),
  /** How the run had ended (e.g. RUN_TIMEOUT, CANCELLED), or STALE_EPOCH / UNKNOWN_RUN. */
  lateReason: z.string().optional(),
}).register(HttpWireSchemas, { id: "StoredResult", description: "A result kept for its owner." });

/** A failure or a session's end kept for its owner (issue 21 item 4): the message as sent. */
export const StoredOutcomeBody = z.object({
  deviceId: z.string(),
  kind: z.enum(["run_failed", "session_ended"]),
  /** The failure's run id, or the session end's `ackId`. */
  outcomeId: z.string(),
  epoch,
  message: anyJsonObject,
  storedAt: timestamp,
  /** When the owner's client acknowledged it; null while it is still given at each join. */
  acknowledgedAt: timestamp.nullable(),
}).register(HttpWireSchemas, { id: "StoredOutcome", description: "A failed run or a session's end, kept for its owner." });

export const OutcomesPage = z.object({ outcomes: z.array(StoredOutcomeBody), next })
  .register(HttpWireSchemas, { id: "OutcomesPage", description: "GET /results/outcomes: the caller's failed runs and session ends, newest first; `next` is the `before` of the following page." });

export const ResultsPage = z.object({ results: z.array(StoredResult), next })
  .register(HttpWireSchemas, { id: "ResultsPage", description: "GET /results: the caller's results, newest first; `next` is the `before` of the following page." });

// ---------------------------------------------------------------- admin
/** What an audit entry records: every privileged action. */
export const AuditAction = {
  CLAIM: "claim",
  RELEASE: "release",
  KICK: "kick",
  REGISTER: "register",
  DISABLE: "disable",
  /** Removed from the registry (`device delete`, DELETE /admin/devices/{deviceId}). */
  DELETE: "delete",
  ROTATE_SECRET: "rotate",
  RAISE_EPOCH: "raise-epoch",
  /** Drained, quarantined, put in maintenance or returned to service (detail: status, reason, previous). */
  AVAILABILITY: "availability",
  /** Its explicit pool set or cleared (detail: pool, previous). */
  POOL: "pool",
  /** The holder handed the device to a named user who accepted (detail: from, to, fromEpoch, epoch; issue 24). */
  HANDED_OVER: "session.handed_over",
  /** A firmware update asked for (detail: version, url, sha256, fromVersion; issue 23). */
  UPDATE_REQUESTED: "update-requested",
  /** The pending firmware update withdrawn (detail: version). */
  UPDATE_CANCELLED: "update-cancelled",
  /** The device came back with the requested version (actor `system`; detail: version, fromVersion). */
  UPDATE_APPLIED: "update-applied",
  /** The device came back with another version after the offer: download/check failed or rolled back (actor `system`; detail: version, reported, reason). */
  UPDATE_FAILED: "update-failed",
} as const;
export type AuditActionName = (typeof AuditAction)[keyof typeof AuditAction];

export const AuditEntryBody = z.object({
  at: timestamp,
  /** A user id, `cli:<os user>`, `import:<file>` or `system`. */
  actor: z.string(),
  action: z.enum(AuditAction),
  deviceId: z.string(),
  /** Free-form context (epoch, label, …); never a secret. */
  detail: anyJsonObject,
}).register(HttpWireSchemas, { id: "AuditEntry", description: "Who did what, when." });

export const AuditLogPage = z.object({ entries: z.array(AuditEntryBody) })
  .register(HttpWireSchemas, { id: "AuditLog", description: "GET /admin/audit: newest first." });

export const DeviceHistory = z.object({
  deviceId: z.string(),
  sessions: z.array(SessionRecord),
  runs: z.array(RunRecord),
  audit: z.array(AuditEntryBody),
}).register(HttpWireSchemas, { id: "DeviceHistory", description: "GET /devices/{deviceId}/history (admins): sessions, runs and audit entries, newest first." });

export const DeviceRegistered = z.object({ deviceId: z.string(), label: z.string(), kind: z.string(), secret: z.string() })
  .register(HttpWireSchemas, { id: "DeviceRegistered", description: "POST /admin/devices: the new device and its secret, shown this once." });

export const DisabledDevice = z.object({ deviceId: z.string(), disabled: z.literal(true), disabledAt: timestamp })
  .register(HttpWireSchemas, { id: "DisabledDevice", description: "POST /admin/devices/{deviceId}/disable." });

export const DeletedDevice = z.object({ deviceId: z.string(), deleted: z.literal(true) })
  .register(HttpWireSchemas, { id: "DeletedDevice", description: "DELETE /admin/devices/{deviceId}: removed from the registry (its history and epoch stay)." });

export const RotatedSecret = z.object({ deviceId: z.string(), secret: z.string() })
  .register(HttpWireSchemas, { id: "RotatedSecret", description: "POST /admin/devices/{deviceId}/rotate-secret: the new secret, shown this once." });

export const ForceReleased = z.object({
  deviceId: z.string(),
  /** False when nobody held the device (nothing was done). */
  released: z.boolean(),
  /** The epoch of the session that was ended (or the current one when nothing was held). */
  epoch,
  holder: UserRefBody.nullable(),
}).register(HttpWireSchemas, { id: "ForceReleased", description: "POST /admin/devices/{deviceId}/force-release." });

export const PoolSet = z.object({
  deviceId: z.string(),
  /** The pool it serves in now: the explicit pool, else its kind ("" = none). */
  pool: z.string(),
  /** The explicit pool name ("" = none: its kind's pool). */
  explicitPool: z.string(),
}).register(HttpWireSchemas, { id: "PoolSet", description: "POST /admin/devices/{deviceId}/pool: the device's pool now." });

export const AvailabilityChanged = z.object({
  deviceId: z.string(),
  availability: AvailabilityRecord,
  holder: UserRefBody.nullable(),
  queueLength: count,
}).register(HttpWireSchemas, { id: "AvailabilityChanged", description: "POST /admin/devices/{deviceId}/drain, /quarantine, /return-to-service: the device's availability now." });

export const QueueListing = z.object({
  deviceId: z.string(),
  /** When the open offer ends (0 = none). */
  handoffUntil: timestamp,
  entries: z.array(z.object({
    position: z.number().int().positive(),
    userId: z.string(),
    name: z.string(),
    since: timestamp,
    sessionType: z.string().nullable(),
    /** This user holds the hand-off offer now. */
    offered: z.boolean(),
    /** Their connection is gone; they keep their place for the reconnect grace. */
    away: z.boolean(),
  })),
}).register(HttpWireSchemas, { id: "QueueListing", description: "GET /admin/devices/{deviceId}/queue: who waits, in order." });

export const FirmwareUpdateBody = z.object({
  deviceId: z.string(),
  url: z.string(),
  version: z.string(),
  sha256: z.string(),
  /** pending (offered, or waiting for the device), applied, failed (it came back on another version: download, check or rollback), cancelled. */
  status: z.enum(["pending", "applied", "failed", "cancelled"]),
  requestedBy: z.string(),
  requestedAt: timestamp,
  /** The firmware the device last reported when the update was asked for ("" = unknown). */
  fromVersion: z.string(),
  /** When the offer last went to the device (0 = not yet: it is offline, or has not said hello). */
  offeredAt: timestamp,
  /** When it was applied, failed or cancelled (0 while pending). */
  finishedAt: timestamp,
  /** Why it failed or was cancelled. */
  detail: z.string(),
}).register(HttpWireSchemas, { id: "FirmwareUpdate", description: "A device's latest firmware update request and where it stands (issue 23)." });

export const FirmwareUpdateState = z.object({
  deviceId: z.string(),
  /** The latest request; null when none was ever made. */
  update: FirmwareUpdateBody.nullable(),
  /** The firmware of the device's last hello ("" = never connected). */
  firmware: z.string(),
}).register(HttpWireSchemas, { id: "FirmwareUpdateState", description: "GET, POST /admin/devices/{deviceId}/update and POST …/update/cancel: the device's update request and firmware now." });

export const WebhookDelivery = z.object({
  id: z.number().int().positive(),
  /** The endpoint's origin and path (its query and credentials are never shown). */
  endpoint: z.string(),
  deviceId: z.string(),
  eventType: z.string(),
  attempts: count,
  /** When the next attempt is due (pending), or was last scheduled (failed). */
  nextAttemptAt: timestamp,
  createdAt: timestamp,
  /** When the dispatcher gave up on it; null while it is still retried. */
  givenUpAt: timestamp.nullable(),
  /** The last attempt's problem (status or network error); null before any failure. */
  lastError: z.string().nullable(),
}).register(HttpWireSchemas, { id: "WebhookDelivery", description: "A webhook notification not delivered (yet): its endpoint, attempts and last error; never its body." });

export const WebhookDeliveries = z.object({ state: z.enum(["pending", "failed"]), deliveries: z.array(WebhookDelivery) })
  .register(HttpWireSchemas, { id: "WebhookDeliveries", description: "GET /admin/webhooks: pending (still retried) or failed (given up) deliveries, newest first." });

export const WebhookRetried = z.object({ id: z.number().int().positive(), retried: z.literal(true), nextAttemptAt: timestamp })
  .register(HttpWireSchemas, { id: "WebhookRetried", description: "POST /admin/webhooks/{id}/retry: the failed delivery is pending again, due now." });

// ---------------------------------------------------------------- development
export const DevTokenAnswer = z.object({ token: z.string(), userId: z.string(), devOnly: z.literal(true) })
  .register(HttpWireSchemas, { id: "DevToken", description: "POST /dev/token (development mode only): a user JWT." });

// ---------------------------------------------------------------- sign-in (issue 22)
export const AuthConfigAnswer = z.object({
  /** POST /dev/token exists (development mode). */
  devSignIn: z.boolean(),
  /** The OpenID Connect provider the dashboard signs in with (authorization code + PKCE), or null. */
  oidc: z.object({
    issuer: z.string(),
    clientId: z.string(),
    scopes: z.string(),
    providerName: z.string(),
    /** Signature algorithms this server accepts from the provider (BATON_OIDC_ALGORITHMS). */
    algorithms: z.array(z.string()),
    /** From the provider's discovery document; absent (with `problem`) while it cannot be reached. */
    authorizationEndpoint: z.string().optional(),
    tokenEndpoint: z.string().optional(),
    endSessionEndpoint: z.string().optional(),
    problem: z.string().optional(),
  }).nullable(),
}).register(HttpWireSchemas, { id: "AuthConfig", description: "GET /auth/config: how the dashboard may sign people in (public)." });
export const WhoAmIAnswer = z.object({ userId: z.string(), name: z.string(), roles: z.array(z.string()) })
  .register(HttpWireSchemas, { id: "WhoAmI", description: "GET /auth/me: the caller as this server maps their token (id, display name, roles)." });

// ---------------------------------------------------------------- webhooks (what Baton POSTs)
/** The notifications Baton POSTs to BATON_WEBHOOKS endpoints (README "Webhooks"; openapi.json `webhooks`). */
export const WebhookEvent = {
  DEVICE_ONLINE: "device.online",
  DEVICE_OFFLINE: "device.offline",
  DEVICE_FREE: "device.free",
  SESSION_ENDED: "session.ended",
  RESULT_READY: "result.ready",
  /** The device is offered to the first in line: "your turn" (data: userId, expiresAt). */
  YOUR_TURN: "queue.your_turn",
  /** Drained, quarantined, maintenance or back in service (data: status, previous, reason, by): for admins. */
  DEVICE_AVAILABILITY: "device.availability",
  /** The holder's session ends soon unless extended (data: epoch, userId, expiresAt): "you are about to lose the device". */
  SESSION_EXPIRING: "session.expiring",
  /** A booked slot begins soon (data: bookingId, userId, start, end, holderId): the holder, if another user, will be released at `start`. */
  BOOKING_STARTING: "booking.starting",
  /** A booked slot's check-in window passed without the booker (data: bookingId, userId, start, end): the slot went to the line. */
  BOOKING_NO_SHOW: "booking.no_show",
} as const;
export type WebhookEventName = (typeof WebhookEvent)[keyof typeof WebhookEvent];

/** One notification's body: `{ type, deviceId, at, data }`, `data` by type. Never run inputs or outputs. */
const notification = <T extends WebhookEventName, D extends z.ZodObject>(type: T, data: D) =>
  z.object({ type: z.literal(type), deviceId: z.string(), at: timestamp, data });
export const WebhookNotification = z.discriminatedUnion("type", [
  notification(WebhookEvent.DEVICE_ONLINE, z.object({ firmware: z.string() })),
  notification(WebhookEvent.DEVICE_OFFLINE, z.object({})),
  notification(WebhookEvent.DEVICE_FREE, z.object({ epoch })),
  notification(WebhookEvent.SESSION_ENDED, z.object({ epoch, userId: z.string(), reason: z.enum(EndReason) })),
  notification(WebhookEvent.RESULT_READY, z.object({ epoch, runId: z.string(), userId: z.string(), sessionType: z.string() })),
  notification(WebhookEvent.YOUR_TURN, z.object({ userId: z.string(), expiresAt: timestamp })),
  notification(WebhookEvent.DEVICE_AVAILABILITY, z.object({ status: z.enum(DeviceAvailability), previous: z.enum(DeviceAvailability), reason: z.string(), by: z.string() })),
  notification(WebhookEvent.SESSION_EXPIRING, z.object({ epoch, userId: z.string(), expiresAt: timestamp })),
  notification(WebhookEvent.BOOKING_STARTING, z.object({ bookingId: z.string(), userId: z.string(), start: timestamp, end: timestamp, holderId: z.string().nullable() })),
  notification(WebhookEvent.BOOKING_NO_SHOW, z.object({ bookingId: z.string(), userId: z.string(), start: timestamp, end: timestamp })),
]).register(HttpWireSchemas, { id: "WebhookNotification", description: "The body of a webhook delivery Baton POSTs (signed: Baton-Signature over Baton-Delivery and the raw body)." });

// ---------------------------------------------------------------- bookings (issue 24 part 3)
export const BookingStatusName = z.enum(["booked", "checked_in", "no_show", "cancelled"]);

export const BookingRecord = z.object({
  bookingId: z.string(),
  deviceId: z.string(),
  start: timestamp,
  end: timestamp,
  status: BookingStatusName,
  /** The booker's display name: all others see of them. */
  userName: z.string(),
  /** The caller's own booking. */
  mine: z.boolean(),
  /** The booker's user id: only in the caller's own bookings, and for admins. */
  userId: z.string().optional(),
}).register(HttpWireSchemas, { id: "BookingRecord", description: "One booked slot of a device, [start, end). Others' bookings show the slot and the booker's display name only." });

export const BookingRulesBody = z.object({
  enabled: z.boolean(),
  maxSlotMs: count,
  minSlotMs: count,
  maxAheadMs: count,
  /** 0 = no weekly cap. */
  weeklyMsPerUser: count,
  checkInWindowMs: count,
  warnBeforeMs: count,
  /** 0 = misses never refuse bookings. */
  maxNoShows: count,
  noShowLookbackMs: count,
  maxUpcomingPerUser: count,
}).register(HttpWireSchemas, { id: "BookingRules", description: "The booking rules of a device's kind (BATON_BOOKING_RULES), in milliseconds." });

export const DeviceBookings = z.object({
  deviceId: z.string(),
  kind: z.string(),
  from: timestamp,
  to: timestamp,
  rules: BookingRulesBody,
  bookings: z.array(BookingRecord),
}).register(HttpWireSchemas, { id: "DeviceBookings", description: "GET /devices/{deviceId}/bookings: the device's bookings overlapping [from, to), earliest first, cancelled ones left out." });

export const BookingAnswer = z.object({ booking: BookingRecord })
  .register(HttpWireSchemas, { id: "BookingAnswer", description: "POST /devices/{deviceId}/bookings (201) and DELETE /bookings/{bookingId}: the booking as stored." });

export const MyBookings = z.object({ bookings: z.array(BookingRecord) })
  .register(HttpWireSchemas, { id: "MyBookings", description: "GET /me/bookings: the caller's bookings overlapping [from, to), earliest first." });

// ---------------------------------------------------------------- inferred types
export type ErrorBody = z.infer<typeof ErrorBody>;
export type Liveness = z.infer<typeof Liveness>;
export type Readiness = z.infer<typeof Readiness>;
export type HealthSummary = z.infer<typeof HealthSummary>;
export type UserRefBody = z.infer<typeof UserRefBody>;
export type AvailabilityRecord = z.infer<typeof AvailabilityRecord>;
export type DeviceStatus = z.infer<typeof DeviceStatus>;
export type DeviceSummary = z.infer<typeof DeviceSummary>;
export type DeclaredSessionType = z.infer<typeof DeclaredSessionType>;
export type DeviceDetails = z.infer<typeof DeviceDetails>;
export type DeviceList = z.infer<typeof DeviceList>;
export type SessionRecord = z.infer<typeof SessionRecord>;
export type RunRecord = z.infer<typeof RunRecord>;
export type PrivateRunRecord = z.infer<typeof PrivateRunRecord>;
export type DeviceSessionsPage = z.infer<typeof DeviceSessionsPage>;
export type SessionDetail = z.infer<typeof SessionDetail>;
export type RunDetail = z.infer<typeof RunDetail>;
export type SessionsPage = z.infer<typeof SessionsPage>;
export type StoredResult = z.infer<typeof StoredResult>;
export type ResultsPage = z.infer<typeof ResultsPage>;
export type OutcomesPage = z.infer<typeof OutcomesPage>;
export type StoredOutcomeBody = z.infer<typeof StoredOutcomeBody>;
export type AuditEntryBody = z.infer<typeof AuditEntryBody>;
export type AuditLogPage = z.infer<typeof AuditLogPage>;
export type DeviceHistory = z.infer<typeof DeviceHistory>;
export type DeviceRegistered = z.infer<typeof DeviceRegistered>;
export type DisabledDevice = z.infer<typeof DisabledDevice>;
export type DeletedDevice = z.infer<typeof DeletedDevice>;
export type RotatedSecret = z.infer<typeof RotatedSecret>;
export type ForceReleased = z.infer<typeof ForceReleased>;
export type AvailabilityChanged = z.infer<typeof AvailabilityChanged>;
export type PoolSet = z.infer<typeof PoolSet>;
export type QueueListing = z.infer<typeof QueueListing>;
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;
export type FirmwareUpdateBody = z.infer<typeof FirmwareUpdateBody>;
export type FirmwareUpdateState = z.infer<typeof FirmwareUpdateState>;
export type WebhookDeliveries = z.infer<typeof WebhookDeliveries>;
export type WebhookRetried = z.infer<typeof WebhookRetried>;
export type DevTokenAnswer = z.infer<typeof DevTokenAnswer>;
export type AuthConfigAnswer = z.infer<typeof AuthConfigAnswer>;
export type WhoAmIAnswer = z.infer<typeof WhoAmIAnswer>;
export type WebhookNotification = z.infer<typeof WebhookNotification>;
export type BookingRecord = z.infer<typeof BookingRecord>;
export type BookingRulesBody = z.infer<typeof BookingRulesBody>;
export type DeviceBookings = z.infer<typeof DeviceBookings>;
export type BookingAnswer = z.infer<typeof BookingAnswer>;
export type MyBookings = z.infer<typeof MyBookings>;
