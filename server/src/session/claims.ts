/** Claims (session core, see core.ts): `claim`, `release`, and the holder's connection coming and going. */
import { EndReason, ErrorCode } from "@baton/protocol";
import { rejection } from "./rejection.ts";
import { ok, refuse, withSession, describeHolder, requireHolder } from "./coreSteps.ts";
import { checkRunRequest, startRun, endSession } from "./runs.ts";
import type { Command, CoreContext, CoreState, Outcome, SessionRecord, SessionTypeSpec, UserRef } from "./types.ts";

export function claim(state: CoreState, command: Extract<Command, { type: "claim" }>, context: CoreContext): Outcome {
  const holder = state.session?.holder;
  if (holder) {
    return holder.userId === command.user.userId
      ? refuse(state, rejection(ErrorCode.ALREADY_HOLDER, { deviceId: state.deviceId }))
      : refuse(state, rejection(ErrorCode.DEVICE_BUSY, { deviceId: state.deviceId, holder: describeHolder(holder) }));
  }
  if (!state.device.online) {
    return refuse(state, rejection(ErrorCode.DEVICE_OFFLINE, { deviceId: state.deviceId, request: "claim" }));
  }
  // A claim that also starts a run is checked in full before the device is taken, so a
  // bad input never leaves the device held by someone whose run could not start.
  let spec: SessionTypeSpec | undefined;
  if (command.sessionType !== undefined) {
    const checked = checkRunRequest(state, command.sessionType, command.input ?? {}, context);
    if ("refusal" in checked) return refuse(state, checked.refusal);
    spec = checked.spec;
  }
  const now = context.now;
  const epoch = state.epoch + 1;
  const session: SessionRecord = {
    holder: { ...command.user },
    startedAt: now,
    lastActivity: now,
    expiresAt: context.timers.maxSessionMs > 0 ? now + context.timers.maxSessionMs : 0,
    releaseOnComplete: Boolean(command.releaseOnComplete && spec),
    ownerLostAt: 0,
    run: null,
    lastRun: null,
  };
  const claimed = ok({ ...state, epoch, session }, [{ type: "sessionStarted", holder: session.holder, epoch }]);
  if (!spec) return claimed;
  const started = startRun(claimed.state, spec, command.input ?? {}, context);
  return ok(started.state, [...claimed.effects, ...started.effects]);
}

export function release(state: CoreState, user: UserRef, context: CoreContext): Outcome {
  const notHolder = requireHolder(state, user, "release");
  if (notHolder) return refuse(state, notHolder);
  return endSession(state, EndReason.RELEASED, context);
}

export function ownerDisconnected(state: CoreState, userId: string, context: CoreContext): Outcome {
  const session = state.session;
  if (!session || session.holder.userId !== userId || session.ownerLostAt > 0) return ok(state);
  return ok(withSession(state, { ...session, ownerLostAt: context.now }));
}

export function ownerReconnected(state: CoreState, userId: string, context: CoreContext): Outcome {
  const session = state.session;
  if (!session || session.holder.userId !== userId || session.ownerLostAt === 0) return ok(state);
  return ok(withSession(state, { ...session, ownerLostAt: 0, lastActivity: context.now }));
}
