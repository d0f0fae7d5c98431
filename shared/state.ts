/**
 * The synchronised state of a device room (@colyseus/schema 4).
 *
 * Visibility is decided by StateView, not by trust in clients:
 * - `device` and `session` are tagged `@view()`: spectators and the owner have them in their
 *   view; the device's view is empty, so the device receives no state at all (it talks in
 *   messages only).
 * - `owner` holds inputs and outputs. A fresh `OwnerData` instance is made for every session
 *   and added only to the holder's connections, so no other user is ever sent a byte of it.
 *
 * Shared by server and clients; the browser takes these classes, never server code.
 */
import { ArraySchema, MapSchema, Schema, type, view } from "@colyseus/schema";

export class SessionTypeInfo extends Schema {
  @type("string") name = "";
  @type("number") maxDurationMs = 0;
  /** The declared JSON Schema of the run input, as JSON text (so UIs can build a form). */
  @type("string") inputSchema = "{}";
}

export class DeviceInfo extends Schema {
  @type("boolean") online = false;
  /** Epoch milliseconds of the last online/offline change. */
  @type("number") since = 0;
  /** unknown / connecting / idle / active / disconnected / error (see DeviceConnection). */
  @type("string") connection = "unknown";
  @type("number") connectionChangedAt = 0;
  @type("string") firmware = "";
  @type([SessionTypeInfo]) sessionTypes = new ArraySchema<SessionTypeInfo>();
  // --- issue 13: whether the device can be granted to anyone new ---
  /** available / drained / quarantined / maintenance (see DeviceAvailability). */
  @type("string") availability = "available";
  /** Why it is not available: the admin's reason, or what the server saw. "" when available. */
  @type("string") availabilityReason = "";
  @type("number") availabilitySince = 0;
  /** False while the device owes a `ready` after the last session (physical reset pending). */
  @type("boolean") ready = true;
  /** When the device began to owe its `ready` (0 when ready). */
  @type("number") notReadySince = 0;
}

/** What everyone watching may know about the session: who, what, how far — never inputs or outputs. */
export class SessionInfo extends Schema {
  /** idle / claimed / running / completed / failed (see Phase). */
  @type("string") phase = "idle";
  @type("number") epoch = 0;
  @type("string") ownerId = "";
  @type("string") ownerName = "";
  /** True while the owner's last connection is gone and the reconnect grace runs. */
  @type("boolean") ownerAway = false;
  @type("string") sessionType = "";
  @type("string") runId = "";
  @type("number") progress = 0;
  @type("string") progressMessage = "";
  @type("number") startedAt = 0;
  @type("number") lastActivity = 0;
  /** 0 = no maximum length. */
  @type("number") expiresAt = 0;
  @type("boolean") processingComplete = false;
  /** Failure code of the last run of this session, if it failed (e.g. RUN_TIMEOUT, CANCELLED). */
  @type("string") failureCode = "";
  /** Why the previous session ended (released, completed, owner_lost, …). */
  @type("string") endReason = "";
}

/** Inputs and outputs of the current session: only the holder's connections have this in view. */
export class OwnerData extends Schema {
  @type("string") runId = "";
  @type("string") sessionType = "";
  /** JSON text of the run's inputParameters. */
  @type("string") input = "";
  /** JSON text of the run's outputData ("" until the result arrives). */
  @type("string") output = "";
  @type("string") failureMessage = "";
}

/** The line for the device, as everyone watching sees it: how many wait, never who. */
export class QueueInfo extends Schema {
  /** Users waiting, the one holding an open offer included. */
  @type("number") length = 0;
  /** While the device is offered to the first in line: when the offer ends (0 = no offer open). */
  @type("number") handoffUntil = 0;
}

/**
 * One waiting user's own place in line. Each user's connections have only their own seat in
 * their StateView, so nobody learns another's position.
 */
export class QueueSeat extends Schema {
  /** 1 = first in line (or holding the offer). */
  @type("number") position = 0;
  /** Estimated start (ms since the Unix epoch), learned from the device's history. */
  @type("number") etaAt = 0;
  /** True while the device is offered to this user: accept before `offerExpiresAt`. */
  @type("boolean") offered = false;
  @type("number") offerExpiresAt = 0;
  /** The run queued with ("" = none). */
  @type("string") sessionType = "";
}

export class DeviceRoomState extends Schema {
  @view() @type(DeviceInfo) device = new DeviceInfo();
  @view() @type(SessionInfo) session = new SessionInfo();
  @view() @type(OwnerData) owner = new OwnerData();
  @view() @type(QueueInfo) queue = new QueueInfo();
  /** Waiting users' seats by user id; each connection's view holds its own user's seat only. */
  @view() @type({ map: QueueSeat }) seats = new MapSchema<QueueSeat>();
}
