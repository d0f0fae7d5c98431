/**
 * A simulated Baton device: the behaviour the ESP32 firmware must have, in TypeScript, over
 * the raw Colyseus protocol (framing.ts + connection.ts, no Colyseus SDK). Tests drive it
 * through a small API; the CLI (cli.ts) runs one for people.
 *
 * What it does, in protocol terms (docs/PROTOCOL.md is the contract):
 * - joins its room, says `hello` with its instrument's session types, follows `welcome`;
 * - runs `start`ed jobs: `accepted`, `progress`…, then `result` (kept until `ack`) or `failed`;
 * - refuses commands older than the highest epoch it has seen (fencing);
 * - `heartbeat` every few seconds, `ready` after the physical reset that follows a job;
 * - after RATE_LIMITED, re-sends its held reports once the back-off has passed (resend.ts);
 * - reconnects on its own, with bounded exponential backoff and jitter, by matchmaking again.
 *
 * Reconnection redoes the matchmaking POST instead of reusing the reconnection token,
 * because the token only works while the very same room is alive in the very same process
 * and holds the seat (allowReconnection). After a server restart or a failover the room and
 * process ids are new and the token is worthless, while `joinOrCreate` finds or recreates the
 * device's room wherever it lives; and Baton's room does not hold seats for devices anyway
 * (a device that comes back is a new connection that replaces the old one). One path that
 * always works is better on a microcontroller than two where one mostly fails.
 */
import { EventEmitter } from "node:events";
import { BatonCloseCode, DeviceToRoom, ErrorCode, RoomToDevice, type ErrorPayload } from "@baton/protocol";
import type { Failed, Hello, Progress, Result, StartMessage, WelcomeMessage, CancelMessage } from "@baton/protocol";
import { DEFAULT_BACKOFF, type BackoffPolicy } from "./backoff.ts";
import { joinDeviceRoom, type RoomConnection } from "./connection.ts";
import { planCancel, planStart, planWelcome, type DeviceKnowledge } from "./decisions.ts";
import type {
  JobInfo, JobOutcome, ReceivedMessage, RoomToDevicePayloads, SentMessage, SimulatedDeviceEvents, SimulatedDeviceOptions,
  SimulatedDeviceStats, WaitOptions,
} from "./deviceTypes.ts";
import { encodeRoomData, type DecodeResult } from "./framing.ts";
import { getInstrument, seededRandom, type Instrument, type Json } from "./instruments.ts";
import { Job } from "./job.ts";
import { JOB_GRACE_MS, runBudgetMs } from "./jobBudget.ts";
import { MAX_HELD_REPORTS, refusesReportForGood } from "./heldReports.ts";
import { MatchmakeError } from "./matchmake.ts";
import { MessageLog, nextEvent } from "./messageLog.ts";
import { briefJson, isAck, isCancel, isStart, isWelcome } from "./payloads.ts";
import { Reconnector } from "./reconnector.ts";
import { DEFAULT_RESEND_POLICY, NO_RESEND, planRateLimited, planResendDue, resendAfterAck, resendAfterDisconnect, type ResendPolicy, type ResendState } from "./resend.ts";

export type * from "./deviceTypes.ts";

export class SimulatedDevice {
  readonly events = new EventEmitter<SimulatedDeviceEvents>();
  /** Every ROOM_DATA message received, in order. */
  readonly received: ReceivedMessage[];
  /** Every message actually written to a socket, in order (not those dropped while offline). */
  readonly sent: SentMessage[] = [];
  readonly stats: SimulatedDeviceStats = {
    stateFramesReceived: 0, stateBytesReceived: 0, errorFramesReceived: 0, pingFramesReceived: 0, malformedFramesReceived: 0,
    malformedMessagesIgnored: 0, staleCommandsIgnored: 0, messagesDropped: 0, joins: 0, reconnects: 0,
  };
  /** Highest epoch seen in a command or welcome; commands below it are ignored. */
  highestEpoch = 0;
  /** Token of the latest join (rotates on every join). Kept for completeness; reconnects matchmake again. */
  reconnectionToken = "";
  sessionId = "";

  readonly instrument: Instrument;
  private readonly speed: number;
  private readonly random: () => number;
  private readonly log: MessageLog;
  private readonly reconnector: Reconnector;
  private readonly reconnectPolicy: BackoffPolicy;
  /** Welcomes refused in a row for a lower epoch (each waits longer before retrying). */
  private epochRefusals = 0;
  private readonly bootedAt = Date.now();
  private connection: RoomConnection | null = null;
  private job: Job | null = null;
  /** Results sent and not yet acknowledged, oldest first. In firmware: NVS, so they survive a reboot. */
  private readonly held = new Map<string, Result>();
  private lastFailure: Failed | undefined;
  /** Order in which reports were first held, so a re-send goes oldest first (results and the failure alike). */
  private reportCounter = 0;
  private readonly heldSince = new Map<string, number>();
  private lastFailureSince = 0;
  private readonly resendPolicy: ResendPolicy;
  private resend: ResendState = NO_RESEND;
  private resendTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** A welcome was accepted on the current connection: a later, older one is a delayed duplicate. */
  private welcomedOnConnection = false;
  private stayOffline = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private resetTimer: NodeJS.Timeout | null = null;
  /** Stops the job in progress once it runs past its budget + grace (jobBudget.ts). */
  private budgetTimer: NodeJS.Timeout | null = null;
  private readyPending = false;

  constructor(readonly options: SimulatedDeviceOptions) {
    this.instrument = typeof options.instrument === "string" ? getInstrument(options.instrument) : options.instrument;
    this.speed = options.speed && options.speed > 0 ? options.speed : 1;
    this.random = options.seed === undefined ? Math.random : seededRandom(options.seed);
    this.log = new MessageLog(`device ${options.deviceId}`);
    this.received = this.log.entries;
    this.resendPolicy = { ...DEFAULT_RESEND_POLICY, ...options.resendBackoff };
    const policy: BackoffPolicy = options.reconnect === false ? { ...DEFAULT_BACKOFF, maxAttempts: 0 } : { ...DEFAULT_BACKOFF, ...options.reconnect };
    this.reconnectPolicy = policy;
    this.reconnector = new Reconnector(policy, {
      attempt: () => this.joinAndGreet(),
      isPermanent: (error) => error instanceof MatchmakeError && error.permanent,
      retryAfterMs: (error) => (error instanceof MatchmakeError ? error.retryAfterMs ?? 0 : 0),
      onScheduled: (attempt, delayMs, lastError) => {
        this.say(`reconnect attempt ${attempt}/${policy.maxAttempts} in ${delayMs} ms${lastError ? ` (last: ${lastError.message})` : ""}`);
        this.events.emit("reconnecting", { attempt, delayMs, lastError });
      },
      onConnected: (attempts) => {
        this.stats.reconnects++;
        this.events.emit("reconnected", { attempts });
      },
      onGaveUp: (attempts, reason, error) => {
        this.say(`giving up: ${reason}`);
        this.events.emit("gaveUp", { attempts, reason, error });
      },
      onAttemptFailed: () => this.dropSocket(), // a join that got a socket but no welcome: start clean
    });
    // Tests attach many waiters; the default limit of 10 would only print a false leak warning.
    this.events.setMaxListeners(100);
  }

  get deviceId(): string {
    return this.options.deviceId;
  }

  get connected(): boolean {
    return this.connection?.isOpen ?? false;
  }

  /** The job in progress, if any. */
  get currentJob(): JobInfo | undefined {
    return this.job ? this.jobInfo(this.job) : undefined;
  }

  /** Run ids of results sent and not yet acknowledged. */
  get heldResultRunIds(): string[] {
    return [...this.held.keys()];
  }

  /** Index the next received message will have: pass it as `after` to wait race-free. */
  mark(): number {
    return this.log.mark();
  }

  // ------------------------------------------------------------ connecting

  /**
   * Joins (matchmaking + handshake), says hello and waits for welcome; resolves with the
   * welcome. Rejects if any step fails — see `startConnecting()` for the keep-trying variant.
   */
  async connect(): Promise<WelcomeMessage | undefined> {
    this.closed = false;
    this.stayOffline = false;
    this.reconnector.cancel();
    try {
      return await this.joinAndGreet();
    } catch (error) {
      this.dropSocket(); // joined but no welcome: do not leave a half-greeted socket behind
      throw error;
    }
  }

  /**
   * Connects, and on a failure that retrying can fix (server not up yet, network) keeps
   * trying under the reconnect policy — what firmware does at boot. Progress shows in the
   * `joined` / `reconnecting` / `reconnected` / `gaveUp` events.
   */
  startConnecting(): void {
    this.connect().catch((error: Error) => {
      if (this.closed) return;
      if (error instanceof MatchmakeError && error.permanent) return this.reconnector.giveUp(error.message, error);
      this.dropSocket();
      this.reconnector.schedule(error);
    });
  }

  private async joinAndGreet(): Promise<WelcomeMessage | undefined> {
    const connection = await joinDeviceRoom({
      baseUrl: this.options.url,
      deviceId: this.options.deviceId,
      secret: this.options.secret,
      joinTimeoutMs: this.options.joinTimeoutMs,
      timeoutMs: this.options.joinTimeoutMs,
      skipHandshake: this.options.skipHandshake,
    });
    if (this.closed) {
      connection.leave();
      throw new Error(`device ${this.deviceId} was closed while joining`);
    }
    const previous = this.connection;
    this.connection = connection;
    this.welcomedOnConnection = false;
    previous?.terminate();
    this.reconnectionToken = connection.reconnectionToken;
    this.sessionId = connection.seat.sessionId;
    this.stats.joins++;
    connection.onClose((code, reason) => this.onSocketClosed(connection, code, reason));
    const mark = this.mark();
    connection.onFrame((result, raw) => this.onFrame(result, raw));
    this.say(`joined room ${connection.seat.roomId} (process ${connection.seat.processId}, session ${connection.seat.sessionId})`);
    this.events.emit("joined", {
      sessionId: connection.seat.sessionId, roomId: connection.seat.roomId, processId: connection.seat.processId, reconnectionToken: connection.reconnectionToken,
    });
    this.startHeartbeat();
    if (this.options.sendHello === false) return undefined;
    this.sendHello();
    return this.next("welcome", { after: mark, timeoutMs: this.options.joinTimeoutMs });
  }

  /**
   * A welcome below the highest epoch seen: leave, keep everything, and come back later —
   * each refusal in a row waits twice as long (up to the reconnect policy's maximum), so a
   * server that stays behind is not hammered.
   */
  private refuseWelcome(epoch: number): void {
    this.epochRefusals++;
    this.stats.staleCommandsIgnored++;
    this.say(`refused a welcome at epoch ${epoch}: this device has seen epoch ${this.highestEpoch}; leaving and retrying`);
    this.events.emit("epochRefused", { epoch, highestEpoch: this.highestEpoch });
    const hadSocket = this.dropSocket();
    if (!hadSocket || this.closed) return;
    const waitMs = Math.min(this.reconnectPolicy.maxDelayMs, this.reconnectPolicy.baseDelayMs * 2 ** (this.epochRefusals - 1));
    setTimeout(() => {
      if (!this.closed && !this.connection) this.reconnector.schedule();
    }, waitMs).unref?.();
  }

  /** Sends `hello` with the instrument's declarations and the held result, if any. */
  sendHello(): void {
    const held = [...this.held.keys()];
    const hello: Hello = {
      firmware: this.options.firmware ?? this.instrument.firmware,
      sessionTypes: this.options.sessionTypes ?? this.instrument.sessionTypes,
      heldRunId: held.at(-1),
      // The highest epoch seen, so a server whose store lost it can catch up (PROTOCOL.md §6).
      ...(this.highestEpoch > 0 ? { epoch: this.highestEpoch } : {}),
    };
    this.sendMessage(DeviceToRoom.HELLO, hello);
  }

  /** Reconnects now (matchmaking again), dropping the current socket first if there is one. */
  async reconnect(): Promise<WelcomeMessage | undefined> {
    this.dropSocket();
    const welcome = await this.connect();
    this.stats.reconnects++;
    this.events.emit("reconnected", { attempts: 1 });
    return welcome;
  }

  /**
   * Kills the socket without LEAVE, like a lost network. By default the device then
   * reconnects on its own (its reconnect policy); `{ reconnect: false }` keeps it offline
   * until the test calls `reconnect()`.
   */
  drop(options: { reconnect?: boolean } = {}): void {
    const hadSocket = this.dropSocket();
    if (!hadSocket) return;
    this.events.emit("disconnected", { code: 1006, reason: "dropped (simulated network loss)", intentional: true });
    this.say("socket dropped (simulated network loss)");
    if (options.reconnect === false) this.stayOffline = true;
    else this.reconnector.schedule();
  }

  /**
   * Simulates a power cycle: the socket dies, the job and everything in RAM is lost (the
   * highest epoch included); held reports — results and the failure — survive (firmware keeps
   * them in NVS) unless `keepHeldResults: false`. Then the device boots and connects again.
   */
  async reboot(options: { keepHeldResults?: boolean } = {}): Promise<WelcomeMessage | undefined> {
    this.dropSocket();
    this.events.emit("disconnected", { code: 1006, reason: "rebooted", intentional: true });
    if (this.job) this.endJob(this.job, "powerLoss");
    this.clearResetTimer();
    this.readyPending = false;
    this.highestEpoch = 0;
    if (options.keepHeldResults === false) {
      this.held.clear();
      this.heldSince.clear();
      this.lastFailure = undefined;
    }
    this.say("rebooted");
    return this.connect();
  }

  /** Leaves the room for good: LEAVE frame, normal close, no reconnect. */
  async close(): Promise<void> {
    this.closed = true;
    this.reconnector.cancel();
    this.clearBudgetTimer();
    this.stopHeartbeat();
    this.cancelResend();
    this.clearResetTimer();
    this.job?.finish();
    const connection = this.connection;
    this.connection = null;
    if (!connection) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1_000);
      connection.onClose(() => {
        clearTimeout(timer);
        resolve();
      });
      connection.leave();
    });
    this.events.emit("disconnected", { code: 1000, reason: "closed", intentional: true });
    this.say("left the room");
  }

  // ------------------------------------------------------------ test hooks

  /** Sends any ROOM_DATA message as is — for tests that fake stale epochs or bad payloads. */
  sendRaw(type: string, payload?: unknown): boolean {
    return this.sendMessage(type, payload);
  }

  /** Sends arbitrary bytes as one binary frame — for malformed-frame tests. */
  sendBytes(bytes: Uint8Array): boolean {
    return this.connection?.send(bytes) ?? false;
  }

  /** Reports progress for the job in progress now (what autoProgress would do). */
  progress(progress: number, message?: string): void {
    if (!this.job) throw new Error(`device ${this.deviceId} has no job in progress`);
    this.job.report(progress, message);
  }

  /** Sends `accepted` for the job in progress (when autoAccept is off). */
  accept(): void {
    if (!this.job) throw new Error(`device ${this.deviceId} has no job in progress`);
    this.sendMessage(DeviceToRoom.ACCEPTED, { epoch: this.job.epoch, runId: this.job.runId });
  }

  /**
   * Sends the result of the job in progress now (e.g. with autoComplete off), and holds it
   * until `ack`. `epoch`/`runId`/`output` override what goes out (fencing tests); without a
   * job in progress, `epoch` and `runId` are required and a made-up result is sent and held.
   */
  complete(overrides: { output?: Json; epoch?: number; runId?: string } = {}): Result {
    const job = this.job;
    const epoch = overrides.epoch ?? job?.epoch;
    const runId = overrides.runId ?? job?.runId;
    if (epoch === undefined || runId === undefined) throw new Error(`device ${this.deviceId} has no job in progress; pass epoch and runId`);
    const result: Result = { epoch, runId, output: overrides.output ?? job?.plan.output ?? {} };
    if (!this.held.has(runId)) this.heldSince.set(runId, ++this.reportCounter);
    this.held.set(runId, result);
    this.dropReportsPastTheBound();
    const delivered = this.sendMessage(DeviceToRoom.RESULT, result);
    this.say(`result of ${runId} ${delivered ? "sent" : "held (offline)"}: ${briefJson(result.output)}`);
    if (job) this.endJob(job, "result");
    return result;
  }

  /** Reports the job in progress as failed (`failed` has no ack; the device re-sends it after a welcome that still runs it). */
  fail(code: string, message: string, overrides: { epoch?: number; runId?: string } = {}): Failed {
    const job = this.job;
    const epoch = overrides.epoch ?? job?.epoch;
    const runId = overrides.runId ?? job?.runId;
    if (epoch === undefined || runId === undefined) throw new Error(`device ${this.deviceId} has no job in progress; pass epoch and runId`);
    const failed: Failed = { epoch, runId, code, message };
    this.lastFailure = failed;
    this.lastFailureSince = ++this.reportCounter;
    this.dropReportsPastTheBound();
    this.sendMessage(DeviceToRoom.FAILED, failed);
    if (job) this.endJob(job, "failed");
    return failed;
  }

  /** Sends `ready` now. */
  ready(): void {
    this.clearResetTimer();
    this.readyPending = false;
    if (!this.sendMessage(DeviceToRoom.READY, {})) return;
    this.say("ready (physical reset done)");
    this.events.emit("ready");
  }

  /** Sends a `heartbeat` now. */
  heartbeat(): void {
    this.sendMessage(DeviceToRoom.HEARTBEAT, { uptimeMs: Date.now() - this.bootedAt });
  }

  // ------------------------------------------------------------ waiting

  /** Resolves with the payload of the next received message of `type` (see WaitOptions.after). */
  next<K extends keyof RoomToDevicePayloads>(type: K, options?: WaitOptions<RoomToDevicePayloads[K]>): Promise<RoomToDevicePayloads[K]>;
  next(type: string, options?: WaitOptions<unknown>): Promise<unknown>;
  next(type: string, options?: WaitOptions<never>): Promise<unknown> {
    return this.log.next(type, options as WaitOptions<unknown>);
  }

  /** Resolves with the (first argument of the) next lifecycle event `name`; future events only. */
  waitFor<K extends keyof SimulatedDeviceEvents>(
    name: K,
    options: { predicate?: (...args: SimulatedDeviceEvents[K]) => boolean; timeoutMs?: number } = {},
  ): Promise<SimulatedDeviceEvents[K][0]> {
    return nextEvent(this.events, `device ${this.deviceId}`, name, options);
  }

  // ------------------------------------------------------------ incoming

  private onFrame(result: DecodeResult, raw: Uint8Array): void {
    if (!result.ok) {
      this.stats.malformedFramesReceived++;
      this.say(`malformed frame ignored: ${result.error}`);
      this.events.emit("malformedFrame", { error: result.error, bytes: raw });
      return;
    }
    const frame = result.frame;
    switch (frame.kind) {
      case "roomData":
        this.onRoomData(String(frame.type), frame.payload);
        return;
      case "roomState":
      case "roomStatePatch":
        // A device has an empty StateView; it never decodes state, it only counts it.
        this.stats.stateFramesReceived++;
        this.stats.stateBytesReceived += frame.bytes.length;
        return;
      case "error":
        this.stats.errorFramesReceived++;
        this.say(`ERROR frame ${frame.code}: ${frame.message}`);
        this.events.emit("serverError", { code: frame.code, message: frame.message });
        return;
      case "ping":
        this.stats.pingFramesReceived++;
        return;
      default:
        this.say(`ignored ${frame.kind} frame`);
    }
  }

  private onRoomData(type: string, payload: unknown): void {
    const message = this.log.append(type, payload);
    switch (type) {
      case RoomToDevice.WELCOME:
        if (isWelcome(payload)) this.onWelcome(payload);
        else this.malformed(type, payload);
        break;
      case RoomToDevice.START:
        if (isStart(payload)) this.onStart(payload);
        else this.malformed(type, payload);
        break;
      case RoomToDevice.CANCEL:
        if (isCancel(payload)) this.onCancel(payload);
        else this.malformed(type, payload);
        break;
      case RoomToDevice.ACK:
        if (isAck(payload)) this.onAck(payload.runId);
        else this.malformed(type, payload);
        break;
      case RoomToDevice.ERROR: {
        const error = payload as Partial<ErrorPayload>;
        this.say(`room refused "${error?.request}": ${error?.code} ${error?.message}`);
        if (error?.code === ErrorCode.RATE_LIMITED) this.onRateLimited(String(error.request ?? ""));
        else this.onRefusal(String(error?.code ?? ""), String(error?.request ?? ""));
        break;
      }
      default:
        this.say(`ignored unknown message "${type}"`);
    }
    this.log.announce(message);
    this.events.emit("message", message);
  }

  private onWelcome(welcome: WelcomeMessage): void {
    const actions = planWelcome(this.knowledge(), welcome, { repeated: this.welcomedOnConnection });
    if (actions[0]?.kind === "ignoreStale") return this.noteStale(RoomToDevice.WELCOME, welcome.epoch);
    const refusal = actions.find((action) => action.kind === "refuseEpoch");
    if (refusal) return this.refuseWelcome(refusal.epoch);
    this.welcomedOnConnection = true;
    this.epochRefusals = 0;
    this.highestEpoch = welcome.epoch;
    this.say(`welcome: epoch ${welcome.epoch}, phase ${welcome.phase}${welcome.runId ? `, run ${welcome.runId}` : ""}`);
    let failureStillWanted = false;
    for (const action of actions) {
      switch (action.kind) {
        case "resendResult": {
          const result = this.held.get(action.runId)!;
          this.say(`re-sending held result of ${action.runId}`);
          this.sendMessage(DeviceToRoom.RESULT, result);
          break;
        }
        case "resendFailure":
          failureStillWanted = true;
          this.say(`re-sending failure of ${action.runId}`);
          this.sendMessage(DeviceToRoom.FAILED, this.lastFailure!);
          break;
        case "resume": {
          const job = this.job!;
          this.say(`resuming ${job.runId} at ${Math.round(job.progress * 100)} %`);
          // Report at once: proves the job is alive and resets the room's step timer.
          this.sendMessage(DeviceToRoom.PROGRESS, this.progressPayload(job, job.progress, job.progressMessage));
          this.events.emit("jobResumed", this.jobInfo(job));
          break;
        }
        case "abandon":
          this.say(`abandoning ${action.runId}: ${action.reason}`);
          this.endJob(this.job!, "abandoned");
          break;
        case "start":
          this.say(`starting ${action.start.runId} from the welcome (this device did not know it)`);
          this.beginJob(action.start);
          break;
        case "ignoreStale":
        case "refuseEpoch":
          break; // handled above
        case "cannotStart":
          this.sendMessage(DeviceToRoom.FAILED, {
            epoch: action.epoch, runId: action.runId, code: ErrorCode.DEVICE_FAILED, message: "The device restarted and lost this run's input.",
          } satisfies Failed);
          break;
      }
    }
    if (!failureStillWanted) this.lastFailure = undefined;
    if (this.readyPending && !this.job) this.ready();
  }

  private onStart(start: StartMessage): void {
    const decision = planStart(this.knowledge(), start);
    if (decision.kind !== "ignoreStale") this.highestEpoch = Math.max(this.highestEpoch, start.epoch);
    switch (decision.kind) {
      case "ignoreStale":
        this.noteStale(RoomToDevice.START, start.epoch);
        return;
      case "duplicate":
        this.sendMessage(DeviceToRoom.ACCEPTED, { epoch: start.epoch, runId: start.runId });
        return;
      case "resendResult":
        this.sendMessage(DeviceToRoom.RESULT, this.held.get(start.runId)!);
        return;
      case "start":
        if (decision.replaces && this.job) {
          this.say(`the room started ${start.runId} while ${decision.replaces} was running here: dropping ${decision.replaces}`);
          this.endJob(this.job, "replaced");
        }
        this.beginJob(start);
    }
  }

  private onCancel(cancel: CancelMessage): void {
    const decision = planCancel(this.knowledge(), cancel);
    if (decision.kind !== "ignoreStale") this.highestEpoch = Math.max(this.highestEpoch, cancel.epoch);
    if (decision.kind === "ignoreStale") return this.noteStale(RoomToDevice.CANCEL, cancel.epoch);
    if (decision.kind === "notRunning") return this.say(`cancel for ${cancel.runId}, which is not running here: nothing to stop`);
    this.say(`cancelled ${cancel.runId}`);
    this.endJob(this.job!, "cancelled");
  }

  private onAck(runId: string): void {
    if (this.held.delete(runId)) this.say(`ack for ${runId}: result forgotten`);
    this.heldSince.delete(runId);
    if (this.lastFailure?.runId === runId) this.lastFailure = undefined;
    this.resend = resendAfterAck(this.resend);
    this.events.emit("ack", { runId });
  }

  /**
   * A final refusal (STALE_EPOCH / UNKNOWN_RUN) of a report: the room will never take it, so it
   * is forgotten rather than re-sent after every reconnect (heldReports.ts). The error names
   * no run; it answers the oldest report of that kind still held.
   */
  private onRefusal(code: string, request: string): void {
    if (!refusesReportForGood(code, request)) return;
    const oldest = this.heldReportRunIds().find((runId) => (request === DeviceToRoom.RESULT ? this.held.has(runId) : this.lastFailure?.runId === runId));
    if (!oldest) return;
    this.say(`the room refused ${request} of ${oldest} for good (${code}): forgetting it`);
    this.held.delete(oldest);
    this.heldSince.delete(oldest);
    if (this.lastFailure?.runId === oldest) this.lastFailure = undefined;
  }

  /** More than MAX_HELD_REPORTS held: the oldest is given up, as the firmware does. */
  private dropReportsPastTheBound(): void {
    const order = this.heldReportRunIds();
    for (const runId of order.slice(0, Math.max(0, order.length - MAX_HELD_REPORTS))) {
      this.say(`holding more than ${MAX_HELD_REPORTS} reports: giving up ${runId}`);
      this.held.delete(runId);
      this.heldSince.delete(runId);
      if (this.lastFailure?.runId === runId) this.lastFailure = undefined;
    }
  }

  /** RATE_LIMITED: a held report may have been dropped unread; re-send what is held after the back-off (resend.ts). */
  private onRateLimited(request: string): void {
    const decision = planRateLimited(this.resend, Date.now(), this.resendPolicy, this.random);
    this.resend = decision.state;
    if (decision.kind === "alreadyScheduled") return;
    this.say(`rate-limited (on "${request || "?"}"): re-sending held reports in ${decision.delayMs} ms`);
    this.events.emit("resendScheduled", { request, delayMs: decision.delayMs, attempt: decision.state.attempts });
    this.armResendTimer(decision.delayMs);
  }

  private armResendTimer(delayMs: number): void {
    this.resendTimer = setTimeout(() => {
      this.resendTimer = null;
      this.resendHeldReports();
    }, delayMs);
  }

  private resendHeldReports(): void {
    const now = Date.now();
    // Timers run on a monotonic clock and may fire a millisecond before Date.now() reaches the
    // due time; planResendDue would then do nothing and the re-send would never happen.
    if (this.resend.dueAtMs !== undefined && now < this.resend.dueAtMs) return this.armResendTimer(this.resend.dueAtMs - now);
    const decision = planResendDue(this.resend, now, this.heldReportRunIds());
    this.resend = decision.state;
    if (decision.kind === "nothing") return;
    for (const runId of decision.runIds) {
      const result = this.held.get(runId);
      if (result) this.sendMessage(DeviceToRoom.RESULT, result);
      else if (this.lastFailure?.runId === runId) this.sendMessage(DeviceToRoom.FAILED, this.lastFailure);
    }
    this.say(`re-sent held report(s) after RATE_LIMITED: ${decision.runIds.join(", ")}`);
    this.events.emit("reportsResent", { runIds: decision.runIds });
  }

  /** Run ids of every report not yet acknowledged — results and the last failure — oldest first. */
  private heldReportRunIds(): string[] {
    const reports = [...this.held.keys()].map((runId) => ({ runId, since: this.heldSince.get(runId) ?? 0 }));
    if (this.lastFailure && !this.held.has(this.lastFailure.runId)) reports.push({ runId: this.lastFailure.runId, since: this.lastFailureSince });
    return reports.sort((a, b) => a.since - b.since).map((report) => report.runId);
  }

  private cancelResend(): void {
    if (this.resendTimer) clearTimeout(this.resendTimer);
    this.resendTimer = null;
    this.resend = resendAfterDisconnect(this.resend);
  }

  private malformed(type: string, payload: unknown): void {
    this.stats.malformedMessagesIgnored++;
    this.say(`ignored malformed "${type}": ${briefJson(payload)}`);
  }

  private noteStale(type: string, epoch: number): void {
    this.stats.staleCommandsIgnored++;
    this.say(`ignored stale "${type}" (epoch ${epoch} < ${this.highestEpoch})`);
    this.events.emit("staleIgnored", { type, epoch, highestEpoch: this.highestEpoch });
  }

  // ------------------------------------------------------------ jobs

  private beginJob(start: StartMessage): void {
    this.clearResetTimer();
    this.readyPending = false;
    const declared = (this.options.sessionTypes ?? this.instrument.sessionTypes).some((spec) => spec.name === start.sessionType);
    if (!declared) {
      this.fail(ErrorCode.UNKNOWN_SESSION_TYPE, `This device does not run "${start.sessionType}".`, { epoch: start.epoch, runId: start.runId });
      return;
    }
    const plan = this.instrument.plan(start.sessionType, start.input, this.random, { durationMs: this.options.jobDurationMs });
    const job: Job = new Job(start, plan, {
      speed: this.speed,
      autoProgress: this.options.autoProgress ?? true,
      autoComplete: this.options.autoComplete ?? true,
      minProgressIntervalMs: this.options.minProgressIntervalMs ?? 100,
    }, {
      onProgress: (progress, message) => {
        this.say(`progress ${job.runId} ${Math.round(progress * 100)} %${message ? ` ${message}` : ""}`);
        this.sendMessage(DeviceToRoom.PROGRESS, this.progressPayload(job, progress, message));
      },
      onMeasured: (output) => {
        if (this.job === job) this.complete({ output });
      },
      onAwaitingCompletion: () => {
        this.say(`${job.runId} measured; holding the result until complete() is called`);
        this.events.emit("jobAwaitingCompletion", this.jobInfo(job));
      },
    });
    this.job = job;
    const declaredMax = (this.options.sessionTypes ?? this.instrument.sessionTypes).find((spec) => spec.name === start.sessionType)!.maxDurationMs;
    this.clearBudgetTimer();
    this.budgetTimer = setTimeout(() => {
      this.budgetTimer = null;
      if (this.job !== job) return;
      this.say(`${job.runId} ran past its time budget: stopping it`);
      this.endJob(job, "timedOut");
      this.fail(ErrorCode.RUN_TIMEOUT, "the device stopped the job: it ran past its time budget", { epoch: job.epoch, runId: job.runId });
    }, runBudgetMs(declaredMax, start.deadlineMs) + JOB_GRACE_MS);
    this.budgetTimer.unref?.();
    this.say(`start ${start.runId} (${start.sessionType}, epoch ${start.epoch}) ${briefJson(start.input)}`);
    if (this.options.autoAccept ?? true) this.sendMessage(DeviceToRoom.ACCEPTED, { epoch: start.epoch, runId: start.runId });
    job.begin();
    this.events.emit("jobStarted", this.jobInfo(job));
  }

  private endJob(job: Job, outcome: JobOutcome): void {
    job.finish();
    if (this.job === job) this.clearBudgetTimer();
    if (this.job === job) this.job = null;
    this.events.emit("jobFinished", { ...this.jobInfo(job), outcome });
    // The physical reset follows every job that ran here; a replaced one is followed by the next job instead.
    if (outcome !== "replaced" && outcome !== "powerLoss") this.scheduleReady();
  }

  private scheduleReady(): void {
    if (this.options.autoReady === false) return;
    this.clearResetTimer();
    const delay = (this.options.resetDelayMs ?? this.instrument.resetMs) / this.speed;
    this.resetTimer = setTimeout(() => {
      this.resetTimer = null;
      if (this.job) return;
      if (this.connected) this.ready();
      else this.readyPending = true; // said after the next welcome
    }, delay);
  }

  private clearBudgetTimer(): void {
    if (this.budgetTimer) clearTimeout(this.budgetTimer);
    this.budgetTimer = null;
  }

  private clearResetTimer(): void {
    if (this.resetTimer) clearTimeout(this.resetTimer);
    this.resetTimer = null;
  }

  private progressPayload(job: Job, progress: number, message: string): Progress {
    return { epoch: job.epoch, runId: job.runId, progress, message: message || undefined };
  }

  private jobInfo(job: Job): JobInfo {
    return {
      runId: job.runId, epoch: job.epoch, sessionType: job.start.sessionType, input: job.start.input,
      progress: job.progress, state: job.state, plannedOutput: job.plan.output,
    };
  }

  private knowledge(): DeviceKnowledge {
    return {
      highestEpoch: this.highestEpoch,
      running: this.job ? { epoch: this.job.epoch, runId: this.job.runId } : undefined,
      heldResultRunIds: [...this.held.keys()],
      lastFailedRunId: this.lastFailure?.runId,
    };
  }

  // ------------------------------------------------------------ outgoing, heartbeat, reconnect

  private sendMessage(type: string, payload: unknown): boolean {
    const connection = this.connection;
    if (!connection?.send(encodeRoomData(type, payload))) {
      this.stats.messagesDropped++;
      if (type !== DeviceToRoom.HEARTBEAT) this.say(`offline: "${type}" not sent`);
      return false;
    }
    const message: SentMessage = { type, payload, at: Date.now() };
    this.sent.push(message);
    this.events.emit("sent", message);
    return true;
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    const interval = this.options.heartbeatIntervalMs ?? 5_000;
    if (interval > 0) this.heartbeatTimer = setInterval(() => this.heartbeat(), interval);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  /** Detaches and kills the socket; its close event is then ignored. True if there was one. */
  private dropSocket(): boolean {
    this.stopHeartbeat();
    this.cancelResend();
    const connection = this.connection;
    this.connection = null;
    connection?.terminate();
    return connection !== null;
  }

  private onSocketClosed(connection: RoomConnection, code: number, reason: string): void {
    if (this.connection !== connection) return; // a socket we already let go of
    this.connection = null;
    this.stopHeartbeat();
    this.cancelResend();
    this.say(`socket closed by the server (${code}${reason ? ` ${reason}` : ""})`);
    this.events.emit("disconnected", { code, reason, intentional: false });
    if (this.closed || this.stayOffline) return;
    if (code === BatonCloseCode.DEVICE_REPLACED || code === BatonCloseCode.DEVICE_REVOKED) {
      // Another connection of this device took over, or the device was removed: fighting back would flap.
      this.reconnector.giveUp(`the server closed with ${code} (${reason || "no reason"}); not reconnecting`);
      return;
    }
    this.reconnector.schedule();
  }

  private say(line: string): void {
    this.options.log?.(`[${this.deviceId}] ${line}`);
  }
}

/** Creates a device and connects it; resolves once `welcome` has arrived (or after the join, with `sendHello: false`). */
export async function startSimulatedDevice(options: SimulatedDeviceOptions): Promise<SimulatedDevice> {
  const device = new SimulatedDevice(options);
  await device.connect();
  return device;
}
