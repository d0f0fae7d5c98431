/**
 * The device as a handle shows it: a plain, immutable snapshot of the room's synchronised
 * state (shared/state.ts), with JSON text parsed and "" turned into null. A new snapshot
 * object is made on every change and never mutated, so UIs can compare by reference
 * (React's useSyncExternalStore does).
 */
import type { DeviceAvailabilityName, DeviceConnectionName, EndReasonName, PhaseName } from "@baton/protocol";
import type { DeviceRoomState } from "@baton/protocol/state";
import type { TelemetryView } from "./telemetry.ts";

/** The SDK's own connection to the device's room. */
export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

export type JsonObject = Record<string, unknown>;

export interface SessionTypeInfo {
  name: string;
  /** The longest a run of this type may take, as the device declared it. */
  maxDurationMs: number;
  /** The JSON Schema the run's input must match (build a form from it). */
  inputSchema: JsonObject;
  /** The JSON Schema of the run's output, with titles and units (`describeOutput` reads it); null when the device declared none. */
  outputSchema: JsonObject | null;
}

export interface HolderInfo {
  userId: string;
  name: string;
}

export interface DeviceInfoView {
  online: boolean;
  /** When `online` last changed (ms since the epoch). */
  since: number;
  /** unknown / connecting / idle / active / disconnected / error (DeviceConnection). */
  connection: DeviceConnectionName;
  firmware: string;
  sessionTypes: SessionTypeInfo[];
  /** available / drained / quarantined / maintenance: nobody new is granted it unless "available". */
  availability: DeviceAvailabilityName;
  /** Why it is not available (an admin's reason, or what the server saw); "" when available. */
  availabilityReason: string;
  /** False while the device owes a `ready` after the last session (physical reset pending). */
  ready: boolean;
}

/** This user's own place in the device's line (nobody else's is ever sent to this client). */
export interface QueueSeatView {
  /** 1 = first in line (or holding the offer). */
  position: number;
  /** Estimated start (ms since the Unix epoch); null when unknown. */
  etaAt: number | null;
  /** The device is offered to this user: `accept()` (or `claim()`) before `offerExpiresAt`. */
  offered: boolean;
  /** When the open offer ends (ms since the Unix epoch); null when none. */
  offerExpiresAt: number | null;
  /** The run queued with; null = none. */
  sessionType: string | null;
}

/** The line for the device: how many wait (never who), and this user's own seat. */
export interface QueueView {
  /** Users waiting, the one holding an open offer included. */
  length: number;
  /** While the device is offered to the first in line: when the offer ends (ms); null = no offer open. */
  handoffUntil: number | null;
  /** This user's place, while they wait; null otherwise. */
  mine: QueueSeatView | null;
}

export interface SessionView {
  phase: PhaseName;
  epoch: number;
  /** Who holds the device; null when it is free. */
  holder: HolderInfo | null;
  /** The holder's last connection dropped and the reconnect grace is running. */
  holderAway: boolean;
  /** The run in flight, or the last run of this session. */
  sessionType: string | null;
  runId: string | null;
  /** 0…1, as the device last reported it. */
  progress: number;
  progressMessage: string;
  /** When the current holder claimed the device; null when free. */
  startedAt: number | null;
  lastActivity: number | null;
  /** When the session will be ended for its maximum length; null = no maximum. */
  expiresAt: number | null;
  /** Failure code of this session's last run, if it failed. */
  failureCode: string | null;
  /** Why the previous session ended (released, completed, owner_lost, kicked, handed_over, …). */
  endReason: EndReasonName | null;
  /** While the holder's hand-over to a named user is open: when it ends (never to whom); null = none. */
  handoverUntil: number | null;
}

/** The holder's own data: only the holder's connections receive it (the server's StateView). */
export interface OwnerView {
  runId: string | null;
  sessionType: string | null;
  input: JsonObject | null;
  output: JsonObject | null;
  failureMessage: string | null;
  /** The other users watching the device now (at most 50), to hand it over to one of them (`handOver(userId)`). */
  viewers: HolderInfo[];
}

export interface DeviceView {
  deviceId: string;
  /** This handle's connection to the room. */
  connection: ConnectionState;
  /** False until the first state arrived from the room — and again from a rejoin (the server went away) until the new room's first state. */
  synced: boolean;
  device: DeviceInfoView;
  session: SessionView;
  /** Inputs and outputs of the session — for the holder only, null for everyone else. */
  owner: OwnerView | null;
  /** The device's line, with this user's own seat. */
  queue: QueueView;
  /** This user holds the device. */
  isMine: boolean;
  /** Live telemetry by channel: public channels for everyone, owner-only ones for the holder (telemetry.ts). */
  telemetry: TelemetryView;
  /**
   * A claim could succeed now: connected, the device online, available and ready, nobody
   * holding it, and nobody else waiting or offered it (a claim never jumps the line; while
   * the device is offered to this user, a claim is the accept).
   */
  canClaim: boolean;
}

/** The holder's list of viewers (`OwnerData.viewers`), read defensively: anything malformed is left out. */
function viewersOf(text: string | undefined): HolderInfo[] {
  try {
    const value = JSON.parse(text || "[]") as unknown;
    if (!Array.isArray(value)) return [];
    return value.filter((entry): entry is HolderInfo => typeof entry?.userId === "string" && typeof entry?.name === "string").map(({ userId, name }) => ({ userId, name: name || userId }));
  } catch {
    return [];
  }
}

function parseJson(text: string): JsonObject | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
  } catch {
    return null;
  }
}

const orNull = <T>(value: T | "" | 0): T | null => (value === "" || value === 0 ? null : (value as T));

export function emptyView(deviceId: string, connection: ConnectionState): DeviceView {
  return {
    deviceId,
    connection,
    synced: false,
    device: { online: false, since: 0, connection: "unknown", firmware: "", sessionTypes: [], availability: "available", availabilityReason: "", ready: true },
    session: {
      phase: "idle", epoch: 0, holder: null, holderAway: false, sessionType: null, runId: null, progress: 0, progressMessage: "",
      startedAt: null, lastActivity: null, expiresAt: null, failureCode: null, endReason: null, handoverUntil: null,
    },
    owner: null,
    queue: { length: 0, handoffUntil: null, mine: null },
    isMine: false,
    telemetry: {},
    canClaim: false,
  };
}

/** A snapshot of the schema state; `userId` is this client's user (null when unknown); `telemetry` is the handle's trace (telemetry.ts). */
export function viewOf(deviceId: string, state: DeviceRoomState, connection: ConnectionState, userId: string | null, telemetry: TelemetryView = {}): DeviceView {
  const device = state.device;
  const session = state.session;
  const holder = session.ownerId ? { userId: session.ownerId, name: session.ownerName || session.ownerId } : null;
  const isMine = holder !== null && userId !== null && holder.userId === userId;
  const owner = state.owner;
  const online = device.online;
  const queue = queueOf(state, userId);
  const availability = (device.availability || "available") as DeviceAvailabilityName;
  const ready = device.ready ?? true;
  return {
    deviceId,
    connection,
    synced: true,
    device: {
      online,
      since: device.since,
      connection: device.connection as DeviceConnectionName,
      firmware: device.firmware,
      sessionTypes: Array.from(device.sessionTypes ?? [], (type) => ({
        name: type.name,
        maxDurationMs: type.maxDurationMs,
        inputSchema: parseJson(type.inputSchema) ?? {},
        outputSchema: type.outputSchema ? parseJson(type.outputSchema) : null,
      })),
      availability,
      availabilityReason: device.availabilityReason ?? "",
      ready,
    },
    session: {
      phase: session.phase as PhaseName,
      epoch: session.epoch,
      holder,
      holderAway: session.ownerAway,
      sessionType: orNull(session.sessionType),
      runId: orNull(session.runId),
      progress: session.progress,
      progressMessage: session.progressMessage,
      startedAt: holder ? orNull(session.startedAt) : null,
      lastActivity: orNull(session.lastActivity),
      expiresAt: orNull(session.expiresAt),
      failureCode: orNull(session.failureCode),
      endReason: orNull(session.endReason as EndReasonName | ""),
      handoverUntil: orNull(session.handoverUntil ?? 0),
    },
    owner: isMine && owner
      ? {
        runId: orNull(owner.runId),
        sessionType: orNull(owner.sessionType),
        input: parseJson(owner.input),
        output: parseJson(owner.output),
        failureMessage: orNull(owner.failureMessage),
        viewers: viewersOf(owner.viewers),
      }
      : null,
    queue,
    isMine,
    telemetry,
    canClaim: connection === "open" && online && holder === null && availability === "available" && ready
      && (queue.length === 0 || queue.mine?.offered === true),
  };
}

function queueOf(state: DeviceRoomState, userId: string | null): QueueView {
  const info = state.queue;
  const seat = userId !== null ? state.seats?.get(userId) : undefined;
  return {
    length: info?.length ?? 0,
    handoffUntil: orNull(info?.handoffUntil ?? 0),
    mine: seat
      ? {
        position: seat.position,
        etaAt: orNull(seat.etaAt),
        offered: seat.offered,
        offerExpiresAt: seat.offered ? orNull(seat.offerExpiresAt) : null,
        sessionType: orNull(seat.sessionType),
      }
      : null,
  };
}
