/**
 * The device rules of docs/PROTOCOL.md §7 as one pure, clocked state machine: inputs (frames,
 * time, job ends, connection events) in, outputs (frames to send, job start/stop, connection
 * actions) out. It is built only from the simulator's pure decision modules — decisions.ts
 * (welcome/start/cancel), resend.ts (RATE_LIMITED), backoff.ts (reconnect), heldReports.ts
 * (what is held, final refusals) — and adds the bookkeeping around them.
 *
 * Why it exists: the device contract vectors (shared/device-contract/) are executed against
 * it (test/contract/deviceContract.test.ts) and against the C firmware's session machine
 * (firmware/tests/test_contract.c), so the rules are written once as data and checked in both
 * languages. The socket-and-timer device (device.ts) is the shell around this machine, as
 * firmware/components/baton_core/src/baton_runner.c is around the C one: it feeds it frames,
 * the clock, job ends and connection events, and executes the actions it returns. Besides its
 * actions the machine returns notes (`{ note }`): what it decided and why, for the shell's
 * log lines, events and counters. Notes are not actions; the vectors ignore them.
 */
import { ErrorCode } from "@baton/protocol";
import type { StartMessage, UpdateMessage, WelcomeMessage } from "@baton/protocol";
import { reconnectDelayMs, type BackoffPolicy } from "./backoff.ts";
import { planCancel, planStart, planWelcome, type DeviceKnowledge } from "./decisions.ts";
import { runBudgetMs } from "./jobBudget.ts";
import { forgetHeld, holdReport, isFinalRefusal, type HeldReport } from "./heldReports.ts";
import { DEFAULT_RESEND_POLICY, planRateLimited, planResendDue, resendAfterAck, resendAfterDisconnect, type ResendPolicy, type ResendState } from "./resend.ts";

export interface DeviceProfile {
  /** Period of `heartbeat` while joined; 0 = none. */
  heartbeatIntervalMs: number;
  /** Extra time past a job's budget before the device stops it itself. */
  jobGraceMs: number;
  reconnect: BackoffPolicy;
  /** What `hello` declares (sent as given: a session type may carry more, e.g. its inputSchema). */
  sessionTypes: readonly { name: string; maxDurationMs: number }[];
  /** What `hello` names as the firmware. Default "contract". */
  firmware?: string;
  /** Back-off of the re-send after RATE_LIMITED. Default DEFAULT_RESEND_POLICY. */
  resend?: ResendPolicy;
  /** Telemetry channels `hello` declares (issue 24); absent: none. The samples are the shell's (telemetryPlayer.ts), beside this machine. */
  telemetry?: readonly Record<string, unknown>[];
}

export type ConnectionState = "stopped" | "waiting" | "awaitingWelcome" | "online";

export interface CoreJob {
  runId: string;
  epoch: number;
  sessionType: string;
  deadlineAtMs: number;
  /** Last progress reported (or that would have been, while offline): said again on resume. */
  progress?: number;
  progressMessage?: string;
}

export interface CoreState {
  nowMs: number;
  connection: ConnectionState;
  /** When the scheduled reconnect attempt is due (waiting only). */
  reconnectAtMs?: number;
  /** Reconnect attempts since the last accepted welcome: the back-off exponent. */
  reconnectAttempts: number;
  nextHeartbeatAtMs?: number;
  highestEpoch?: number;
  job?: CoreJob;
  held: HeldReport[];
  resend: ResendState;
  /** The instrument's reset ended while not joined: `ready` is said after the next welcome. */
  readyOwed?: boolean;
  /** A firmware version installed by an update (docs/PROTOCOL.md §15): `hello` says it instead of the profile's. */
  firmware?: string;
}

export type JobEnd = "result" | "failed" | "cancelled" | "abandoned" | "replaced" | "timedOut" | "powerLoss";

/** What the machine decided and why — for the shell's log, events and counters, never executed. */
export type CoreNote =
  | { kind: "welcomed"; epoch: number; phase: string; runId?: string }
  | { kind: "staleIgnored"; type: string; epoch: number; highestEpoch: number }
  | { kind: "epochRefused"; epoch: number; highestEpoch: number }
  | { kind: "jobStarted"; start: StartMessage }
  | { kind: "jobResumed"; runId: string }
  | { kind: "jobEnded"; runId: string; outcome: JobEnd; reason?: string }
  | { kind: "cancelNotRunning"; runId: string }
  | { kind: "acknowledged"; runId: string }
  | { kind: "reportForgotten"; runId: string; why: "finalRefusal" | "bound"; code?: string }
  | { kind: "resendScheduled"; request: string; delayMs: number; attempt: number }
  | { kind: "reportsResent"; runIds: string[] }
  /** A message the machine would send, held back because it is not joined. */
  | { kind: "notSent"; type: string }
  | { kind: "reconnectScheduled"; attempt: number; delayMs: number }
  | { kind: "gaveUp"; attempts: number; reason: string };

export type CoreOutput =
  | { send: string; payload: Record<string, unknown> }
  | { job: "start"; runId: string; sessionType: string }
  | { job: "stop"; runId: string }
  | { connection: "close" }
  | { connection: "reconnect"; delayMs: number }
  | { connection: "giveUp" }
  /** A firmware offer (`update`, or `welcome.update`) for the device's updater (docs/PROTOCOL.md §15); not answered. */
  | { update: UpdateMessage }
  | { note: CoreNote };

/** The outputs the shell executes (everything but notes): what the contract vectors compare. */
export function actionsOf(outputs: readonly CoreOutput[]): CoreOutput[] {
  return outputs.filter((output) => !("note" in output));
}

/** Close codes after which retrying cannot help (docs/PROTOCOL.md §7.7). */
const NOT_RETRIED = new Set([4101, 4102]);
const DEVICE_SILENT = 4103;

export class DeviceCore {
  private out: CoreOutput[] = [];

  constructor(readonly profile: DeviceProfile, public state: CoreState, private readonly random: () => number = () => 0) {}

  /** Runs one input and returns what it produced. */
  private collect(run: () => void): CoreOutput[] {
    const outer = this.out;
    this.out = [];
    run();
    const produced = this.out;
    this.out = outer;
    return produced;
  }

  private send(type: string, payload: Record<string, unknown>): void {
    if (this.state.connection === "online" || type === "hello") this.out.push({ send: type, payload });
    else this.note({ kind: "notSent", type });
  }

  private note(note: CoreNote): void {
    this.out.push({ note });
  }

  private get resendPolicy(): ResendPolicy {
    return this.profile.resend ?? DEFAULT_RESEND_POLICY;
  }

  private nextHeartbeatAt(): number | undefined {
    return this.profile.heartbeatIntervalMs > 0 ? this.state.nowMs + this.profile.heartbeatIntervalMs : undefined;
  }

  // ---------------------------------------------------------------- room messages

  receive(type: string, payload: Record<string, unknown>): CoreOutput[] {
    return this.collect(() => {
      if (type === "welcome") return this.onWelcome(payload as unknown as WelcomeMessage);
      if (type === "error") return this.onError(payload);
      if (this.state.connection !== "online") return;
      if (type === "start") return this.onStart(payload as unknown as StartMessage);
      if (type === "cancel") return this.onCancel(payload as { epoch: number; runId: string });
      if (type === "ack") return this.onAck(String(payload.runId));
      if (type === "update") return void this.out.push({ update: payload as unknown as UpdateMessage });
    });
  }

  private knowledge(): DeviceKnowledge {
    const failures = this.state.held.filter((report) => report.report === "failed");
    return {
      highestEpoch: this.state.highestEpoch ?? 0,
      running: this.state.job ? { epoch: this.state.job.epoch, runId: this.state.job.runId } : undefined,
      heldResultRunIds: this.state.held.filter((report) => report.report === "result").map((report) => report.runId),
      lastFailedRunId: failures.at(-1)?.runId,
    };
  }

  private onWelcome(welcome: WelcomeMessage): void {
    const repeated = this.state.connection === "online";
    if (!repeated && this.state.connection !== "awaitingWelcome") return;
    const actions = planWelcome(this.knowledge(), welcome, { repeated });
    const highestEpoch = this.state.highestEpoch ?? 0;
    if (actions[0]?.kind === "ignoreStale") return this.note({ kind: "staleIgnored", type: "welcome", epoch: welcome.epoch, highestEpoch });
    if (actions[0]?.kind === "refuseEpoch") {
      this.note({ kind: "epochRefused", epoch: welcome.epoch, highestEpoch });
      this.out.push({ connection: "close" });
      return this.lostConnection(); // the back-off is not reset: refusals in a row wait longer
    }
    this.state.highestEpoch = welcome.epoch;
    this.state.connection = "online";
    this.state.reconnectAttempts = 0;
    this.state.nextHeartbeatAtMs = this.nextHeartbeatAt();
    this.note({ kind: "welcomed", epoch: welcome.epoch, phase: welcome.phase, ...(typeof welcome.runId === "string" ? { runId: welcome.runId } : {}) });
    // A pending firmware update rides in the welcome; the updater decides when (not during a run).
    if (welcome.update && typeof welcome.update === "object") this.out.push({ update: welcome.update });
    // Failures the room does not run any more were heard (docs/PROTOCOL.md §7.1); the rest of
    // what is held goes out first, oldest first, as one batch.
    const resend = new Set(actions.flatMap((action) => (action.kind === "resendResult" || action.kind === "resendFailure" ? [action.runId] : [])));
    this.state.held = this.state.held.filter((report) => report.report === "result" || resend.has(report.runId));
    this.resend(this.state.held.map((report) => report.runId).filter((runId) => resend.has(runId)));
    for (const action of actions) {
      switch (action.kind) {
        case "resendResult": case "resendFailure": break;
        case "resume": {
          // Report at once: proves the job is alive and resets the room's step timer.
          const job = this.state.job!;
          this.send("progress", { epoch: welcome.epoch, runId: action.runId, progress: job.progress ?? 0, ...(job.progressMessage ? { message: job.progressMessage } : {}) });
          this.note({ kind: "jobResumed", runId: action.runId });
          break;
        }
        case "abandon": this.stopJob("abandoned", action.reason); break;
        case "start": this.startJob(action.start); break;
        case "cannotStart": this.fail(action.epoch, action.runId, ErrorCode.DEVICE_FAILED, "the device restarted and lost the run"); break;
      }
    }
    if (this.state.readyOwed && !this.state.job) this.sayReady();
  }

  private onStart(start: StartMessage): void {
    const decision = planStart(this.knowledge(), start);
    if (decision.kind === "ignoreStale") return this.note({ kind: "staleIgnored", type: "start", epoch: start.epoch, highestEpoch: decision.highestEpoch });
    this.state.highestEpoch = Math.max(this.state.highestEpoch ?? 0, start.epoch);
    if (decision.kind === "duplicate") return this.send("accepted", { epoch: this.state.job!.epoch, runId: start.runId });
    if (decision.kind === "resendResult") return this.resend([start.runId]);
    if (decision.replaces) this.stopJob("replaced", `the room started ${start.runId} instead`);
    this.startJob(start);
  }

  private onCancel(cancel: { epoch: number; runId: string }): void {
    const decision = planCancel(this.knowledge(), cancel);
    if (decision.kind === "ignoreStale") return this.note({ kind: "staleIgnored", type: "cancel", epoch: cancel.epoch, highestEpoch: decision.highestEpoch });
    this.state.highestEpoch = Math.max(this.state.highestEpoch ?? 0, cancel.epoch);
    if (decision.kind === "stop") this.stopJob("cancelled");
    else this.note({ kind: "cancelNotRunning", runId: cancel.runId });
  }

  private onAck(runId: string): void {
    this.state.resend = resendAfterAck(this.state.resend);
    this.state.held = forgetHeld(this.state.held, runId);
    this.note({ kind: "acknowledged", runId });
  }

  private onError(error: Record<string, unknown>): void {
    const code = String(error.code ?? "");
    const request = String(error.request ?? "");
    if (code === ErrorCode.RATE_LIMITED) {
      const decision = planRateLimited(this.state.resend, this.state.nowMs, this.resendPolicy, this.random);
      this.state.resend = decision.state;
      if (decision.kind === "schedule") this.note({ kind: "resendScheduled", request, delayMs: decision.delayMs, attempt: decision.state.attempts });
      return;
    }
    const refused = isFinalRefusal(this.state.held, code, request);
    if (!refused) return;
    this.state.held = forgetHeld(this.state.held, refused);
    this.note({ kind: "reportForgotten", runId: refused, why: "finalRefusal", code });
  }

  // ---------------------------------------------------------------- jobs

  private startJob(start: StartMessage): void {
    const declared = this.profile.sessionTypes.find((type) => type.name === start.sessionType);
    if (!declared) return this.fail(start.epoch, start.runId, ErrorCode.UNKNOWN_SESSION_TYPE, "this device does not declare that session type");
    const deadlineAtMs = this.state.nowMs + runBudgetMs(declared.maxDurationMs, start.deadlineMs) + this.profile.jobGraceMs;
    this.state.job = { runId: start.runId, epoch: start.epoch, sessionType: start.sessionType, deadlineAtMs };
    this.state.readyOwed = false; // the reset of the last job is overtaken by this one
    this.note({ kind: "jobStarted", start });
    this.out.push({ job: "start", runId: start.runId, sessionType: start.sessionType });
    this.send("accepted", { epoch: start.epoch, runId: start.runId });
  }

  private stopJob(outcome: JobEnd, reason?: string): void {
    const job = this.state.job;
    if (!job) return;
    this.out.push({ job: "stop", runId: job.runId });
    this.state.job = undefined;
    this.note({ kind: "jobEnded", runId: job.runId, outcome, ...(reason ? { reason } : {}) });
  }

  private report(report: HeldReport): void {
    const before = this.state.held;
    this.state.held = holdReport(before, report);
    for (const dropped of before) {
      if (dropped.runId !== report.runId && !this.state.held.includes(dropped)) this.note({ kind: "reportForgotten", runId: dropped.runId, why: "bound" });
    }
    if (this.state.connection === "online") this.resend([report.runId]);
    else this.note({ kind: "notSent", type: report.report }); // held: it goes out after the next welcome
  }

  private fail(epoch: number, runId: string, code: string, message: string): void {
    this.report({ report: "failed", runId, epoch, payload: { epoch, runId, code, message }, inFlight: false });
  }

  /** The application finished the job. */
  jobResult(runId: string, output: Record<string, unknown>): CoreOutput[] {
    const job = this.state.job;
    return job?.runId === runId ? this.reportResult({ epoch: job.epoch, runId, output }) : [];
  }

  jobFailed(runId: string, code: string, message: string): CoreOutput[] {
    const job = this.state.job;
    return job?.runId === runId ? this.reportFailure({ epoch: job.epoch, runId, code, message }) : [];
  }

  /**
   * The application reports a result as given — the epoch and run id may differ from the job's
   * (tests fake them). It ends the job of that run, if one is in progress, and is held until `ack`.
   */
  reportResult(result: { epoch: number; runId: string; output: Record<string, unknown> }): CoreOutput[] {
    return this.collect(() => {
      this.endJobOf(result.runId, "result");
      this.report({ report: "result", runId: result.runId, epoch: result.epoch, payload: { ...result }, inFlight: false });
    });
  }

  /** As reportResult, for a failure (held too: re-sent while the room still runs that run). */
  reportFailure(failure: { epoch: number; runId: string; code: string; message: string }): CoreOutput[] {
    return this.collect(() => {
      this.endJobOf(failure.runId, "failed");
      this.fail(failure.epoch, failure.runId, failure.code, failure.message);
    });
  }

  private endJobOf(runId: string, outcome: JobEnd): void {
    if (this.state.job?.runId !== runId) return;
    this.state.job = undefined; // it ended by itself: nothing to stop
    this.note({ kind: "jobEnded", runId, outcome });
  }

  /** The job reports progress: sent if joined, remembered to be said again on resume. */
  progress(runId: string, progress: number, message?: string): CoreOutput[] {
    return this.collect(() => {
      const job = this.state.job;
      if (job?.runId !== runId) return;
      progress = progress >= 0 ? Math.min(1, progress) : 0; // as the firmware: NaN and negatives are 0
      job.progress = progress;
      job.progressMessage = message || undefined;
      this.send("progress", { epoch: job.epoch, runId, progress, ...(message ? { message } : {}) });
    });
  }

  /**
   * Live telemetry (issue 24, PROTOCOL §16): `telemetry { values }`, sent only while joined —
   * a glimpse, not a record: dropped offline, never held or re-sent, not a heartbeat.
   */
  telemetry(values: Record<string, number | boolean | string>): CoreOutput[] {
    return this.collect(() => {
      if (this.state.connection === "online" && Object.keys(values).length > 0) this.send("telemetry", { values });
    });
  }

  /**
   * The instrument's reset after a job is done: `ready`, now if joined, else after the next
   * welcome. Not owed if a job started meanwhile.
   */
  ready(): CoreOutput[] {
    return this.collect(() => {
      if (this.state.job) return;
      if (this.state.connection === "online") this.sayReady();
      else this.state.readyOwed = true;
    });
  }

  private sayReady(): void {
    this.state.readyOwed = false;
    this.send("ready", {});
  }

  /** Sends held reports (in the order given) that are still held, if joined. */
  private resend(runIds: readonly string[]): void {
    if (this.state.connection !== "online") return;
    for (const runId of runIds) {
      const report = this.state.held.find((held) => held.runId === runId);
      if (!report) continue;
      report.inFlight = true;
      this.send(report.report, report.payload);
    }
  }

  // ---------------------------------------------------------------- time

  /** Time passes; timers run every 100 ms, as the firmware's tick. */
  advance(ms: number): CoreOutput[] {
    return this.collect(() => {
      const end = this.state.nowMs + ms;
      while (this.state.nowMs < end) {
        this.state.nowMs = Math.min(end, this.state.nowMs + 100);
        this.tick();
      }
    });
  }

  private tick(): void {
    const now = this.state.nowMs;
    const job = this.state.job;
    if (job && now >= job.deadlineAtMs) {
      this.stopJob("timedOut", "it ran past its time budget");
      this.fail(job.epoch, job.runId, ErrorCode.RUN_TIMEOUT, "the device stopped the job: it ran past its time budget");
    }
    if (this.state.connection !== "online") return;
    if (this.state.nextHeartbeatAtMs !== undefined && now >= this.state.nextHeartbeatAtMs) {
      this.send("heartbeat", { uptimeMs: now });
      this.state.nextHeartbeatAtMs = this.nextHeartbeatAt();
    }
    const due = planResendDue(this.state.resend, now, this.state.held.map((report) => report.runId));
    this.state.resend = due.state;
    if (due.kind === "resend") {
      this.resend(due.runIds);
      this.note({ kind: "reportsResent", runIds: due.runIds });
    }
  }

  /** When the machine next has something to do on its own (device clock), if anything: the shell's one timer. */
  nextDueAtMs(): number | undefined {
    const online = this.state.connection === "online";
    const times = [
      this.state.job?.deadlineAtMs,
      online ? this.state.nextHeartbeatAtMs : undefined,
      online ? this.state.resend.dueAtMs : undefined,
    ].filter((time): time is number => time !== undefined);
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  // ---------------------------------------------------------------- connection

  /** The socket closed with `code`. */
  closed(code: number): CoreOutput[] {
    return this.collect(() => {
      if (this.state.connection !== "online" && this.state.connection !== "awaitingWelcome") return;
      if (NOT_RETRIED.has(code)) return this.stop(`the server closed with ${code}; not reconnecting`);
      if (code === DEVICE_SILENT) {
        this.dropConnection();
        return this.waitThenRetry(0); // the link was half-open; the server is fine
      }
      this.lostConnection();
    });
  }

  private dropConnection(): void {
    for (const report of this.state.held) report.inFlight = false;
    this.state.resend = resendAfterDisconnect(this.state.resend);
    this.state.nextHeartbeatAtMs = undefined;
  }

  private lostConnection(): void {
    this.dropConnection();
    this.scheduleReconnect();
  }

  private scheduleReconnect(atLeastMs = 0): void {
    const policy = this.profile.reconnect;
    if (this.state.reconnectAttempts >= policy.maxAttempts) {
      return this.stop(policy.maxAttempts === 0 ? "reconnecting is off" : `${policy.maxAttempts} reconnect attempt(s) failed`);
    }
    this.state.reconnectAttempts++;
    // The back-off, but never sooner than the server asked (Retry-After).
    this.waitThenRetry(Math.max(reconnectDelayMs(this.state.reconnectAttempts, policy, this.random), atLeastMs));
  }

  private waitThenRetry(delayMs: number): void {
    this.state.connection = "waiting";
    this.state.reconnectAtMs = this.state.nowMs + delayMs;
    this.note({ kind: "reconnectScheduled", attempt: this.state.reconnectAttempts, delayMs });
    this.out.push({ connection: "reconnect", delayMs });
  }

  private stop(reason: string): void {
    this.dropConnection();
    this.state.connection = "stopped";
    this.state.reconnectAtMs = undefined;
    this.note({ kind: "gaveUp", attempts: this.state.reconnectAttempts, reason });
    this.out.push({ connection: "giveUp" });
  }

  /**
   * Makes the next attempt: a waiting device lets the clock run to the scheduled time (one
   * tick, as the firmware's timer would); a stopped one is started again, with a fresh back-off.
   */
  private attempt(): void {
    if (this.state.connection === "waiting" && this.state.reconnectAtMs !== undefined) {
      this.state.nowMs = Math.max(this.state.nowMs, this.state.reconnectAtMs);
      this.tick();
    } else if (this.state.connection === "stopped") {
      this.state.reconnectAttempts = 0;
    }
  }

  /** The attempt is made and succeeds: joined, `hello` sent. */
  rejoin(): CoreOutput[] {
    return this.collect(() => {
      this.attempt();
      this.state.connection = "awaitingWelcome";
      this.send("hello", this.hello());
    });
  }

  /** What `hello` says now: the declarations, the newest held result, the highest epoch seen (PROTOCOL.md §6). */
  hello(): Record<string, unknown> {
    const held = this.state.held.filter((report) => report.report === "result").at(-1);
    return {
      firmware: this.state.firmware ?? this.profile.firmware ?? "contract",
      sessionTypes: this.profile.sessionTypes,
      ...(this.profile.telemetry ? { telemetry: this.profile.telemetry } : {}),
      ...(held ? { heldRunId: held.runId } : {}),
      ...(this.state.highestEpoch !== undefined ? { epoch: this.state.highestEpoch } : {}),
    };
  }

  /**
   * The attempt is made and gets no answer, or a refusal retrying can fix; `retryAfterMs` is
   * the answer's `Retry-After` (a throttled 429): the next attempt never comes sooner.
   */
  attemptFailed(retryAfterMs = 0): CoreOutput[] {
    return this.collect(() => {
      this.attempt();
      this.scheduleReconnect(retryAfterMs);
    });
  }

  /** The attempt is made and matchmaking answers UNAUTHORIZED / UNKNOWN_DEVICE: not retried. */
  refused(reason = "matchmaking refused the device"): CoreOutput[] {
    return this.collect(() => {
      this.attempt();
      this.stop(reason);
    });
  }

  /**
   * The power goes and comes back: what is in RAM is lost — the job, the highest epoch, the
   * back-off, a pending re-send, an owed `ready` — and held reports survive (the firmware keeps
   * them in NVS) unless `keepHeldReports` is false. The machine is stopped; the next attempt
   * (`rejoin`, `attemptFailed`) starts it.
   */
  powerCycle(keepHeldReports = true): CoreOutput[] {
    return this.collect(() => {
      const job = this.state.job;
      if (job) this.note({ kind: "jobEnded", runId: job.runId, outcome: "powerLoss" });
      this.state = {
        nowMs: this.state.nowMs,
        connection: "stopped",
        reconnectAttempts: 0,
        held: keepHeldReports ? this.state.held.map((report) => ({ ...report, inFlight: false })) : [],
        resend: { attempts: 0 },
        // The installed firmware is in flash, not RAM: it survives the power cycle.
        ...(this.state.firmware !== undefined ? { firmware: this.state.firmware } : {}),
      };
    });
  }

  /** Leaves on purpose: closes and does not reconnect. */
  leave(): CoreOutput[] {
    return this.collect(() => {
      if (this.state.connection === "stopped") return;
      if (this.state.connection !== "waiting") this.out.push({ connection: "close" });
      this.dropConnection();
      this.state.connection = "stopped";
      this.state.reconnectAtMs = undefined;
    });
  }
}

