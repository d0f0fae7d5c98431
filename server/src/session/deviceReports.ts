/**
 * What the device reports (session core, see core.ts): `hello` (with the epoch repair),
 * disconnects, and the reports about the run in flight — fenced by epoch and run id.
 */
import { DeviceConnection, EndReason, ErrorCode, renderError } from "@baton/protocol";
import { rejection } from "./rejection.ts";
import { welcomeFor } from "./phase.ts";
import { ok, refuse, withSession, connectionFor, withDeviceActivity, freshStepDeadline } from "./coreSteps.ts";
import { endIfOneShot, failRun } from "./runs.ts";
import type { Command, CoreContext, CoreState, Effect, LastRun, LateOwner, Outcome, Rejection } from "./types.ts";

/**
 * The highest epoch Baton ever issues or stores (2^48). Far below 2^53, so `epoch + 1` always
 * changes the number: fencing cannot be switched off by an epoch that stopped counting.
 */
export const MAX_EPOCH = 2 ** 48;

/**
 * How far one `hello` may raise the epoch above the one this state holds. A device only ever
 * sees epochs the server issued and stored first, so a claim above the stored epoch means
 * the store lost some (wiped, or an old backup): a restart keeps the same epoch. A backup
 * misses at most a few thousand claims; a claim beyond this is an anomaly (forged or broken
 * firmware) and does not move the epoch at all — an operator decides (`device raise-epoch`).
 */
export const MAX_HELLO_EPOCH_RAISE = 10_000;

/** How many completed run ids are remembered to recognise a re-sent result. */
const REMEMBERED_RUN_IDS = 64;

export function deviceHello(state: CoreState, command: Extract<Command, { type: "deviceHello" }>, context: CoreContext): Outcome {
  const wasOnline = state.device.online;
  const now = context.now;
  let current: CoreState = {
    ...state,
    device: {
      online: true,
      lastSeenAt: now,
      since: wasOnline ? state.device.since : now,
      connection: connectionFor(true, Boolean(state.session?.run)),
      firmware: command.firmware,
      sessionTypes: command.sessionTypes,
      ...(command.needsReset ? { needsReset: true } : {}),
    },
  };
  const effects: Effect[] = wasOnline ? [] : [{ type: "deviceOnline" }];
  if (command.knownEpoch !== undefined && command.knownEpoch > current.epoch) {
    // The device saw an epoch this state never reached: the store lost it (wiped, or an old
    // backup). Devices refuse a lower epoch, so go past theirs; a session in flight gets an
    // epoch of its own above it, so its commands are not taken for the device's old ones.
    const to = command.knownEpoch + (current.session ? 1 : 0);
    const allowed = Math.min(MAX_EPOCH, current.epoch + MAX_HELLO_EPOCH_RAISE);
    if (to > allowed) {
      // Not a store that lost a few epochs: a forged or broken hello. The epoch stays; the
      // device refuses the lower welcome until an operator looks (PROTOCOL.md §6).
      effects.push({ type: "epochAnomaly", claimed: command.knownEpoch, current: current.epoch, allowed });
    } else {
      effects.push({ type: "epochRaised", from: current.epoch, to });
      current = { ...current, epoch: to };
    }
  }
  const run = current.session?.run;
  if (run && run.hardDeadline <= now) {
    // The run's time ran out while the device was away: end it before the welcome, so the
    // device is told to abandon it rather than resume it.
    const failed = endIfOneShot(failRun(current, ErrorCode.RUN_TIMEOUT, renderError(ErrorCode.RUN_TIMEOUT, { reason: "maxDurationWhileOffline" }), context, false), EndReason.RUN_FAILED, context);
    current = failed.state;
    effects.push(...failed.effects);
  } else if (run && !wasOnline) {
    // Back mid-run: a fresh step window, since it could not report while away. (A repeated
    // hello from a connected device does not extend the run.)
    current = withSession(current, { ...current.session!, run: { ...run, stepDeadline: freshStepDeadline(current, run, context) } });
  }
  const next = current;
  effects.push({ type: "sendToDevice", message: "welcome", payload: welcomeFor(next, now) });
  return ok(next, effects);
}

export function deviceDisconnected(state: CoreState, context: CoreContext): Outcome {
  if (!state.device.online && state.device.connection === DeviceConnection.DISCONNECTED) return ok(state);
  const wasOnline = state.device.online;
  const next: CoreState = {
    ...state,
    device: { ...state.device, online: false, since: wasOnline ? context.now : state.device.since, connection: DeviceConnection.DISCONNECTED },
  };
  return ok(next, wasOnline ? [{ type: "deviceOffline" }] : []);
}

/** Why a report about (epoch, runId) cannot be about the current run, or null when it is. */
function reportProblem(state: CoreState, epoch: number, runId: string): Rejection | null {
  if (epoch !== state.epoch) {
    return rejection(ErrorCode.STALE_EPOCH, { epoch, currentEpoch: state.epoch, runId });
  }
  const run = state.session?.run;
  if (!run || run.runId !== runId) {
    return rejection(ErrorCode.UNKNOWN_RUN, { runId, currentRunId: run ? run.runId : null });
  }
  return null;
}

export function deviceAccepted(state: CoreState, command: Extract<Command, { type: "deviceAccepted" }>, context: CoreContext): Outcome {
  const problem = reportProblem(state, command.epoch, command.runId);
  if (problem) return refuse(state, problem);
  const session = state.session!;
  const run = session.run!;
  // Accepting is a sign of life: the step window starts again from here.
  return ok(withSession(state, { ...session, run: { ...run, accepted: true, stepDeadline: freshStepDeadline(state, run, context) } }));
}

export function deviceProgress(state: CoreState, command: Extract<Command, { type: "deviceProgress" }>, context: CoreContext): Outcome {
  const problem = reportProblem(state, command.epoch, command.runId);
  if (problem) return refuse(state, problem);
  const session = state.session!;
  const run = session.run!;
  return ok(withSession(state, {
    ...session,
    run: {
      ...run,
      accepted: true,
      // Progress never goes backwards on screen, even if reports arrive out of order.
      progress: Math.max(run.progress, command.progress),
      progressMessage: command.message ?? run.progressMessage,
      stepDeadline: freshStepDeadline(state, run, context),
    },
  }));
}

export function deviceResult(state: CoreState, command: Extract<Command, { type: "deviceResult" }>, context: CoreContext): Outcome {
  const ack: Effect = { type: "sendToDevice", message: "ack", payload: { runId: command.runId } };
  // A result re-sent after a lost ack: acknowledge again, deliver nothing twice.
  if (state.recentlyCompletedRunIds.includes(command.runId)) return ok(state, [ack]);
  const problem = reportProblem(state, command.epoch, command.runId);
  if (problem) {
    const owner = lateOwner(state, command.epoch, command.runId);
    const orphaned: Effect = { type: "orphanedResult", epoch: command.epoch, runId: command.runId, reason: problem.code, output: command.output, ...(owner ? { owner } : {}) };
    // Remembering the id lets a re-sent orphan be acked without counting it twice — but never
    // the id of the run in flight, or its genuine result would later be taken for a duplicate.
    const inFlight = state.session?.run?.runId === command.runId;
    const recorded = {
      ...state,
      orphanedResults: state.orphanedResults + 1,
      recentlyCompletedRunIds: inFlight ? state.recentlyCompletedRunIds : remember(state.recentlyCompletedRunIds, command.runId),
    };
    return refuse(recorded, problem, [orphaned, ack]);
  }
  const session = state.session!;
  const run = session.run!;
  const lastRun: LastRun = { runId: run.runId, sessionType: run.sessionType, input: run.input, ok: true, output: command.output, failureCode: "", failureMessage: "" };
  const completed = withDeviceActivity({
    ...state,
    session: { ...session, run: null, lastRun, lastActivity: context.now },
    recentlyCompletedRunIds: remember(state.recentlyCompletedRunIds, run.runId),
  });
  // Order matters: the adapter stores and delivers the result before it acknowledges the device.
  const effects: Effect[] = [
    { type: "deliverResult", userId: session.holder.userId, runId: run.runId, sessionType: run.sessionType, output: command.output, epoch: state.epoch },
    { type: "runCompleted", runId: run.runId, sessionType: run.sessionType, epoch: state.epoch, durationMs: context.now - run.startedAt },
    ack,
  ];
  return endIfOneShot(ok(completed, effects), EndReason.COMPLETED, context);
}

/**
 * The owner of a result for a run that already ended in the current session (timed out,
 * cancelled): the holder of its epoch, as the session's last run says. Null when the core
 * cannot tell (an earlier epoch: the effect runner asks the store's history).
 */
function lateOwner(state: CoreState, epoch: number, runId: string): LateOwner | null {
  const session = state.session;
  const lastRun = session?.lastRun;
  if (!session || epoch !== state.epoch || !lastRun || lastRun.runId !== runId || lastRun.ok) return null;
  return { userId: session.holder.userId, sessionType: lastRun.sessionType, ended: lastRun.failureCode };
}

export function deviceFailed(state: CoreState, command: Extract<Command, { type: "deviceFailed" }>, context: CoreContext): Outcome {
  const problem = reportProblem(state, command.epoch, command.runId);
  if (problem) return refuse(state, problem);
  const reported = failRun(state, command.code, command.message || renderError(ErrorCode.DEVICE_FAILED, { reportedCode: command.code }), context, false);
  // The device is in error until it reports `ready` (or starts the next run).
  // Acknowledged like a result, so the device knows the failure arrived and can stop re-sending it.
  const failed = ok(
    { ...reported.state, device: { ...reported.state.device, connection: DeviceConnection.ERROR } },
    [...reported.effects, { type: "deviceError", code: command.code, message: command.message }, { type: "sendToDevice", message: "ack", payload: { runId: command.runId } }],
  );
  return endIfOneShot(failed, EndReason.RUN_FAILED, context);
}

export function deviceReady(state: CoreState): Outcome {
  if (!state.device.online) return ok(state);
  return ok(withDeviceActivity({ ...state, device: { ...state.device, connection: connectionFor(true, Boolean(state.session?.run)) } }));
}

function remember(runIds: string[], runId: string): string[] {
  const next = runIds.length >= REMEMBERED_RUN_IDS ? runIds.slice(1) : runIds.slice();
  next.push(runId);
  return next;
}
