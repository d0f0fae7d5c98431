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
 * languages. The socket-and-timer device (device.ts) calls the same decision modules; it does
 * not yet route through this machine.
 */
import { ErrorCode } from "@baton/protocol";
import type { StartMessage, WelcomeMessage } from "@baton/protocol";
import { reconnectDelayMs, type BackoffPolicy } from "./backoff.ts";
import { planCancel, planStart, planWelcome, type DeviceKnowledge } from "./decisions.ts";
import { runBudgetMs } from "./jobBudget.ts";
import { forgetHeld, holdReport, isFinalRefusal, type HeldReport } from "./heldReports.ts";
import { DEFAULT_RESEND_POLICY, planRateLimited, planResendDue, resendAfterAck, resendAfterDisconnect, type ResendState } from "./resend.ts";

export interface DeviceProfile {
  heartbeatIntervalMs: number;
  /** Extra time past a job's budget before the device stops it itself. */
  jobGraceMs: number;
  reconnect: BackoffPolicy;
  sessionTypes: readonly { name: string; maxDurationMs: number }[];
}

export type ConnectionState = "stopped" | "waiting" | "awaitingWelcome" | "online";

export interface CoreJob { runId: string; epoch: number; sessionType: string; deadlineAtMs: number }

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
}

export type CoreOutput =
  | { send: string; payload: Record<string, unknown> }
  | { job: "start"; runId: string; sessionType: string }
  | { job: "stop"; runId: string }
  | { connection: "close" }
  | { connection: "reconnect"; delayMs: number }
  | { connection: "giveUp" };

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
    if (actions[0]?.kind === "ignoreStale") return;
    if (actions[0]?.kind === "refuseEpoch") {
      this.out.push({ connection: "close" });
      return this.lostConnection(); // the back-off is not reset: refusals in a row wait longer
    }
    this.state.highestEpoch = welcome.epoch;
    this.state.connection = "online";
    this.state.reconnectAttempts = 0;
    this.state.nextHeartbeatAtMs = this.state.nowMs + this.profile.heartbeatIntervalMs;
    // Failures the room does not run any more were heard (docs/PROTOCOL.md §7.1); the rest of
    // what is held goes out first, oldest first, as one batch.
    const resend = new Set(actions.flatMap((action) => (action.kind === "resendResult" || action.kind === "resendFailure" ? [action.runId] : [])));
    this.state.held = this.state.held.filter((report) => report.report === "result" || resend.has(report.runId));
    this.resend(this.state.held.map((report) => report.runId).filter((runId) => resend.has(runId)));
    for (const action of actions) {
      switch (action.kind) {
        case "resendResult": case "resendFailure": break;
        case "resume": this.send("progress", { epoch: welcome.epoch, runId: action.runId, progress: 0 }); break;
        case "abandon": this.stopJob(); break;
        case "start": this.startJob(action.start); break;
        case "cannotStart": this.fail(action.epoch, action.runId, ErrorCode.DEVICE_FAILED, "the device restarted and lost the run"); break;
      }
    }
  }

  private onStart(start: StartMessage): void {
    const decision = planStart(this.knowledge(), start);
    if (decision.kind === "ignoreStale") return;
    this.state.highestEpoch = Math.max(this.state.highestEpoch ?? 0, start.epoch);
    if (decision.kind === "duplicate") return this.send("accepted", { epoch: this.state.job!.epoch, runId: start.runId });
    if (decision.kind === "resendResult") return this.resend([start.runId]);
    if (decision.replaces) this.stopJob();
    this.startJob(start);
  }

  private onCancel(cancel: { epoch: number; runId: string }): void {
    const decision = planCancel(this.knowledge(), cancel);
    if (decision.kind === "ignoreStale") return;
    this.state.highestEpoch = Math.max(this.state.highestEpoch ?? 0, cancel.epoch);
    if (decision.kind === "stop") this.stopJob();
  }

  private onAck(runId: string): void {
    this.state.resend = resendAfterAck(this.state.resend);
    this.state.held = forgetHeld(this.state.held, runId);
  }

  private onError(error: Record<string, unknown>): void {
    const code = String(error.code ?? "");
    const request = String(error.request ?? "");
    if (code === ErrorCode.RATE_LIMITED) {
      this.state.resend = planRateLimited(this.state.resend, this.state.nowMs, DEFAULT_RESEND_POLICY, this.random).state;
      return;
    }
    const refused = isFinalRefusal(this.state.held, code, request);
    if (refused) this.state.held = forgetHeld(this.state.held, refused);
  }

  // ---------------------------------------------------------------- jobs

  private startJob(start: StartMessage): void {
    const declared = this.profile.sessionTypes.find((type) => type.name === start.sessionType);
    if (!declared) return this.fail(start.epoch, start.runId, ErrorCode.UNKNOWN_SESSION_TYPE, "this device does not declare that session type");
    const deadlineAtMs = this.state.nowMs + runBudgetMs(declared.maxDurationMs, start.deadlineMs) + this.profile.jobGraceMs;
    this.state.job = { runId: start.runId, epoch: start.epoch, sessionType: start.sessionType, deadlineAtMs };
    this.out.push({ job: "start", runId: start.runId, sessionType: start.sessionType });
    this.send("accepted", { epoch: start.epoch, runId: start.runId });
  }

  private stopJob(): void {
    if (!this.state.job) return;
    this.out.push({ job: "stop", runId: this.state.job.runId });
    this.state.job = undefined;
  }

  private report(report: HeldReport): void {
    this.state.held = holdReport(this.state.held, report);
    this.resend([report.runId]);
  }

  private fail(epoch: number, runId: string, code: string, message: string): void {
    this.report({ report: "failed", runId, epoch, payload: { epoch, runId, code, message }, inFlight: false });
  }

  /** The application finished the job. */
  jobResult(runId: string, output: Record<string, unknown>): CoreOutput[] {
    return this.collect(() => {
      const job = this.state.job;
      if (job?.runId !== runId) return;
      this.state.job = undefined;
      this.report({ report: "result", runId, epoch: job.epoch, payload: { epoch: job.epoch, runId, output }, inFlight: false });
    });
  }

  jobFailed(runId: string, code: string, message: string): CoreOutput[] {
    return this.collect(() => {
      const job = this.state.job;
      if (job?.runId !== runId) return;
      this.state.job = undefined;
      this.fail(job.epoch, runId, code, message);
    });
  }

  ready(): CoreOutput[] {
    return this.collect(() => this.send("ready", {}));
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
      this.stopJob();
      this.fail(job.epoch, job.runId, ErrorCode.RUN_TIMEOUT, "the device stopped the job: it ran past its time budget");
    }
    if (this.state.connection !== "online") return;
    if (this.state.nextHeartbeatAtMs !== undefined && now >= this.state.nextHeartbeatAtMs) {
      this.send("heartbeat", { uptimeMs: now });
      this.state.nextHeartbeatAtMs = now + this.profile.heartbeatIntervalMs;
    }
    const due = planResendDue(this.state.resend, now, this.state.held.map((report) => report.runId));
    this.state.resend = due.state;
    if (due.kind === "resend") this.resend(due.runIds);
  }

  // ---------------------------------------------------------------- connection

  /** The socket closed with `code`. */
  closed(code: number): CoreOutput[] {
    return this.collect(() => {
      if (this.state.connection !== "online" && this.state.connection !== "awaitingWelcome") return;
      if (NOT_RETRIED.has(code)) return this.stop();
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
    if (this.state.reconnectAttempts >= policy.maxAttempts) return this.stop();
    this.state.reconnectAttempts++;
    this.waitThenRetry(Math.max(reconnectDelayMs(this.state.reconnectAttempts, policy, this.random), atLeastMs));
  }

  private waitThenRetry(delayMs: number): void {
    this.state.connection = "waiting";
    this.state.reconnectAtMs = this.state.nowMs + delayMs;
    this.out.push({ connection: "reconnect", delayMs });
  }

  private stop(): void {
    this.dropConnection();
    this.state.connection = "stopped";
    this.state.reconnectAtMs = undefined;
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
      const held = this.state.held.filter((report) => report.report === "result").at(-1);
      this.send("hello", {
        firmware: "contract",
        sessionTypes: this.profile.sessionTypes,
        ...(held ? { heldRunId: held.runId } : {}),
        ...(this.state.highestEpoch !== undefined ? { epoch: this.state.highestEpoch } : {}),
      });
    });
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
  refused(): CoreOutput[] {
    return this.collect(() => {
      this.attempt();
      this.stop();
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

