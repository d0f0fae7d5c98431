/**
 * The session rules of one device, as a pure reducer:
 *
 *     reduce(state, command, context) → { state, effects, rejection? }
 *
 * No Colyseus, no sockets, no timers: the clock, run ids and input validation come in
 * through `context`. The room is the single writer of this state, which is what makes a
 * claim atomic — two claims are two commands applied one after the other, and the second
 * sees the first's holder.
 *
 * Fencing: `epoch` grows by one each time a new holder takes the device. Every command to
 * the device carries it; a device report whose epoch or run id is not the current run's is
 * refused, and a result among them is recorded as orphaned (and acknowledged, so the device
 * can forget it) — never credited to whoever holds the device now.
 */
import { DeviceAvailability, DeviceConnection, EndReason, ErrorCode, renderError, type EndReasonName } from "@baton/protocol";
import { rejection } from "./rejection.ts";
import { dueDeadline } from "./deadlines.ts";
import { welcomeFor } from "./phase.ts";
import { expiryOf } from "./lease.ts";
import type {
  Command, CoreContext, CoreState, Effect, Json, LastRun, LateOwner, Outcome, Rejection, RunState, SessionRecord, SessionTypeSpec, UserRef,
} from "./types.ts";

/** How many completed run ids are remembered to recognise a re-sent result. */
const REMEMBERED_RUN_IDS = 64;

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

export function initialState(deviceId: string, now: number): CoreState {
  return {
    deviceId,
    epoch: 0,
    device: { online: false, lastSeenAt: 0, since: now, connection: DeviceConnection.UNKNOWN, firmware: "", sessionTypes: [] },
    session: null,
    lastEndReason: "",
    recentlyCompletedRunIds: [],
    orphanedResults: 0,
    queue: [],
    offer: null,
    awaitingReadySince: 0,
    availability: { status: DeviceAvailability.AVAILABLE, reason: "", since: now, by: "" },
    consecutiveFailures: 0,
  };
}

/** Commands that come from the device itself: each one is proof that it is alive. */
const DEVICE_REPORTS = new Set<Command["type"]>(["deviceHello", "deviceAccepted", "deviceProgress", "deviceResult", "deviceFailed", "deviceReady", "deviceHeartbeat"]);

/**
 * The session rules alone: claims, runs, device reports and the session's timers. The queue,
 * hand-off, readiness and availability rules wrap it in reduce.ts, which is what callers use.
 */
export function reduceSession(state: CoreState, command: Command, context: CoreContext): Outcome {
  if (DEVICE_REPORTS.has(command.type) && state.device.online) {
    state = { ...state, device: { ...state.device, lastSeenAt: context.now } };
  }
  switch (command.type) {
    case "claim": return claim(state, command, context);
    case "run": return runCommand(state, command, context);
    case "cancel": return cancel(state, command.user, context);
    case "release": return release(state, command.user, context);
    case "forceRelease": return state.session ? endSession(state, EndReason.KICKED, context, { by: command.by, note: command.reason }) : ok(state);
    case "ownerDisconnected": return ownerDisconnected(state, command.userId, context);
    case "ownerReconnected": return ownerReconnected(state, command.userId, context);
    case "deviceConnected": return ok({ ...state, device: { ...state.device, connection: DeviceConnection.CONNECTING } });
    case "deviceHello": return deviceHello(state, command, context);
    case "deviceDisconnected": return deviceDisconnected(state, context);
    case "deviceAccepted": return deviceAccepted(state, command, context);
    case "deviceProgress": return deviceProgress(state, command, context);
    case "deviceResult": return deviceResult(state, command, context);
    case "deviceFailed": return deviceFailed(state, command, context);
    case "deviceReady": return deviceReady(state);
    case "deviceHeartbeat": return ok(state);
    case "tick": return tick(state, context);
    default: return ok(state); // queue and availability commands: reduce.ts
  }
}

// ---------------------------------------------------------------- helpers

function ok(state: CoreState, effects: Effect[] = []): Outcome {
  return { state, effects };
}

function refuse(state: CoreState, refusal: Rejection, effects: Effect[] = []): Outcome {
  return { state, effects, rejection: refusal };
}

function withSession(state: CoreState, session: SessionRecord | null): CoreState {
  return { ...state, session };
}

function connectionFor(online: boolean, running: boolean) {
  if (!online) return DeviceConnection.DISCONNECTED;
  return running ? DeviceConnection.ACTIVE : DeviceConnection.IDLE;
}

function withDeviceActivity(state: CoreState): CoreState {
  const running = Boolean(state.session?.run);
  const current = state.device.connection;
  const connection = current === DeviceConnection.CONNECTING || current === DeviceConnection.UNKNOWN || (current === DeviceConnection.ERROR && !running && state.device.online)
    ? current
    : connectionFor(state.device.online, running);
  return connection === state.device.connection ? state : { ...state, device: { ...state.device, connection } };
}

function describeHolder(holder: UserRef): string {
  return holder.name ? `${holder.name} (${holder.userId})` : holder.userId;
}

function findSessionType(state: CoreState, name: string): SessionTypeSpec | undefined {
  return state.device.sessionTypes.find((spec) => spec.name === name);
}

function stepTimeoutOf(state: CoreState, sessionType: string, context: CoreContext): number {
  return findSessionType(state, sessionType)?.stepTimeoutMs ?? context.timers.runStepTimeoutMs;
}

/** A run's step window restarted from now (a sign of life), never past its hard deadline. */
function freshStepDeadline(state: CoreState, run: Pick<RunState, "sessionType" | "hardDeadline">, context: CoreContext): number {
  return Math.min(run.hardDeadline, context.now + stepTimeoutOf(state, run.sessionType, context));
}

/**
 * A one-shot session (`releaseOnComplete`) ends as soon as its run has finished, for
 * `reason`; any other session goes on. Applied after every way a run can finish.
 */
function endIfOneShot(outcome: Outcome, reason: EndReasonName, context: CoreContext): Outcome {
  if (!outcome.state.session?.releaseOnComplete) return outcome;
  const ended = endSession(outcome.state, reason, context);
  return ok(ended.state, [...outcome.effects, ...ended.effects]);
}

/** Refuses a run before anything changes: unknown type, invalid input, device offline. */
function checkRunRequest(state: CoreState, sessionType: string, input: Json, context: CoreContext):
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

function startRun(state: CoreState, spec: SessionTypeSpec, input: Json, context: CoreContext): Outcome {
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
function failRun(state: CoreState, code: string, message: string, context: CoreContext, tellDevice: boolean): Outcome {
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
function endSession(state: CoreState, reason: EndReasonName, context: CoreContext, ender: { by: UserRef; note: string } | null = null): Outcome {
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

function requireHolder(state: CoreState, user: UserRef, action: string): Rejection | null {
  const session = state.session;
  if (!session) {
    return rejection(ErrorCode.NOT_OWNER, { reason: "nobodyHolds", deviceId: state.deviceId, action });
  }
  if (session.holder.userId !== user.userId) {
    return rejection(ErrorCode.NOT_OWNER, { reason: "heldByOther", deviceId: state.deviceId, action, holder: describeHolder(session.holder) });
  }
  return null;
}

// ---------------------------------------------------------------- user commands

function claim(state: CoreState, command: Extract<Command, { type: "claim" }>, context: CoreContext): Outcome {
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

function runCommand(state: CoreState, command: Extract<Command, { type: "run" }>, context: CoreContext): Outcome {
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

function cancel(state: CoreState, user: UserRef, context: CoreContext): Outcome {
  const notHolder = requireHolder(state, user, "cancel");
  if (notHolder) return refuse(state, notHolder);
  if (!state.session!.run) return refuse(state, rejection(ErrorCode.NO_RUN, { deviceId: state.deviceId }));
  return endIfOneShot(failRun(state, ErrorCode.CANCELLED, renderError(ErrorCode.CANCELLED, { reason: "owner" }), context, true), EndReason.CANCELLED, context);
}

function release(state: CoreState, user: UserRef, context: CoreContext): Outcome {
  const notHolder = requireHolder(state, user, "release");
  if (notHolder) return refuse(state, notHolder);
  return endSession(state, EndReason.RELEASED, context);
}

function ownerDisconnected(state: CoreState, userId: string, context: CoreContext): Outcome {
  const session = state.session;
  if (!session || session.holder.userId !== userId || session.ownerLostAt > 0) return ok(state);
  return ok(withSession(state, { ...session, ownerLostAt: context.now }));
}

function ownerReconnected(state: CoreState, userId: string, context: CoreContext): Outcome {
  const session = state.session;
  if (!session || session.holder.userId !== userId || session.ownerLostAt === 0) return ok(state);
  return ok(withSession(state, { ...session, ownerLostAt: 0, lastActivity: context.now }));
}

// ---------------------------------------------------------------- device reports

function deviceHello(state: CoreState, command: Extract<Command, { type: "deviceHello" }>, context: CoreContext): Outcome {
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

function deviceDisconnected(state: CoreState, context: CoreContext): Outcome {
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

function deviceAccepted(state: CoreState, command: Extract<Command, { type: "deviceAccepted" }>, context: CoreContext): Outcome {
  const problem = reportProblem(state, command.epoch, command.runId);
  if (problem) return refuse(state, problem);
  const session = state.session!;
  const run = session.run!;
  // Accepting is a sign of life: the step window starts again from here.
  return ok(withSession(state, { ...session, run: { ...run, accepted: true, stepDeadline: freshStepDeadline(state, run, context) } }));
}

function deviceProgress(state: CoreState, command: Extract<Command, { type: "deviceProgress" }>, context: CoreContext): Outcome {
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

function deviceResult(state: CoreState, command: Extract<Command, { type: "deviceResult" }>, context: CoreContext): Outcome {
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

function deviceFailed(state: CoreState, command: Extract<Command, { type: "deviceFailed" }>, context: CoreContext): Outcome {
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

function deviceReady(state: CoreState): Outcome {
  if (!state.device.online) return ok(state);
  return ok(withDeviceActivity({ ...state, device: { ...state.device, connection: connectionFor(true, Boolean(state.session?.run)) } }));
}

function remember(runIds: string[], runId: string): string[] {
  const next = runIds.length >= REMEMBERED_RUN_IDS ? runIds.slice(1) : runIds.slice();
  next.push(runId);
  return next;
}

// ---------------------------------------------------------------- timers

/** Fires every deadline that has passed, earliest first, until none is due. */
function tick(state: CoreState, context: CoreContext): Outcome {
  let current = state;
  const effects: Effect[] = [];
  // Each step removes the deadline it fires, so this ends; the bound is a guard, not a limit.
  for (let guard = 0; guard < 8; guard++) {
    const due = dueDeadline(current, context.timers, context.now);
    if (!due) break;
    let step: Outcome;
    if (due.kind === "device_silent") {
      const silentFor = context.now - current.device.lastSeenAt;
      step = deviceDisconnected(current, context);
      step = ok(step.state, [{ type: "disconnectDevice", reason: `no message from the device for ${silentFor} ms` }, ...step.effects]);
    } else if (due.kind === "run_timeout") {
      step = endIfOneShot(failRun(current, ErrorCode.RUN_TIMEOUT, renderError(ErrorCode.RUN_TIMEOUT, { reason: "noProgress" }), context, true), EndReason.RUN_FAILED, context);
    } else {
      step = endSession(current, due.kind, context);
    }
    current = step.state;
    effects.push(...step.effects);
  }
  return ok(current, effects);
}


