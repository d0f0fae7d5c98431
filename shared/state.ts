/**
 * The synchronised state of a device room (@colyseus/schema 4).
 *
 * Visibility is decided by StateView, not by trust in clients:
 * - `device` and `session` are tagged `view: true`: spectators and the owner have them in
 *   their view; the device's view is empty, so the device receives no state at all (it talks
 *   in messages only).
 * - `owner` holds inputs and outputs. A fresh `OwnerData` instance is made for every session
 *   and added only to the holder's connections, so no other user is ever sent a byte of it.
 *
 * Written with schema 4's `schema({...})` builder rather than decorators, so the same file
 * loads unchanged in plain Node, in Vite/esbuild builds and under any TypeScript settings
 * (decorators need `experimentalDecorators` and `useDefineForClassFields: false`, which
 * consumers' builds do not have). Each schema is a class (`new DeviceRoomState()`) and a type
 * of the same name. Shared by server and clients; the browser takes these, never server code.
 */
import { schema, type SchemaType } from "@colyseus/schema";

/** A synchronised field with its initial value (fields without one would start undefined). */
const text = (initial = "") => ({ type: "string", default: initial }) as const;
const number = (initial = 0) => ({ type: "number", default: initial }) as const;
const flag = (initial = false) => ({ type: "boolean", default: initial }) as const;

export const SessionTypeInfo = schema({
  name: text(),
  maxDurationMs: number(),
  /** The declared JSON Schema of the run input, as JSON text (so UIs can build a form). */
  inputSchema: text("{}"),
  /** The declared JSON Schema of the run output, as JSON text (titles and units to label results); "" when none is declared. */
  outputSchema: text(),
}, "SessionTypeInfo");
export type SessionTypeInfo = SchemaType<typeof SessionTypeInfo>;

export const DeviceInfo = schema({
  online: flag(),
  /** Epoch milliseconds of the last online/offline change. */
  since: number(),
  /** unknown / connecting / idle / active / disconnected / error (see DeviceConnection). */
  connection: text("unknown"),
  connectionChangedAt: number(),
  firmware: text(),
  sessionTypes: { array: SessionTypeInfo },
  // --- issue 13: whether the device can be granted to anyone new ---
  /** available / drained / quarantined / maintenance (see DeviceAvailability). */
  availability: text("available"),
  /** Why it is not available: the admin's reason, or what the server saw. "" when available. */
  availabilityReason: text(),
  availabilitySince: number(),
  /** False while the device owes a `ready` after the last session (physical reset pending). */
  ready: flag(true),
  /** When the device began to owe its `ready` (0 when ready). */
  notReadySince: number(),
}, "DeviceInfo");
export type DeviceInfo = SchemaType<typeof DeviceInfo>;

/** What everyone watching may know about the session: who, what, how far — never inputs or outputs. */
export const SessionInfo = schema({
  /** idle / claimed / running / completed / failed (see Phase). */
  phase: text("idle"),
  epoch: number(),
  ownerId: text(),
  ownerName: text(),
  /** True while the owner's last connection is gone and the reconnect grace runs. */
  ownerAway: flag(),
  sessionType: text(),
  runId: text(),
  progress: number(),
  progressMessage: text(),
  startedAt: number(),
  lastActivity: number(),
  /** 0 = no maximum length. */
  expiresAt: number(),
  processingComplete: flag(),
  /** Failure code of the last run of this session, if it failed (e.g. RUN_TIMEOUT, CANCELLED). */
  failureCode: text(),
  /** Why the previous session ended (released, completed, owner_lost, …). */
  endReason: text(),
  /** While the holder's hand-over to a named user is open: when it ends (0 = none). Never who (issue 24). */
  handoverUntil: number(),
}, "SessionInfo");
export type SessionInfo = SchemaType<typeof SessionInfo>;

/**
 * The newest value of one telemetry channel (issue 24, shared/telemetry.ts), keyed by channel
 * name. `value` holds numbers (booleans as 1/0), `text` a string channel's value.
 */
export const TelemetryReading = schema({
  unit: text(),
  /** number / boolean / string (TelemetryChannelType). */
  type: text("number"),
  value: number(),
  text: text(),
  /** When the room took the sample (ms since the Unix epoch). */
  at: number(),
}, "TelemetryReading");
export type TelemetryReading = SchemaType<typeof TelemetryReading>;

/**
 * A set of telemetry readings by channel name. A holder object rather than a bare map on a
 * view-tagged field: schema 4 makes every item of a `view: true` collection wait for its own
 * `view.add`, while the items of an untagged map inside a viewed object are seen by every
 * view that sees the object — one `view.add` per view, at its start, as for the session.
 */
export const TelemetryReadings = schema({
  readings: { map: TelemetryReading },
}, "TelemetryReadings");
export type TelemetryReadings = SchemaType<typeof TelemetryReadings>;

/** Inputs and outputs of the current session: only the holder's connections have this in view. */
export const OwnerData = schema({
  runId: text(),
  sessionType: text(),
  /** JSON text of the run's inputParameters. */
  input: text(),
  /** JSON text of the run's outputData ("" until the result arrives). */
  output: text(),
  failureMessage: text(),
  /**
   * JSON text of `[{ userId, name }]`: the other users watching the device now (at most 50),
   * so the holder can hand it over to one of them (issue 24). Only the holder sees it.
   */
  viewers: text("[]"),
  /** Owner-only telemetry channels (issue 24): only the holder sees them, as they see the rest of this. */
  telemetry: { type: TelemetryReadings },
}, "OwnerData");
export type OwnerData = SchemaType<typeof OwnerData>;

/** The line for the device, as everyone watching sees it: how many wait, never who. */
export const QueueInfo = schema({
  /** Users waiting, the one holding an open offer included. */
  length: number(),
  /** While the device is offered to the first in line: when the offer ends (0 = no offer open). */
  handoffUntil: number(),
}, "QueueInfo");
export type QueueInfo = SchemaType<typeof QueueInfo>;

/**
 * One waiting user's own place in line. Each user's connections have only their own seat in
 * their StateView, so nobody learns another's position.
 */
export const QueueSeat = schema({
  /** 1 = first in line (or holding the offer). */
  position: number(),
  /** Estimated start (ms since the Unix epoch), learned from the device's history. */
  etaAt: number(),
  /** True while the device is offered to this user: accept before `offerExpiresAt`. */
  offered: flag(),
  offerExpiresAt: number(),
  /** The run queued with ("" = none). */
  sessionType: text(),
}, "QueueSeat");
export type QueueSeat = SchemaType<typeof QueueSeat>;

export const DeviceRoomState = schema({
  device: { type: DeviceInfo, view: true },
  session: { type: SessionInfo, view: true },
  owner: { type: OwnerData, view: true },
  queue: { type: QueueInfo, view: true },
  /** Waiting users' seats by user id; each connection's view holds its own user's seat only. */
  seats: { map: QueueSeat, view: true },
  /** Public telemetry channels (issue 24): the newest value of each, for everyone watching. */
  telemetry: { type: TelemetryReadings, view: true },
}, "DeviceRoomState");
export type DeviceRoomState = SchemaType<typeof DeviceRoomState>;
