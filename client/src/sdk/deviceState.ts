/**
 * The device as a handle shows it: a plain, immutable snapshot of the room's synchronised
 * state (shared/state.ts), with JSON text parsed and "" turned into null. A new snapshot
 * object is made on every change and never mutated, so UIs can compare by reference
 * (React's useSyncExternalStore does).
 */
import type { DeviceConnectionName, EndReasonName, PhaseName } from "@baton/protocol";
import type { DeviceRoomState } from "@baton/protocol/state";

/** The SDK's own connection to the device's room. */
export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

export type JsonObject = Record<string, unknown>;

export interface SessionTypeInfo {
  name: string;
  /** The longest a run of this type may take, as the device declared it. */
  maxDurationMs: number;
  /** The JSON Schema the run's input must match (build a form from it). */
  inputSchema: JsonObject;
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
  /** Why the previous session ended (released, completed, owner_lost, kicked, …). */
  endReason: EndReasonName | null;
}

/** The holder's own data: only the holder's connections receive it (the server's StateView). */
export interface OwnerView {
  runId: string | null;
  sessionType: string | null;
  input: JsonObject | null;
  output: JsonObject | null;
  failureMessage: string | null;
}

export interface DeviceView {
  deviceId: string;
  /** This handle's connection to the room. */
  connection: ConnectionState;
  /** False until the first state arrived from the room. */
  synced: boolean;
  device: DeviceInfoView;
  session: SessionView;
  /** Inputs and outputs of the session — for the holder only, null for everyone else. */
  owner: OwnerView | null;
  /** This user holds the device. */
  isMine: boolean;
  /** A claim could succeed now: connected, the device online, nobody holding it. */
  canClaim: boolean;
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
    device: { online: false, since: 0, connection: "unknown", firmware: "", sessionTypes: [] },
    session: {
      phase: "idle", epoch: 0, holder: null, holderAway: false, sessionType: null, runId: null, progress: 0, progressMessage: "",
      startedAt: null, lastActivity: null, expiresAt: null, failureCode: null, endReason: null,
    },
    owner: null,
    isMine: false,
    canClaim: false,
  };
}

/** A snapshot of the schema state; `userId` is this client's user (null when unknown). */
export function viewOf(deviceId: string, state: DeviceRoomState, connection: ConnectionState, userId: string | null): DeviceView {
  const device = state.device;
  const session = state.session;
  const holder = session.ownerId ? { userId: session.ownerId, name: session.ownerName || session.ownerId } : null;
  const isMine = holder !== null && userId !== null && holder.userId === userId;
  const owner = state.owner;
  const online = device.online;
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
      })),
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
    },
    owner: isMine && owner
      ? {
        runId: orNull(owner.runId),
        sessionType: orNull(owner.sessionType),
        input: parseJson(owner.input),
        output: parseJson(owner.output),
        failureMessage: orNull(owner.failureMessage),
      }
      : null,
    isMine,
    canClaim: connection === "open" && online && holder === null,
  };
}
