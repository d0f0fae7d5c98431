/**
 * Copies the pure core state into the synchronised schema state. One direction only:
 * the schema is a projection, never read back. Inputs and outputs go into `OwnerData`,
 * which only the holder's connections have in their StateView.
 */
import { ArraySchema } from "@colyseus/schema";
import { OwnerData, SessionTypeInfo, type DeviceRoomState } from "@baton/protocol/state";
import { phaseOf, type CoreState } from "../../session/index.ts";

/** Assign only when different, so unchanged fields never enter a patch. */
function set<T extends object, K extends keyof T>(target: T, key: K, value: T[K]) {
  if (target[key] !== value) target[key] = value;
}

export function mirrorDevice(core: CoreState, state: DeviceRoomState, now: number): void {
  const device = state.device;
  set(device, "online", core.device.online);
  set(device, "since", core.device.since);
  if (device.connection !== core.device.connection) {
    device.connection = core.device.connection;
    device.connectionChangedAt = now;
  }
  set(device, "firmware", core.device.firmware);
  const declared = core.device.sessionTypes;
  // The schema counts too: a device may re-declare a type under the same name with a changed form.
  const same = declared.length === device.sessionTypes.length
    && declared.every((spec, index) => device.sessionTypes[index]?.name === spec.name && device.sessionTypes[index]?.maxDurationMs === spec.maxDurationMs
      && device.sessionTypes[index]?.inputSchema === schemaJson(spec.inputSchema)
      && device.sessionTypes[index]?.outputSchema === (spec.outputSchema ? schemaJson(spec.outputSchema) : ""));
  if (!same) {
    device.sessionTypes = new ArraySchema<SessionTypeInfo>(...declared.map((spec) =>
      new SessionTypeInfo().assign({ name: spec.name, maxDurationMs: spec.maxDurationMs, inputSchema: schemaJson(spec.inputSchema), outputSchema: spec.outputSchema ? schemaJson(spec.outputSchema) : "" })));
  }
}

/** A declared schema's JSON, serialised once per schema object (this runs after every command). */
const schemaJsonCache = new WeakMap<object, string>();
function schemaJson(schema: Record<string, unknown>): string {
  let json = schemaJsonCache.get(schema);
  if (json === undefined) {
    json = JSON.stringify(schema);
    schemaJsonCache.set(schema, json);
  }
  return json;
}

export function mirrorSession(core: CoreState, state: DeviceRoomState): void {
  const view = state.session;
  const session = core.session;
  const run = session?.run ?? null;
  const last = session?.lastRun ?? null;
  set(view, "phase", phaseOf(core));
  set(view, "epoch", core.epoch);
  set(view, "ownerId", session?.holder.userId ?? "");
  set(view, "ownerName", session?.holder.name ?? "");
  set(view, "ownerAway", Boolean(session && session.ownerLostAt > 0));
  set(view, "sessionType", run?.sessionType ?? last?.sessionType ?? "");
  set(view, "runId", run?.runId ?? last?.runId ?? "");
  set(view, "progress", run ? run.progress : last?.ok ? 1 : 0);
  set(view, "progressMessage", run?.progressMessage ?? "");
  set(view, "startedAt", session?.startedAt ?? 0);
  set(view, "lastActivity", session?.lastActivity ?? 0);
  set(view, "expiresAt", session?.expiresAt ?? 0);
  set(view, "processingComplete", Boolean(last?.ok && !run));
  set(view, "failureCode", !run && last && !last.ok ? last.failureCode : "");
  set(view, "endReason", core.lastEndReason);

  const owner = state.owner;
  const source = run ?? last;
  set(owner, "runId", source?.runId ?? "");
  set(owner, "sessionType", source?.sessionType ?? "");
  set(owner, "input", source ? JSON.stringify(source.input) : "");
  set(owner, "output", !run && last?.output ? JSON.stringify(last.output) : "");
  set(owner, "failureMessage", !run && last && !last.ok ? last.failureMessage : "");
}

/** A fresh, empty OwnerData for a new session, so the previous holder's view cannot follow it. */
export function freshOwnerData(): OwnerData {
  return new OwnerData();
}
