/**
 * The shapes of the HTTP API answers the dashboard reads (GET /devices, /me/sessions,
 * /results; the full description is the server's /openapi.json). Declared here rather than
 * imported from the server: the browser bundle takes nothing from server code.
 */

export interface DeviceStatus {
  online: boolean;
  connection: string;
  onlineSince: number;
  phase: string;
  epoch: number;
  holder: { userId: string; name: string } | null;
  heldSince: number | null;
  runId: string | null;
  sessionType: string | null;
  progress: number | null;
  lastEndReason: string;
  viewers: number;
}

export interface DeviceSummary {
  deviceId: string;
  label: string;
  kind: string;
  disabled: boolean;
  status: DeviceStatus;
}

export interface DeviceList {
  devices: DeviceSummary[];
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

export interface StoredResult {
  deviceId: string;
  runId: string;
  epoch: number;
  sessionType: string;
  output: Record<string, unknown>;
  storedAt: number;
}
