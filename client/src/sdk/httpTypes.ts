/**
 * What Baton's HTTP API answers (server/src/http/, documented at GET /openapi.json), as the
 * SDK returns it.
 */
import type { DeviceAvailabilityName, DeviceConnectionName, EndReasonName, PhaseName } from "@baton/protocol";
import type { HolderInfo, JsonObject } from "./deviceState.ts";

/** A device's live status: what a spectator sees, without joining its room. */
export interface DeviceStatus {
  online: boolean;
  connection: DeviceConnectionName;
  onlineSince: number;
  phase: PhaseName;
  epoch: number;
  holder: HolderInfo | null;
  heldSince: number | null;
  runId: string | null;
  sessionType: string | null;
  progress: number | null;
  lastEndReason: EndReasonName | "";
  /** Connected user connections (spectators and the holder). */
  viewers: number;
  /** Users waiting for the device (an open offer's holder included). */
  queueLength: number;
  /** available / drained / quarantined / maintenance, why, since when (ms), and by whom. */
  availability: { status: DeviceAvailabilityName; reason: string; since: number; by: string };
  /** False while the device owes a `ready` after the last session (physical reset pending). */
  ready: boolean;
}

export interface DeviceSummary {
  deviceId: string;
  label: string;
  kind: string;
  disabled: boolean;
  disabledAt: number | null;
  createdAt: number;
  status: DeviceStatus;
}

export interface DeclaredSessionType {
  name: string;
  inputSchema: JsonObject;
  maxDurationMs: number;
  stepTimeoutMs?: number;
}

export interface DeviceDetails extends DeviceSummary {
  /** The session types the device declared when it last said hello (kept while it is offline). */
  sessionTypes: DeclaredSessionType[];
}

export interface DeviceListQuery {
  kind?: string;
  status?: "online" | "offline" | "free" | "held" | "disabled";
}

export interface StoredResult {
  deviceId: string;
  runId: string;
  epoch: number;
  sessionType: string;
  output: JsonObject;
  storedAt: number;
}

export interface ResultsPage {
  results: StoredResult[];
  /** Pass as `before` for the next page; absent on the last one. */
  next?: string;
}

export interface SessionRecord {
  deviceId: string;
  epoch: number;
  userId: string;
  userName: string;
  startedAt: number;
  endedAt: number | null;
  endReason: string | null;
}

export interface SessionsPage {
  sessions: SessionRecord[];
  next?: string;
}

export interface PageQuery {
  limit?: number;
  before?: string;
}
