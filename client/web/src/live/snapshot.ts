/**
 * A plain, immutable copy of a device room's state as the dashboard renders it. React
 * re-renders on a new object; the room's schema instances are mutated in place, so each
 * change is copied into one of these.
 */

export interface SessionTypeView {
  name: string;
  maxDurationMs: number;
  /** The declared JSON Schema of the run input, parsed; null when it could not be read. */
  inputSchema: Record<string, unknown> | null;
}

export interface LiveDevice {
  online: boolean;
  onlineSince: number;
  firmware: string;
  sessionTypes: SessionTypeView[];
  session: {
    phase: string;
    epoch: number;
    ownerId: string;
    ownerName: string;
    ownerAway: boolean;
    sessionType: string;
    runId: string;
    progress: number;
    progressMessage: string;
    startedAt: number;
    expiresAt: number;
    failureCode: string;
    endReason: string;
  };
  /** The holder's own inputs and outputs: present only in the holder's view, empty for everyone else. */
  owner: {
    runId: string;
    sessionType: string;
    input: Record<string, unknown> | null;
    output: Record<string, unknown> | null;
    failureMessage: string;
  };
}

function parseObject(text: string): Record<string, unknown> | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/** Reads the room's state (the `@baton/protocol/state` classes, or anything of their shape). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function snapshotOf(state: any): LiveDevice {
  const device = state?.device ?? {};
  const session = state?.session ?? {};
  const owner = state?.owner ?? {};
  const sessionTypes: SessionTypeView[] = [];
  for (const type of device.sessionTypes ?? []) {
    sessionTypes.push({ name: String(type.name), maxDurationMs: Number(type.maxDurationMs) || 0, inputSchema: parseObject(String(type.inputSchema ?? "")) });
  }
  return {
    online: Boolean(device.online),
    onlineSince: Number(device.since) || 0,
    firmware: String(device.firmware ?? ""),
    sessionTypes,
    session: {
      phase: String(session.phase ?? "idle"),
      epoch: Number(session.epoch) || 0,
      ownerId: String(session.ownerId ?? ""),
      ownerName: String(session.ownerName ?? ""),
      ownerAway: Boolean(session.ownerAway),
      sessionType: String(session.sessionType ?? ""),
      runId: String(session.runId ?? ""),
      progress: Number(session.progress) || 0,
      progressMessage: String(session.progressMessage ?? ""),
      startedAt: Number(session.startedAt) || 0,
      expiresAt: Number(session.expiresAt) || 0,
      failureCode: String(session.failureCode ?? ""),
      endReason: String(session.endReason ?? ""),
    },
    owner: {
      runId: String(owner.runId ?? ""),
      sessionType: String(owner.sessionType ?? ""),
      input: parseObject(String(owner.input ?? "")),
      output: parseObject(String(owner.output ?? "")),
      failureMessage: String(owner.failureMessage ?? ""),
    },
  };
}
