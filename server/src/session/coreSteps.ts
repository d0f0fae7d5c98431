/**
 * Small steps on one device's state that every command family of the session core uses
 * (core.ts dispatches; claims.ts, runs.ts, deviceReports.ts and timers.ts apply): building an
 * outcome, the session record, the device's connection state, and who may act on the session.
 */
import { DeviceConnection, ErrorCode } from "@baton/protocol";
import { rejection } from "./rejection.ts";
import type { CoreContext, CoreState, Effect, Outcome, Rejection, RunState, SessionRecord, SessionTypeSpec, UserRef } from "./types.ts";

export function ok(state: CoreState, effects: Effect[] = []): Outcome {
  return { state, effects };
}

export function refuse(state: CoreState, refusal: Rejection, effects: Effect[] = []): Outcome {
  return { state, effects, rejection: refusal };
}

export function withSession(state: CoreState, session: SessionRecord | null): CoreState {
  return { ...state, session };
}

export function connectionFor(online: boolean, running: boolean) {
  if (!online) return DeviceConnection.DISCONNECTED;
  return running ? DeviceConnection.ACTIVE : DeviceConnection.IDLE;
}

export function withDeviceActivity(state: CoreState): CoreState {
  const running = Boolean(state.session?.run);
  const current = state.device.connection;
  const connection = current === DeviceConnection.CONNECTING || current === DeviceConnection.UNKNOWN || (current === DeviceConnection.ERROR && !running && state.device.online)
    ? current
    : connectionFor(state.device.online, running);
  return connection === state.device.connection ? state : { ...state, device: { ...state.device, connection } };
}

export function describeHolder(holder: UserRef): string {
  return holder.name ? `${holder.name} (${holder.userId})` : holder.userId;
}

export function findSessionType(state: CoreState, name: string): SessionTypeSpec | undefined {
  return state.device.sessionTypes.find((spec) => spec.name === name);
}

export function stepTimeoutOf(state: CoreState, sessionType: string, context: CoreContext): number {
  return findSessionType(state, sessionType)?.stepTimeoutMs ?? context.timers.runStepTimeoutMs;
}

/** A run's step window restarted from now (a sign of life), never past its hard deadline. */
export function freshStepDeadline(state: CoreState, run: Pick<RunState, "sessionType" | "hardDeadline">, context: CoreContext): number {
  return Math.min(run.hardDeadline, context.now + stepTimeoutOf(state, run.sessionType, context));
}

export function requireHolder(state: CoreState, user: UserRef, action: string): Rejection | null {
  const session = state.session;
  if (!session) {
    return rejection(ErrorCode.NOT_OWNER, { reason: "nobodyHolds", deviceId: state.deviceId, action });
  }
  if (session.holder.userId !== user.userId) {
    return rejection(ErrorCode.NOT_OWNER, { reason: "heldByOther", deviceId: state.deviceId, action, holder: describeHolder(session.holder) });
  }
  return null;
}
