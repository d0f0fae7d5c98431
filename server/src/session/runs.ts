/**
 * Runs and how they end (session core, see core.ts): `run` and `cancel`, starting a run,
 * failing the one in flight, and ending the session — which the other families use too.
 */
import { EndReason, ErrorCode, renderError, type EndReasonName } from "@baton/protocol";
import { rejection } from "./rejection.ts";
import { expiryOf } from "./lease.ts";
import { ok, refuse, withSession, withDeviceActivity, findSessionType, freshStepDeadline, requireHolder } from "./coreSteps.ts";
import type { Command, CoreContext, CoreState, Effect, Json, LastRun, Outcome, Rejection, RunState, SessionTypeSpec, UserRef } from "./types.ts";

/**
 * A one-shot session (`releaseOnComplete`) ends as soon as its run has finished, for
 * `reason`; any other session goes on. Applied after every way a run can finish.
 */
export function endIfOneShot(outcome: Outcome, reason: EndReasonName, context: CoreContext): Outcome {
  if (!outcome.state.session?.releaseOnComplete) return outcome;
  const ended = endSession(outcome.state, reason, context);
  return ok(ended.state, [...outcome.effects, ...ended.effects]);
}

/** Refuses a run before anything changes: unknown type, invalid input, device offline. */
export function checkRunRequest(state: CoreState, sessionType: string, input: Json, context: CoreContext):
  { spec: SessionTypeSpec } | { refusal: Rejection } {
  if (!state.device.online) {
    return { refusal: rejection(ErrorCode.DEVICE_OFFLINE, { deviceId: state.deviceId, request: "run" }) };
  }
  const spec = findSessionType(state, sessionType);
  if (!spec) {
    const offered = state.device.sessionTypes.map((s) => s.name);
    return { refusal: rejection(ErrorCode.UNKNOWN_SESSION_TYPE, { deviceId: state.deviceId, sessionType, offered }) };
  }
  const problem = context.validateInput(spec, input);
  if (problem) {
    return { refusal: rejection(ErrorCode.INVALID_INPUT, { sessionType, problem }) };
  }
  return { spec };
}

export function startRun(state: CoreState, spec: SessionTypeSpec, input: Json, context: CoreContext): Outcome {
  const session = state.session!;
  const now = context.now;
  const hardDeadline = now + spec.maxDurationMs;
  const run: RunState = {
    runId: context.newRunId(),
    sessionType: spec.name,
    input,
    startedAt: now,
    hardDeadline,
    stepDeadline: freshStepDeadline(state, { sessionType: spec.name, hardDeadline }, context),
    accepted: false,
    progress: 0,
    progressMessage: "",
  };
  const typeCap = context.timers.maxSessionMsByType[spec.name];
  // Time added with `extend` and the daily quota's cap carry over to the type's cap (lease.ts).
  const expiresAt = typeCap !== undefined ? expiryOf(session, typeCap) : session.expiresAt;
  const next = withDeviceActivity(withSession(state, { ...session, run, lastRun: null, lastActivity: now, expiresAt }));
  return ok(next, [
    { type: "runStarted", runId: run.runId, sessionType: run.sessionType, epoch: state.epoch, userId: session.holder.userId, input },
    {
      type: "sendToDevice",
      message: "start",
      payload: { epoch: state.epoch, runId: run.runId, sessionType: run.sessionType, input, deadlineMs: spec.maxDurationMs },
    },
  ]);
}

/** Ends the run in flight as failed: tells the device to stop and the holder why. */
export function failRun(state: CoreState, code: string, message: string, context: CoreContext, tellDevice: boolean): Outcome {
  const session = state.session!;
  const run = session.run!;
  const lastRun: LastRun = { runId: run.runId, sessionType: run.sessionType, input: run.input, ok: false, output: null, failureCode: code, failureMessage: message };
  const effects: Effect[] = [];
  if (tellDevice && state.device.online) {
    effects.push({ type: "sendToDevice", message: "cancel", payload: { epoch: state.epoch, runId: run.runId } });
  }
  effects.push(
    { type: "runFailed", runId: run.runId, sessionType: run.sessionType, epoch: state.epoch, code, message },
    { type: "deliverFailure", userId: session.holder.userId, runId: run.runId, sessionType: run.sessionType, code, message },
  );
  const next = withDeviceActivity(withSession(state, { ...session, run: null, lastRun, lastActivity: context.now }));
  return ok(next, effects);
}

/** Ends the session for `reason`; a run still in flight is cancelled on the device first. */
export function endSession(state: CoreState, reason: EndReasonName, context: CoreContext, ender: { by: UserRef; note: string } | null = null): Outcome {
  const session = state.session!;
  let current = state;
  const effects: Effect[] = [];
  if (session.run) {
    const code = reason === EndReason.MAX_DURATION ? ErrorCode.RUN_TIMEOUT
      : reason === EndReason.DEVICE_LOST ? ErrorCode.DEVICE_FAILED
      : ErrorCode.CANCELLED;
    const failed = failRun(current, code, renderError(ErrorCode.CANCELLED, { reason: "sessionEnded", endReason: reason }), context, true);
    current = failed.state;
    effects.push(...failed.effects);
  }
  effects.push({ type: "sessionEnded", holder: session.holder, epoch: state.epoch, reason, ...(ender ? { by: ender.by, note: ender.note } : {}) });
  return ok(withDeviceActivity({ ...current, session: null, lastEndReason: reason }), effects);
}

export function runCommand(state: CoreState, command: Extract<Command, { type: "run" }>, context: CoreContext): Outcome {
  const notHolder = requireHolder(state, command.user, "start a run");
  if (notHolder) return refuse(state, notHolder);
  const session = state.session!;
  if (session.run) {
    return refuse(state, rejection(ErrorCode.RUN_IN_PROGRESS, { runId: session.run.runId, sessionType: session.run.sessionType }));
  }
  const checked = checkRunRequest(state, command.sessionType, command.input, context);
  if ("refusal" in checked) return refuse(state, checked.refusal);
  return startRun(state, checked.spec, command.input, context);
}

export function cancel(state: CoreState, user: UserRef, context: CoreContext): Outcome {
  const notHolder = requireHolder(state, user, "cancel");
  if (notHolder) return refuse(state, notHolder);
  if (!state.session!.run) return refuse(state, rejection(ErrorCode.NO_RUN, { deviceId: state.deviceId }));
  return endIfOneShot(failRun(state, ErrorCode.CANCELLED, renderError(ErrorCode.CANCELLED, { reason: "owner" }), context, true), EndReason.CANCELLED, context);
}
