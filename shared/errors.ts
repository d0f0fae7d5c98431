/**
 * The error table: for every code of `ErrorCode` (protocol.ts) its HTTP status, its sentence
 * as a function of typed parameters, and its section in docs/ERRORS.md — the way fastify's
 * `lib/errors.js` keeps its `FST_ERR_*` codes. Nothing else in Baton writes an error sentence:
 * the session core returns `{ code, params }` (an `ErrorValue`), and the rooms, the HTTP API
 * and the SDK render it here with `renderError`. `test/errors.test.ts` keeps this table, the
 * docs and the code base in step (every code documented, no sentence written outside).
 *
 * Sentences are whole sentences a person can act on (capital letter, full stop). The wire
 * still carries `{ code, message, request }`: `message` is `renderError(code, params)`.
 * Several codes cover a few situations (`UNAUTHORIZED`: a wrong secret, an expired token, …);
 * their parameters are a union tagged by `reason`, so each situation keeps its own sentence.
 */
import { DEVICE_ROOM_NAME, ErrorCode, POOL_ROOM_NAME, type ErrorCodeName } from "./protocol.ts";

/** One row of the table. `httpStatus`: what an HTTP answer with this code carries. */
export interface ErrorEntry<Params> {
  httpStatus: number;
  /** A variant of the code answered with another status (INTERNAL_ERROR: 503 when the store is down). */
  statusFor?: (params: Params) => number | undefined;
  sentence: (params: Params) => string;
}

/** The parameters of a sentence that takes none: `{}`. */
type NoParams = Record<never, never>;

function entry<Params>(httpStatus: number, sentence: (params: Params) => string, statusFor?: (params: Params) => number | undefined): ErrorEntry<Params> {
  return statusFor ? { httpStatus, sentence, statusFor } : { httpStatus, sentence };
}

/** A library's own account of what it refused (body-parser's "request entity too large"). */
type Detail = { detail: string };
/** Where a line is: one device's, or a pool's. */
type LineOf = { deviceId: string } | { pool: string };

const iso = (at: number) => new Date(at).toISOString();
const minutes = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms} ms`);
const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? "" : "s"}`;
const lineName = (line: LineOf) => ("pool" in line ? `pool ${line.pool}` : `device ${line.deviceId}`);
const aDeviceOf = (line: LineOf) => ("pool" in line ? `a device of pool ${line.pool}` : `device ${line.deviceId}`);
/** "some words" → "Some words." — for a detail that is already a sentence of its own. */
const asSentence = (text: string) => {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?)]$/.test(capital) ? capital : `${capital}.`;
};

export const ERRORS = {
  // --- join ---
  [ErrorCode.UNAUTHORIZED]: entry<
    | { reason: "deviceDisabled"; deviceId: string }
    | { reason: "secretMissing"; deviceId: string }
    | { reason: "secretWrong"; deviceId: string }
    | { reason: "unknownRole"; role: string }
    /** A user token that does not verify; `problem` is userTokens' own account of why. */
    | { reason: "token"; problem: string }
    | { reason: "metricsToken" }
    /** A device seat reserved before the device was disabled or its secret rotated; `why` says which. */
    | { reason: "seatRevoked"; deviceId: string; why: string }
  >(401, (p) => {
    switch (p.reason) {
      case "deviceDisabled": return `Device "${p.deviceId}" is disabled; an operator must register it again.`;
      case "secretMissing": return `The secret for device "${p.deviceId}" is missing; send it as Authorization: Bearer <secret>.`;
      case "secretWrong": return `The secret for device "${p.deviceId}" is wrong.`;
      case "unknownRole": return `Unknown role ${p.role}; users omit role, devices send role: "device".`;
      case "token": return `${asSentence(p.problem).replace(/\.$/, "")}. Send a user JWT as Authorization: Bearer <token>.`;
      case "metricsToken": return "Send BATON_METRICS_TOKEN as Authorization: Bearer <token> to read /metrics.";
      case "seatRevoked": return `Device ${p.deviceId} may no longer join: ${p.why} after this seat was reserved.`;
    }
  }),
  [ErrorCode.UNKNOWN_DEVICE]: entry<{ deviceId: string } | { reason: "noDeviceId" | "roomWithoutDeviceId" }>(404, (p) => {
    if ("deviceId" in p) return `No device "${p.deviceId}" is registered.`;
    return p.reason === "noDeviceId"
      ? "Join options must name a device: { deviceId: \"...\" } (1–64 letters, digits, '_' or '-')."
      : "A device room needs a valid deviceId.";
  }),
  [ErrorCode.DEVICE_ALREADY_CONNECTED]: entry<{ deviceId: string }>(409, (p) => `Device ${p.deviceId} is already connected.`),
  [ErrorCode.ROOM_FULL]: entry<
    /** Colyseus refused the seat at matchmaking; which of the two limits is not known there. */
    | { reason: "noSeat" }
    | { reason: "deviceViewers"; deviceId: string; maxViewers: number; maxPerUser: number }
    /** The seat cap checked again when the connection joins. */
    | { reason: "viewersFull"; deviceId: string; maxViewers: number }
    | { reason: "poolSeats"; pool: string; maxConnections: number; maxPerUser: number }
  >(503, (p) => {
    switch (p.reason) {
      case "noSeat": return "This device has no free seat: it has reached BATON_MAX_SPECTATORS viewers, or you have BATON_MAX_CONNECTIONS_PER_USER connections to it already. Close a tab or try again later.";
      case "deviceViewers": return `Device ${p.deviceId} has no free viewer seat (at most ${p.maxViewers} viewers, ${p.maxPerUser} connections per user); try again later.`;
      case "viewersFull": return `Device ${p.deviceId} already has ${p.maxViewers} viewers.`;
      case "poolSeats": return `Pool ${p.pool} has no free seat (at most ${p.maxConnections} connections, ${p.maxPerUser} per user); try again later.`;
    }
  }),
  /** `method`: the matchmaking method asked for (joinById, create, …), cut short by the caller. */
  [ErrorCode.METHOD_NOT_ALLOWED]: entry<{ reason: "deviceMethod" | "deviceRoomMethod" | "poolRoomMethod"; method: string } | { reason: "deviceInPool" }>(405, (p) => {
    switch (p.reason) {
      case "deviceMethod": return `Devices join with joinOrCreate("${DEVICE_ROOM_NAME}", { deviceId, role: "device" }); "${p.method}" is not served for them.`;
      case "deviceRoomMethod": return `The method "${p.method}" is not served for device rooms; use joinOrCreate("${DEVICE_ROOM_NAME}", { deviceId }) or joinById(deviceId). Rooms are created on demand, one per device.`;
      case "poolRoomMethod": return `The method "${p.method}" is not served for pool rooms; use joinOrCreate("${POOL_ROOM_NAME}", { pool }). There is one room per pool.`;
      case "deviceInPool": return `Devices never join a pool room; a device joins its own room with joinOrCreate("${DEVICE_ROOM_NAME}", { deviceId, role: "device" }).`;
    }
  }),
  /** Names arrive as the client sent them (cut short by the caller) and are quoted here. */
  [ErrorCode.WRONG_ROOM]: entry<
    | { reason: "optionsNameDevice"; deviceId: string; roomId: string }
    | { reason: "optionsNamePool"; pool: string; roomPool: string }
    | { reason: "admittedForDevice"; admitted: unknown; deviceId: string }
    | { reason: "admittedForPool"; admitted: unknown; pool: string }
  >(403, (p) => {
    switch (p.reason) {
      case "optionsNameDevice": return `The join options name device ${JSON.stringify(p.deviceId)} but the URL names room "${p.roomId}"; they must be the same.`;
      case "optionsNamePool": return `The join options name pool ${JSON.stringify(p.pool)} but the URL names the room of pool "${p.roomPool}"; they must be the same.`;
      case "admittedForDevice": return `This connection was admitted for ${p.admitted === undefined ? "no device" : `device ${JSON.stringify(p.admitted)}`}, not ${p.deviceId}.`;
      case "admittedForPool": return `This connection was admitted for ${p.admitted === undefined ? "no pool" : `pool ${JSON.stringify(p.admitted)}`}, not ${p.pool}.`;
    }
  }),
  [ErrorCode.DEVICE_ROOM_EXISTS]: entry<{ deviceId: string }>(409, (p) =>
    `Device ${p.deviceId} already has its room (or a process that stopped still holds it, for at most BATON_ROOM_LOCK_TTL_MS); join it with joinOrCreate, or try again in a few seconds.`),
  [ErrorCode.SERVER_BUSY]: entry<{ reason: "secretChecks" | "draining" | "quotaStore" }>(503, (p) => {
    switch (p.reason) {
      case "secretChecks": return "Too many device secrets are being checked right now; try again in a second.";
      case "draining": return "The server is shutting down; join again in a few seconds (another process, or this one restarted).";
      case "quotaStore": return "The per-user limits could not be checked just now (the quota store did not answer); try again in a few seconds.";
    }
  }),

  // --- session rules ---
  [ErrorCode.DEVICE_BUSY]: entry<{ deviceId: string; holder: string }>(409, (p) => `Device ${p.deviceId} is held by ${p.holder}.`),
  [ErrorCode.ALREADY_HOLDER]: entry<{ deviceId: string; queueing?: boolean }>(409, (p) =>
    p.queueing ? `You already hold device ${p.deviceId}; there is nothing to wait for.` : `You already hold device ${p.deviceId}.`),
  [ErrorCode.NOT_OWNER]: entry<
    | { reason: "nobodyHolds"; deviceId: string; action: string }
    | { reason: "heldByOther"; deviceId: string; action: string; holder: string }
    | { reason: "extendNotHeld"; deviceId: string }
  >(403, (p) => {
    switch (p.reason) {
      case "nobodyHolds": return `You cannot ${p.action}: nobody holds device ${p.deviceId}; claim it first.`;
      case "heldByOther": return `You cannot ${p.action}: device ${p.deviceId} is held by ${p.holder}.`;
      case "extendNotHeld": return `You cannot extend a session on device ${p.deviceId}: you do not hold it.`;
    }
  }),
  [ErrorCode.NO_RUN]: entry<{ deviceId: string }>(409, (p) => `No run is in progress on device ${p.deviceId}.`),
  [ErrorCode.RUN_IN_PROGRESS]: entry<{ runId: string; sessionType: string }>(409, (p) =>
    `Run ${p.runId} (${p.sessionType}) is still in progress; cancel it or wait for its result.`),
  [ErrorCode.DEVICE_OFFLINE]: entry<
    | { deviceId: string; request: "claim" | "run" }
    /** A pool asking a device's room for a claim: the room is closing, is nowhere, or did not answer (`problem`: why). */
    | { reason: "roomClosing" | "notConnected"; deviceId: string }
    | { reason: "roomUnreachable"; deviceId: string; problem: string }
  >(409, (p) => {
    if ("reason" in p) {
      switch (p.reason) {
        case "roomClosing": return `Device ${p.deviceId}'s room is closing.`;
        case "notConnected": return `Device ${p.deviceId} is not connected.`;
        case "roomUnreachable": return `Device ${p.deviceId}'s room did not answer (${p.problem}).`;
      }
    }
    return p.request === "claim"
      ? `Device ${p.deviceId} is offline; it cannot be claimed until it reconnects.`
      : `Device ${p.deviceId} is offline; no run can start until it reconnects.`;
  }),
  [ErrorCode.UNKNOWN_SESSION_TYPE]: entry<{ deviceId: string; sessionType: string; offered: string[] }>(400, (p) =>
    `Device ${p.deviceId} has no session type "${p.sessionType}" (it offers: ${p.offered.join(", ") || "none"}).`),
  /** `problem`: the validator's account (`input.userAge must be integer`). */
  [ErrorCode.INVALID_INPUT]: entry<{ sessionType: string; problem: string }>(400, (p) => `Input for "${p.sessionType}" is invalid: ${p.problem}`),

  // --- message edge ---
  [ErrorCode.INVALID_MESSAGE]: entry<
    /** A zod parse failed: `what` names the thing parsed ("Query", "Body"), `problem` the first issue. */
    | { reason: "malformed"; what: string; problem: string }
    | { reason: "badCursor" }
    | { reason: "bodyNotJson" }
    | { reason: "bodyNotObject" }
    /** body-parser's own account of what it read ("Unexpected token … in JSON"). */
    | { reason: "bodyRejected"; detail: string }
    | { reason: "percentEncoding" }
    /** Any other 4xx an express layer raised; answered with that status. */
    | { reason: "refused"; status: number }
    /** A message's payload failed its schema (`type`: the message, `problem`: the first issue). */
    | { reason: "payload"; type: string; problem: string }
    /** A `telemetry` value for a channel the device did not declare in `hello`, or of another type. */
    | { reason: "telemetryChannel"; channel: string; problem: string }
    /** Pool join options: `problem` when a parse said why. */
    | { reason: "poolJoinOptions"; problem?: string }
    | { reason: "poolRoomWithoutName" | "frameUndecodable" | "frameFailed" | "poolClaim" | "notPlainJson" }
  >(400, (p) => {
    switch (p.reason) {
      case "malformed": return `${p.what} is malformed: ${p.problem}.`;
      case "badCursor": return "Query is malformed: before must be the `next` of a previous page.";
      case "bodyNotJson": return "The request body is not valid JSON; send the join options as a JSON object, e.g. {\"deviceId\":\"scale-1\"}.";
      case "bodyNotObject": return "The request body must be a JSON object of join options, e.g. {\"deviceId\":\"scale-1\"}.";
      case "bodyRejected": return `Request body rejected: ${p.detail}.`;
      case "percentEncoding": return "The request path is not valid percent-encoding (a % must be followed by two hex digits of UTF-8).";
      case "refused": return `The request was refused (HTTP ${p.status}).`;
      case "payload": return `Payload of "${p.type}" is malformed: ${p.problem}.`;
      case "telemetryChannel": return `Telemetry channel ${JSON.stringify(p.channel)}: ${p.problem}; the message was dropped.`;
      case "poolJoinOptions": return p.problem === undefined
        ? "Pool join options are { pool: \"<name>\" } (1–64 letters, digits, '_' or '-')."
        : `Pool join options are { pool }: ${p.problem}.`;
      case "poolRoomWithoutName": return "A pool room needs a valid pool name.";
      case "frameUndecodable": return "The frame could not be decoded: ROOM_DATA is 0x0D, a message type (msgpack fixstr or str8, 1–255 bytes), then at most one msgpack value.";
      case "frameFailed": return "The frame could not be processed.";
      case "poolClaim": return "The pool's claim was malformed.";
      case "notPlainJson": return "The request is not plain JSON.";
    }
  }, (p) => ("reason" in p && p.reason === "refused" ? p.status : undefined)),
  /** `type`: as the client sent it, cut short by the caller; `understands`: what a pool room takes instead. */
  [ErrorCode.UNKNOWN_MESSAGE]: entry<{ type: string } | { understands: string[] }>(400, (p) =>
    "type" in p ? `Message type ${JSON.stringify(p.type)} is not part of protocol v1.` : `The pool room understands ${p.understands.join(", ")}.`),
  /** `role`: who sent it — a device sending a user's message, or a user sending a device's. */
  [ErrorCode.FORBIDDEN_MESSAGE]: entry<{ type: string; role: "device" | "user" }>(403, (p) =>
    p.role === "device" ? `Devices may not send "${p.type}".` : `Only the device may send "${p.type}".`),
  [ErrorCode.RATE_LIMITED]: entry<
    /** The device-secret throttle at matchmaking; the number is the answer's `Retry-After`. */
    | { reason: "secretGuessing"; retryAfterSeconds: number }
    | { reason: "http"; perSecond: number; retryAfterSeconds: number }
    /** A connection's frames over its token bucket: `frames` dropped, or a device's outcome report `type` that it must send again. */
    | { reason: "frames"; perSecond: number; burst: number }
    | { reason: "outcomeDropped"; type: string; perSecond: number; burst: number }
    /** A device's `telemetry` messages over their own budget (beside the frame budget): dropped. */
    | { reason: "telemetry"; perSecond: number; burst: number }
  >(429, (p) => {
    switch (p.reason) {
      case "secretGuessing": return `Too many wrong device secrets from your address; try again in ${p.retryAfterSeconds} s.`;
      case "http": return `Too many requests from this address (more than ${p.perSecond} a second); wait ${p.retryAfterSeconds} s and try again.`;
      case "frames": return `Too many messages: at most ${p.perSecond} per second (burst ${p.burst}); this one was dropped.`;
      case "telemetry": return `Too many telemetry messages: at most ${p.perSecond} per second (burst ${p.burst}); the excess was dropped. Send fewer, each with several channels.`;
      case "outcomeDropped": return `Too many messages: this "${p.type}" was dropped and not stored (at most ${p.perSecond} per second, burst ${p.burst}); keep it and send it again after a pause.`;
    }
  }),

  // --- device reports ---
  [ErrorCode.STALE_EPOCH]: entry<{ epoch: number; currentEpoch: number; runId: string }>(409, (p) =>
    `Epoch ${p.epoch} is not the current epoch ${p.currentEpoch}; the report for run ${p.runId} was refused.`),
  [ErrorCode.UNKNOWN_RUN]: entry<{ runId: string; currentRunId: string | null }>(409, (p) =>
    `Run ${p.runId} is not the run in progress${p.currentRunId ? ` (${p.currentRunId})` : ""}; the report was refused.`),
  /** `problem`: what is wrong with the declared session types (edge/declaredSchemaLimits.ts). */
  [ErrorCode.INVALID_CAPABILITIES]: entry<{ problem: string }>(400, (p) => asSentence(p.problem)),

  // --- HTTP routes ---
  [ErrorCode.PAYLOAD_TOO_LARGE]: entry<{ reason: "matchmake"; limitBytes: number } | Detail>(413, (p) =>
    "reason" in p ? `Matchmaking bodies are limited to ${p.limitBytes} bytes (BATON_MAX_MATCHMAKE_BODY_BYTES).` : `Request body rejected: ${p.detail}.`),
  [ErrorCode.INTERNAL_ERROR]: entry<{ reason: "bug" } | { reason: "storeUnavailable" }>(500,
    (p) => (p.reason === "storeUnavailable" ? "The store is unavailable; try again shortly." : "Internal error; the server logged it."),
    (p) => (p.reason === "storeUnavailable" ? 503 : undefined)),
  [ErrorCode.FORBIDDEN]: entry<
    | { reason: "adminOnly"; action: string }
    | { reason: "anotherUsersRun"; runId: string }
    | { reason: "metricsLoopbackOnly" }
    /** Development mode: a Host that is not loopback (`bound`: the address the server listens on, if specific). */
    | { reason: "devHost"; host: string; bound: string | null }
    | { reason: "devOrigin"; host: string; origin: string }
  >(403, (p) => {
    switch (p.reason) {
      case "adminOnly": return `Only admins may ${p.action} (a token with roles: ["admin"]).`;
      case "anotherUsersRun": return `Run ${p.runId} belongs to another user; only its holder and admins may read its inputs and outputs.`;
      case "metricsLoopbackOnly": return "/metrics answers loopback callers only unless BATON_METRICS_TOKEN is set.";
      case "devHost": return `A development server answers only requests for a loopback Host (localhost, 127.0.0.1, [::1]${p.bound ? ` or ${p.bound}` : ""}); this one was for "${p.host}" — a web page using DNS rebinding sends that. Open the dashboard at http://localhost:<port>/.`;
      case "devOrigin": return `A development server answers browsers only from its own origin (http://${p.host}); this request came from "${p.origin}". Set BATON_CORS_ORIGINS and run in production mode to serve another origin.`;
    }
  }),
  [ErrorCode.NOT_FOUND]: entry<
    | { reason: "session"; deviceId: string; epoch: number }
    | { reason: "run"; deviceId: string; runId: string }
    | { reason: "route"; method: string; path: string }
    | { reason: "webhookDelivery"; id: string }
    | { reason: "firmwareUpdate"; deviceId: string }
  >(404, (p) => {
    switch (p.reason) {
      case "firmwareUpdate": return `Device ${p.deviceId} has no pending firmware update to cancel.`;
      case "webhookDelivery": return `No failed webhook delivery ${p.id} (it may have been delivered, be still retried, or be purged).`;
      case "session": return `Device ${p.deviceId} has no session with epoch ${p.epoch}.`;
      case "run": return `Device ${p.deviceId} has no run ${p.runId}.`;
      case "route": return `Nothing answers ${p.method} ${p.path}; the API's routes are listed at GET /openapi.json.`;
    }
  }),
  [ErrorCode.DEVICE_EXISTS]: entry<{ deviceId: string }>(409, (p) => `A device "${p.deviceId}" is already registered; rotate its secret instead.`),

  // --- queue, hand-off, readiness, availability ---
  [ErrorCode.QUEUE_FULL]: entry<LineOf & { waiting: number }>(409, (p) => `The line for ${lineName(p)} is full (${p.waiting} waiting); try again later.`),
  [ErrorCode.ALREADY_QUEUED]: entry<(LineOf & { position: number }) | { pool: string; beingAsked: true }>(409, (p) =>
    "beingAsked" in p
      ? `A device of pool ${p.pool} is being asked for you right now; wait for its answer.`
      : `You are already waiting for ${aDeviceOf(p)} (position ${p.position}); one place per user.`),
  [ErrorCode.NOT_QUEUED]: entry<LineOf>(409, (p) => `You are not waiting for ${aDeviceOf(p)}.`),
  [ErrorCode.NO_OFFER]: entry<{ deviceId: string; reason: "notYours" | "nobodyOffered" | "nothingToDecline" }>(409, (p) => {
    switch (p.reason) {
      case "notYours": return `Device ${p.deviceId} is not offered to you.`;
      case "nobodyOffered": return `Device ${p.deviceId} is not offered to you (nobody holds an offer).`;
      case "nothingToDecline": return `Device ${p.deviceId} is not offered to you; there is nothing to decline.`;
    }
  }),
  /** `remainingMs`: how long the offer still runs; absent when the offer is about to be made. Never who is offered it. */
  [ErrorCode.HANDOFF_PENDING]: entry<{ deviceId: string; remainingMs?: number }>(409, (p) =>
    p.remainingMs === undefined
      ? `Device ${p.deviceId} goes to the first in line; queue for it with \`enqueue\`.`
      : `Device ${p.deviceId} is offered to the first in line for ${Math.max(0, p.remainingMs)} ms more; queue for it with \`enqueue\`.`),
  [ErrorCode.DEVICE_NOT_READY]: entry<{ deviceId: string }>(409, (p) =>
    `Device ${p.deviceId} has not reported \`ready\` after the last session (physical reset pending); it cannot be claimed yet.`),
  [ErrorCode.DEVICE_UNAVAILABLE]: entry<{ deviceId: string; status: string; reason: string | null; request: "claim" | "enqueue" }>(409, (p) =>
    `Device ${p.deviceId} is ${p.status}${p.reason ? ` (${p.reason})` : ""}; ${p.request === "enqueue" ? "nobody can queue for it now" : "it cannot be claimed until an admin returns it to service"}.`),
  [ErrorCode.DEVICE_DISABLED]: entry<{ deviceId: string }>(409, (p) =>
    `Device ${p.deviceId} is disabled in the registry; nobody can claim it or queue for it until an operator registers it again.`),

  // --- fair use ---
  [ErrorCode.EXTENSION_REFUSED]: entry<
    | { reason: "noExpiry"; deviceId: string }
    | { reason: "extensionsOff"; deviceId: string; endsAt: number }
    | { reason: "allowanceUsed"; deviceId: string; allowanceMs: number; endsAt: number }
    | { reason: "quotaEnds"; deviceId: string; quotaUntil: number }
  >(409, (p) => {
    switch (p.reason) {
      case "noExpiry": return `Your session on device ${p.deviceId} has no expiry; there is nothing to extend.`;
      case "extensionsOff": return `Sessions cannot be extended on this server (BATON_MAX_SESSION_EXTENSION_MS is 0); your session on device ${p.deviceId} ends at ${iso(p.endsAt)}.`;
      case "allowanceUsed": return `Your session on device ${p.deviceId} was already extended by the maximum of ${minutes(p.allowanceMs)}; it ends at ${iso(p.endsAt)}.`;
      case "quotaEnds": return `Your daily quota for this kind of device runs out at ${iso(p.quotaUntil)}; your session on device ${p.deviceId} cannot go past it.`;
    }
  }),
  [ErrorCode.USER_DEVICE_LIMIT]: entry<{ limit: number }>(429, (p) =>
    `You already hold ${plural(p.limit, "device")}, the most one user may hold at once (BATON_MAX_DEVICES_PER_USER); release one first.`),
  [ErrorCode.USER_QUEUE_LIMIT]: entry<{ limit: number }>(429, (p) =>
    `You already wait in ${plural(p.limit, "line")}, the most one user may wait in at once (BATON_MAX_QUEUE_ENTRIES_PER_USER); leave one first.`),
  [ErrorCode.DAILY_QUOTA_EXHAUSTED]: entry<{ minutesPerDay: number; kind: string; resetsAt: number }>(429, (p) =>
    `You have used your ${p.minutesPerDay} session minutes for today on "${p.kind}" devices (BATON_MAX_SESSION_MINUTES_PER_DAY); the quota resets at ${iso(p.resetsAt)} (midnight UTC).`),

  // --- passing the baton to a named person (issue 24) ---
  [ErrorCode.HAND_OVER_REFUSED]: entry<
    | { reason: "toSelf"; deviceId: string }
    | { reason: "alreadyOffered"; deviceId: string; to: string }
    | { reason: "runInFlight"; deviceId: string; runId: string }
    /** Advice at offer time from the per-user limits: the named user could not take it now (checked again at their accept). */
    | { reason: "recipientAtDeviceLimit"; deviceId: string; to: string; limit: number }
    | { reason: "recipientQuotaUsed"; deviceId: string; to: string; minutesPerDay: number }
  >(409, (p) => {
    switch (p.reason) {
      case "toSelf": return `You already hold device ${p.deviceId}; hand it over to someone else.`;
      case "alreadyOffered": return `Device ${p.deviceId} is already offered to ${p.to}; withdraw that hand-over first.`;
      case "runInFlight": return `The holder's run ${p.runId} on device ${p.deviceId} is still in flight; accept again once it has finished (the offer stays open until its window ends).`;
      case "recipientAtDeviceLimit": return `The named user ${p.to} already holds ${plural(p.limit, "device")}, the most one user may hold at once (BATON_MAX_DEVICES_PER_USER); they cannot take device ${p.deviceId} until they release one.`;
      case "recipientQuotaUsed": return `The named user ${p.to} has used their ${p.minutesPerDay} session minutes for today on this kind of device (BATON_MAX_SESSION_MINUTES_PER_DAY); they cannot take device ${p.deviceId} before midnight UTC.`;
    }
  }),
  [ErrorCode.NO_HAND_OVER]: entry<{ deviceId: string; reason: "nothingOffered" | "notYours" }>(409, (p) =>
    p.reason === "notYours"
      ? `Device ${p.deviceId} is not being handed over to you.`
      : `Device ${p.deviceId} has no hand-over open (it was accepted, declined, withdrawn or expired, or none was offered).`),

  // --- pools ---
  /** `noMembers`: a pool room asked for a pool that no registered device belongs to. */
  [ErrorCode.UNKNOWN_POOL]: entry<{ pool: string; reason?: "noMembers" }>(404, (p) => (p.reason === "noMembers"
    ? `No registered device belongs to pool "${p.pool}" (a device's pool is its explicit pool name, else its kind).`
    : `Pool ${p.pool} has no registered device.`)),
  [ErrorCode.POOL_ROOM_EXISTS]: entry<{ pool: string }>(409, (p) => `Pool ${p.pool} already has its room; join it with joinOrCreate, or try again in a few seconds.`),

  // --- bookings (issue 24 part 3) ---
  [ErrorCode.BOOKING_INVALID]: entry<
    | { reason: "endBeforeStart" }
    | { reason: "inPast"; now: number }
    | { reason: "tooLong"; maxSlotMs: number; kind: string }
    | { reason: "tooShort"; minSlotMs: number; kind: string }
    | { reason: "tooFarAhead"; maxAheadMs: number; kind: string }
    | { reason: "bookingsOff"; kind: string }
  >(400, (p) => {
    switch (p.reason) {
      case "endBeforeStart": return "A booking's end must come after its start.";
      case "inPast": return `A booking must end in the future (the server's clock says ${iso(p.now)}).`;
      case "tooLong": return `A booking of a "${p.kind || "(no kind)"}" device lasts at most ${minutes(p.maxSlotMs)}.`;
      case "tooShort": return `A booking of a "${p.kind || "(no kind)"}" device lasts at least ${minutes(p.minSlotMs)}.`;
      case "tooFarAhead": return `A "${p.kind || "(no kind)"}" device can be booked at most ${minutes(p.maxAheadMs)} ahead.`;
      case "bookingsOff": return `Devices of kind "${p.kind || "(no kind)"}" cannot be booked on this server (BATON_BOOKING_RULES).`;
    }
  }),
  [ErrorCode.BOOKING_CONFLICT]: entry<{ deviceId: string; start: number; end: number } | { pool: string; start: number; end: number }>(409, (p) => ("pool" in p
    ? `Every device of pool ${p.pool} is booked at some time between ${iso(p.start)} and ${iso(p.end)}; choose another slot.`
    : `Device ${p.deviceId} is already booked from ${iso(p.start)} to ${iso(p.end)}; choose a slot that does not overlap it.`)),
  [ErrorCode.BOOKING_QUOTA]: entry<{ kind: string; weeklyMs: number; usedMs: number; weekStart: number }>(429, (p) =>
    `You may book "${p.kind || "(no kind)"}" devices for ${minutes(p.weeklyMs)} a week and have ${minutes(p.usedMs)} booked in the week from ${iso(p.weekStart)} (weeks start Monday 00:00 UTC).`),
  [ErrorCode.BOOKING_LIMIT]: entry<{ kind: string; limit: number }>(429, (p) =>
    `You already hold ${plural(p.limit, "upcoming booking")} of "${p.kind || "(no kind)"}" devices, the most one user may; cancel one first.`),
  [ErrorCode.BOOKING_NO_SHOWS]: entry<{ kind: string; noShows: number; lookbackMs: number }>(403, (p) =>
    `You missed ${plural(p.noShows, "booked slot")} in the last ${minutes(p.lookbackMs)}, the most allowed for "${p.kind || "(no kind)"}" devices; you cannot book one until the oldest miss is older than that.`),
  [ErrorCode.BOOKING_NOT_FOUND]: entry<{ bookingId: string }>(404, (p) => `No booking "${p.bookingId}" of yours exists.`),
  [ErrorCode.BOOKING_CLOSED]: entry<{ bookingId: string; status: string }>(409, (p) =>
    `Booking ${p.bookingId} is ${p.status.replace("_", " ")}; only a booking whose slot has not started can be cancelled (or a checked-in one ended early).`),
  [ErrorCode.DEVICE_BOOKED]: entry<{ deviceId: string; until: number; checkIn: boolean }>(409, (p) => p.checkIn
    ? `Device ${p.deviceId} is booked now; it is kept for the booker to check in until ${iso(p.until)}.`
    : `Device ${p.deviceId} is booked until ${iso(p.until)}; only the booker may claim it.`),

  // --- run failures (run_failed, session.failureCode); a device's own `failed` message is passed through instead ---
  [ErrorCode.RUN_TIMEOUT]: entry<{ reason: "maxDurationWhileOffline" } | { reason: "noProgress" }>(504, (p) =>
    p.reason === "maxDurationWhileOffline" ? "The run's maximum duration passed while the device was offline." : "The device did not finish or report progress in time."),
  [ErrorCode.CANCELLED]: entry<{ reason: "owner" } | { reason: "sessionEnded"; endReason: string }>(409, (p) =>
    p.reason === "owner" ? "The owner cancelled the run." : `The session ended (${p.endReason}) before the run finished.`),
  [ErrorCode.DEVICE_FAILED]: entry<{ reportedCode?: string }>(502, (p) =>
    p.reportedCode ? `The device reported ${p.reportedCode}.` : "The device failed the run."),
  [ErrorCode.NOTHING_TO_MEASURE]: entry<NoParams>(502, () => "The device had nothing to measure before its wait ended."),
  [ErrorCode.INSTRUMENT_FAULT]: entry<NoParams>(502, () => "The device's instrument hardware does not answer."),
} satisfies { [C in ErrorCodeName]: ErrorEntry<never> };

type Table = typeof ERRORS;

/** The parameters the sentence of `code` takes. */
export type ErrorParams<C extends ErrorCodeName> = Parameters<Table[C]["sentence"]>[0];

/** An error as a value: what the session core returns instead of prose (boardgame.io's INVALID_MOVE, with a reason). */
export type ErrorValue = { [C in ErrorCodeName]: { code: C; params: ErrorParams<C> } }[ErrorCodeName];

/** Builds an `ErrorValue` with its parameters checked against the code. */
export function errorValue<C extends ErrorCodeName>(code: C, params: ErrorParams<C>): ErrorValue {
  return { code, params } as ErrorValue;
}

function rowOf(code: ErrorCodeName): ErrorEntry<unknown> {
  return ERRORS[code] as ErrorEntry<unknown>;
}

/** The sentence for `code` with `params` — the one way Baton writes an error message. */
export function renderError<C extends ErrorCodeName>(code: C, params: ErrorParams<C>): string {
  return rowOf(code).sentence(params);
}

/** `renderError` for a value the core returned. */
export function errorSentence(error: ErrorValue): string {
  return rowOf(error.code).sentence(error.params);
}

const CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** Whether `value` is one of Baton's error codes (a join refusal's `errorCode`, an `error` message's `code`). */
export function isErrorCode(value: unknown): value is ErrorCodeName {
  return typeof value === "string" && CODES.has(value);
}

/** The HTTP status an answer with this error carries (the table's, or the variant's own). */
export function errorStatus<C extends ErrorCodeName>(code: C, params?: ErrorParams<C>): number {
  const row = rowOf(code);
  return (params !== undefined ? row.statusFor?.(params) : undefined) ?? row.httpStatus;
}

/** Where the code is explained: `docs/ERRORS.md#<code in lower case>` (GitHub's heading anchor). */
export function errorDocsAnchor(code: ErrorCodeName): string {
  return `docs/ERRORS.md#${code.toLowerCase()}`;
}

/**
 * The text of a join refusal's `error` field: `CODE: sentence`. The code also travels as the
 * field `errorCode` of the matchmaking answer (docs/PROTOCOL.md, "Join refusals"); the prefix
 * stays for firmware and SDKs that predate the field.
 */
export function joinRefusalText(code: ErrorCodeName, sentence: string): string {
  return `${code}: ${sentence}`;
}

/** The answer body of a refused matchmaking request: Colyseus' `{ code: <status>, error }` plus `errorCode`. */
export interface JoinRefusalBody {
  code: number;
  error: string;
  errorCode: ErrorCodeName;
}
