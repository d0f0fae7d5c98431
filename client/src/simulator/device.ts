/**
 * A simulated Baton device: the behaviour the ESP32 firmware must have, in TypeScript, over
 * the raw Colyseus protocol (framing.ts + connection.ts, no Colyseus SDK). Tests drive it
 * through a small API; the CLI (cli.ts) runs one for people.
 *
 * It is the SHELL around DeviceCore (deviceCore.ts), as the firmware's baton_runner.c is the
 * shell around the C session machine: every rule is decided by the core — the one the shared
 * contract vectors test — and this file only feeds it (frames, the clock, job ends,
 * connection events) and executes what it returns (frames to send, jobs to start or stop on
 * the instrument, sockets to close, attempts to schedule), turning its notes into log lines,
 * events and counters (deviceNotes.ts). What stays here is what the firmware's ports and app
 * do: the socket (deviceLink.ts over connection.ts), one timer (the core's next due time), the
 * instrument (instruments.ts, job.ts) and its reset, and the test hooks.
 *
 * What the device does, in protocol terms (docs/PROTOCOL.md is the contract):
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
import { DeviceToRoom, RoomToDevice } from "@baton/protocol";
import type { Failed, Result, StartMessage, WelcomeMessage } from "@baton/protocol";
import { joinDeviceRoom } from "./connection.ts";
import { DeviceCore, type CoreNote, type CoreOutput, type JobEnd } from "./deviceCore.ts";
import { DeviceLink } from "./deviceLink.ts";
import { reportNote } from "./deviceNotes.ts";
import { deviceProfile } from "./deviceProfile.ts";
import type {
  JobInfo, ReceivedMessage, RoomToDevicePayloads, SentMessage, SimulatedDeviceEvents, SimulatedDeviceOptions,
  SimulatedDeviceStats, WaitOptions,
} from "./deviceTypes.ts";
import { encodeRoomData, type DecodeResult } from "./framing.ts";
import { getInstrument, seededRandom, type Instrument, type Json } from "./instruments.ts";
import { Job } from "./job.ts";
import { telemetryModelOf } from "./instrumentTelemetry.ts";
import { TelemetryPlayer } from "./telemetryPlayer.ts";
import { MatchmakeError } from "./matchmake.ts";
import { MessageLog, nextEvent } from "./messageLog.ts";
import { briefJson, isAck, isCancel, isStart, isUpdate, isWelcome } from "./payloads.ts";
import { installImage } from "./updater.ts";

export type * from "./deviceTypes.ts";
export { deviceProfile } from "./deviceProfile.ts";

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
  /** Token of the latest join (rotates on every join). Kept for completeness; reconnects matchmake again. */
  reconnectionToken = "";
  sessionId = "";
  /** The machine that takes every decision; its clock is ms since this device booted. */
  readonly core: DeviceCore;

  readonly instrument: Instrument;
  private readonly speed: number;
  private readonly random: () => number;
  private readonly log: MessageLog;
  private readonly bootedAt = Date.now();
  /** The socket (the transport port). */
  private readonly link = new DeviceLink({
    frame: (result, raw) => this.onFrame(result, raw),
    closed: (code, reason) => this.onSocketClosed(code, reason),
  });
  /** The instrument's job, started and stopped on the core's say-so. */
  private job: Job | null = null;
  /** The start the core last noted, for the `{ job: "start" }` that follows it. */
  private lastStart: StartMessage | undefined;
  /** The error of the last failed attempt: the `reconnecting` and `gaveUp` events carry it. */
  private lastError: Error | undefined;
  private closed = false;
  /** The one timer of the core (heartbeat, re-send, job budget), armed for its next due time. */
  private tickTimer: NodeJS.Timeout | null = null;
  private attemptTimer: NodeJS.Timeout | null = null;
  /** Bumped by every scheduled or cancelled attempt: an older attempt's outcome is then ignored. */
  private attemptSeq = 0;
  private resetTimer: NodeJS.Timeout | null = null;
  /** Events that wait until all the actions of the input being executed are done. */
  private announceLater: (() => void)[] = [];
  /** An update is being fetched or installed: further offers wait for its outcome. */
  private updating = false;
  /** Live telemetry while online (options.telemetryIntervalMs; issue 24). */
  private readonly telemetry: TelemetryPlayer | null;

  constructor(readonly options: SimulatedDeviceOptions) {
    this.instrument = typeof options.instrument === "string" ? getInstrument(options.instrument) : options.instrument;
    this.speed = options.speed && options.speed > 0 ? options.speed : 1;
    this.random = options.seed === undefined ? Math.random : seededRandom(options.seed);
    this.log = new MessageLog(`device ${options.deviceId}`);
    this.received = this.log.entries;
    this.core = new DeviceCore(deviceProfile(options, this.instrument), {
      nowMs: 0, connection: "stopped", reconnectAttempts: 0, held: [], resend: { attempts: 0 },
    }, this.random);
    // Tests attach many waiters; the default limit of 10 would only print a false leak warning.
    this.events.setMaxListeners(100);
    this.telemetry = options.telemetryIntervalMs && options.telemetryIntervalMs > 0
      ? new TelemetryPlayer(telemetryModelOf(this.instrument.name, this.random), options.telemetryIntervalMs, () => this.jobMoment(), (values) => {
        this.step((core) => core.telemetry(values)); // sent only while joined: the core says so
      })
      : null;
    this.telemetry?.start();
  }

  /** The running job as the telemetry model sees it. */
  private jobMoment() {
    const job = this.job;
    if (!job || job.state === "finished") return null;
    const elapsedMs = Date.now() - job.startedAt;
    return { fraction: Math.min(1, elapsedMs / Math.max(1, job.plan.durationMs / this.speed)), elapsedMs, input: job.start.input as Json, output: job.plan.output };
  }

  get deviceId(): string {
    return this.options.deviceId;
  }

  get connected(): boolean {
    return this.link.isOpen;
  }

  /** Highest epoch seen in a command or welcome; commands below it are ignored. */
  get highestEpoch(): number {
    return this.core.state.highestEpoch ?? 0;
  }

  /** The job in progress, if any. */
  get currentJob(): JobInfo | undefined {
    return this.job ? this.jobInfo(this.job) : undefined;
  }

  /** Run ids of results sent and not yet acknowledged, oldest first. */
  get heldResultRunIds(): string[] {
    return this.core.state.held.filter((report) => report.report === "result").map((report) => report.runId);
  }

  /** Index the next received message will have: pass it as `after` to wait race-free. */
  mark(): number {
    return this.log.mark();
  }

  // ------------------------------------------------------------ the core: feed it, execute it

  private clockMs(): number {
    return Date.now() - this.bootedAt;
  }

  /** Brings the core's clock to now, gives it one input, executes what both produced, re-arms the timer. */
  private step(input: (core: DeviceCore) => CoreOutput[]): void {
    this.execute(this.core.advance(Math.max(0, this.clockMs() - this.core.state.nowMs)));
    this.execute(input(this.core));
    this.armTick();
  }

  private armTick(): void {
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.tickTimer = null;
    const due = this.core.nextDueAtMs();
    if (due === undefined || this.closed) return;
    // Timers may fire a millisecond early; the core then does nothing and the timer is re-armed.
    this.tickTimer = setTimeout(() => {
      this.tickTimer = null;
      this.step(() => []);
    }, Math.max(1, due - this.clockMs()));
    if (!this.connected) this.tickTimer.unref?.(); // a job budget alone does not keep a process alive
  }

  private execute(outputs: readonly CoreOutput[]): void {
    const outer = this.announceLater; // execute may be re-entered from a listener
    const announce: (() => void)[] = [];
    this.announceLater = announce;
    for (const output of outputs) {
      if ("note" in output) this.onNote(output.note);
      else if ("send" in output) this.sendFromCore(output.send, output.payload);
      else if ("job" in output) {
        if (output.job === "start") this.beginJob(output.runId);
        else if (this.job?.runId === output.runId) this.job.finish();
      } else if ("update" in output) this.takeUpdate(output.update);
      else if (output.connection === "close") this.link.drop();
      else if (output.connection === "reconnect") this.scheduleAttempt(output.delayMs);
      else if (output.connection === "giveUp") this.cancelAttempt();
    }
    this.announceLater = outer;
    // After every action of the input: a listener of `jobStarted` sees `accepted` already sent.
    for (const emit of announce) emit();
  }

  /** Sends what the core decided, except what the test knobs hold back. */
  private sendFromCore(type: string, payload: Record<string, unknown>): void {
    if (type === DeviceToRoom.HELLO && this.options.sendHello === false) return;
    if (type === DeviceToRoom.ACCEPTED && this.options.autoAccept === false) return;
    const delivered = this.sendMessage(type, payload);
    if (type === DeviceToRoom.RESULT) this.say(`result of ${String(payload.runId)} ${delivered ? "sent" : "held (offline)"}: ${briefJson(payload.output)}`);
    if (type === DeviceToRoom.PROGRESS) this.say(`progress ${String(payload.runId)} ${Math.round(Number(payload.progress) * 100)} %${payload.message ? ` ${String(payload.message)}` : ""}`);
    if (type === DeviceToRoom.READY && delivered) {
      this.say("ready (physical reset done)");
      this.events.emit("ready");
    }
  }

  /** The core's notes: the instrument's own here, the rest as log lines, events and counters (deviceNotes.ts). */
  private onNote(note: CoreNote): void {
    switch (note.kind) {
      case "jobStarted":
        this.lastStart = note.start;
        return this.say(`start ${note.start.runId} (${note.start.sessionType}, epoch ${note.start.epoch}) ${briefJson(note.start.input)}`);
      case "jobResumed":
        if (!this.job) return;
        this.say(`resuming ${note.runId} at ${Math.round(this.job.progress * 100)} %`);
        this.events.emit("jobResumed", this.jobInfo(this.job));
        return;
      case "jobEnded":
        return this.endJob(note.runId, note.outcome, note.reason);
      default:
        reportNote(note, { stats: this.stats, events: this.events, say: (line) => this.say(line), lastError: this.lastError, maxAttempts: this.core.profile.reconnect.maxAttempts });
    }
  }

  // ------------------------------------------------------------ connecting

  /**
   * Joins (matchmaking + handshake), says hello and waits for welcome; resolves with the
   * welcome. Rejects if any step fails — see `startConnecting()` for the keep-trying variant.
   */
  async connect(): Promise<WelcomeMessage | undefined> {
    this.closed = false;
    this.cancelAttempt();
    this.step((core) => core.leave()); // a deliberate connect starts over, with a fresh back-off
    try {
      return await this.joinAndGreet();
    } catch (error) {
      this.link.drop(); // joined but no welcome: do not leave a half-greeted socket behind
      this.step((core) => core.leave());
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
      if (!this.closed) this.attemptFailed(error);
    });
  }

  /** Tells the core how an attempt failed: a refusal retrying cannot fix, or one it can (with the server's Retry-After). */
  private attemptFailed(error: Error): void {
    this.lastError = error;
    if (error instanceof MatchmakeError && error.permanent) return this.step((core) => core.refused(error.message));
    const retryAfterMs = error instanceof MatchmakeError ? error.retryAfterMs ?? 0 : 0;
    this.step((core) => core.attemptFailed(retryAfterMs));
  }

  private scheduleAttempt(delayMs: number): void {
    this.cancelAttempt();
    const seq = this.attemptSeq;
    this.attemptTimer = setTimeout(() => {
      this.attemptTimer = null;
      const attempts = this.core.state.reconnectAttempts;
      this.joinAndGreet().then(
        () => {
          if (this.closed || seq !== this.attemptSeq || this.core.state.connection !== "online") return; // e.g. the welcome was refused
          this.lastError = undefined;
          this.stats.reconnects++;
          this.events.emit("reconnected", { attempts });
        },
        (error: Error) => {
          if (this.closed || seq !== this.attemptSeq) return; // the core has moved on (the socket closed, or a connect took over)
          this.link.drop(); // a join that got a socket but no welcome: start clean
          this.attemptFailed(error);
        },
      );
    }, delayMs);
  }

  private cancelAttempt(): void {
    if (this.attemptTimer) clearTimeout(this.attemptTimer);
    this.attemptTimer = null;
    this.attemptSeq++;
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
    this.reconnectionToken = connection.reconnectionToken;
    this.sessionId = connection.seat.sessionId;
    this.stats.joins++;
    const mark = this.mark();
    this.link.adopt(connection);
    this.say(`joined room ${connection.seat.roomId} (process ${connection.seat.processId}, session ${connection.seat.sessionId})`);
    this.events.emit("joined", {
      sessionId: connection.seat.sessionId, roomId: connection.seat.roomId, processId: connection.seat.processId, reconnectionToken: connection.reconnectionToken,
    });
    this.step((core) => core.rejoin()); // says hello, with the held result and the highest epoch
    if (this.options.sendHello === false) return undefined;
    return this.next("welcome", { after: mark, timeoutMs: this.options.joinTimeoutMs });
  }

  /** Sends `hello` again, as the core says it (test hook; the core sends it on every join). */
  sendHello(): void {
    this.sendMessage(DeviceToRoom.HELLO, this.core.hello());
  }

  /** Reconnects now (matchmaking again), dropping the current socket first if there is one. */
  async reconnect(): Promise<WelcomeMessage | undefined> {
    this.link.drop();
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
    const hadSocket = this.link.drop();
    if (!hadSocket) return;
    this.events.emit("disconnected", { code: 1006, reason: "dropped (simulated network loss)", intentional: true });
    this.say("socket dropped (simulated network loss)");
    this.step((core) => (options.reconnect === false ? core.leave() : core.closed(1006)));
  }

  /**
   * Simulates a power cycle: the socket dies, the job and everything in RAM is lost (the
   * highest epoch included); held reports — results and the failure — survive (firmware keeps
   * them in NVS) unless `keepHeldResults: false`. Then the device boots and connects again.
   */
  async reboot(options: { keepHeldResults?: boolean } = {}): Promise<WelcomeMessage | undefined> {
    this.link.drop();
    this.cancelAttempt();
    this.clearResetTimer();
    this.events.emit("disconnected", { code: 1006, reason: "rebooted", intentional: true });
    this.step((core) => core.powerCycle(options.keepHeldResults !== false));
    this.say("rebooted");
    return this.connect();
  }

  /** Leaves the room for good: LEAVE frame, normal close, no reconnect. */
  async close(): Promise<void> {
    this.closed = true;
    this.telemetry?.stop();
    this.cancelAttempt();
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.tickTimer = null;
    this.clearResetTimer();
    this.job?.finish();
    const leaving = this.link.leave(); // first: the core's `close` below must not kill the socket
    this.execute(this.core.leave());
    if (!(await leaving)) return;
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
    return this.link.send(bytes);
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
    this.step((core) => core.reportResult(result));
    return result;
  }

  /** Reports the job in progress as failed (`failed` has no ack; the device re-sends it after a welcome that still runs it). */
  fail(code: string, message: string, overrides: { epoch?: number; runId?: string } = {}): Failed {
    const job = this.job;
    const epoch = overrides.epoch ?? job?.epoch;
    const runId = overrides.runId ?? job?.runId;
    if (epoch === undefined || runId === undefined) throw new Error(`device ${this.deviceId} has no job in progress; pass epoch and runId`);
    const failed: Failed = { epoch, runId, code, message };
    this.step((core) => core.reportFailure(failed));
    return failed;
  }

  /** The instrument's reset is done: `ready`, now if joined, else after the next welcome (the core decides). */
  ready(): void {
    this.clearResetTimer();
    this.step((core) => core.ready());
  }

  /** Sends a `heartbeat` now (the core sends them on its own every heartbeatIntervalMs). */
  heartbeat(): void {
    this.sendMessage(DeviceToRoom.HEARTBEAT, { uptimeMs: this.clockMs() });
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

  /** Checks a message's shape (the edge, as the firmware's rx parser) and hands it to the core. */
  private onRoomData(type: string, payload: unknown): void {
    const message = this.log.append(type, payload);
    const wellFormed: Record<string, (payload: unknown) => boolean> = {
      [RoomToDevice.WELCOME]: isWelcome, [RoomToDevice.START]: isStart, [RoomToDevice.CANCEL]: isCancel, [RoomToDevice.ACK]: isAck,
      [RoomToDevice.UPDATE]: isUpdate,
    };
    if (type === RoomToDevice.ERROR) {
      const error = (payload ?? {}) as Record<string, unknown>;
      this.say(`room refused "${String(error.request)}": ${String(error.code)} ${String(error.message)}`);
      this.step((core) => core.receive(type, error));
    } else if (!wellFormed[type]) {
      this.say(`ignored unknown message "${type}"`);
    } else if (!wellFormed[type](payload)) {
      this.stats.malformedMessagesIgnored++;
      this.say(`ignored malformed "${type}": ${briefJson(payload)}`);
    } else {
      this.step((core) => core.receive(type, payload as Record<string, unknown>));
    }
    this.log.announce(message);
    this.events.emit("message", message);
  }

  // ------------------------------------------------------------ firmware updates (docs/PROTOCOL.md §15)

  /** The version `hello` carries now (the installed update's, else the profile's). */
  get firmware(): string {
    return this.core.state.firmware ?? this.core.profile.firmware ?? "contract";
  }

  /**
   * An offer from the room: like the firmware, once no run is in progress, fetch the image,
   * check its SHA-256 and its version line (updater.ts), then "reboot" into it — the next
   * `hello` says the new version. A refused image leaves the running version; nothing is
   * answered either way.
   */
  private takeUpdate(offer: { url: string; version: string; sha256: string }): void {
    if (offer.version === this.firmware || this.updating) return;
    this.updating = true;
    this.events.emit("updateOffered", { ...offer });
    void (async () => {
      while (this.job && !this.closed) await new Promise((resolve) => setTimeout(resolve, 100)); // a run is never interrupted
      const outcome = await installImage(offer);
      if (this.closed) return;
      if (!outcome.ok) {
        this.say(`update to ${offer.version} refused: ${outcome.reason}; keeping ${this.firmware}`);
        this.events.emit("updateRejected", { version: offer.version, reason: outcome.reason });
        return;
      }
      this.say(`update to ${offer.version} verified: restarting into it`);
      this.core.state.firmware = offer.version;
      this.events.emit("updated", { version: offer.version });
      await this.reboot();
    })().catch((error: unknown) => this.say(`update to ${offer.version} failed: ${String(error)}`)).finally(() => {
      this.updating = false;
    });
  }

  // ------------------------------------------------------------ the instrument

  /** Starts the instrument on the run the core just started (its `jobStarted` note came first). */
  private beginJob(runId: string): void {
    const start = this.lastStart;
    if (start?.runId !== runId) throw new Error(`device ${this.deviceId}: the core started ${runId} without noting its start`);
    this.clearResetTimer();
    const plan = this.instrument.plan(start.sessionType, start.input, this.random, { durationMs: this.options.jobDurationMs });
    const job: Job = new Job(start, plan, {
      speed: this.speed,
      autoProgress: this.options.autoProgress ?? true,
      autoComplete: this.options.autoComplete ?? true,
      minProgressIntervalMs: this.options.minProgressIntervalMs ?? 100,
    }, {
      onProgress: (progress, message) => this.step((core) => core.progress(job.runId, progress, message)),
      onMeasured: (output) => {
        if (this.job === job) this.complete({ output });
      },
      onAwaitingCompletion: () => {
        this.say(`${job.runId} measured; holding the result until complete() is called`);
        this.events.emit("jobAwaitingCompletion", this.jobInfo(job));
      },
    });
    this.job = job;
    job.begin();
    this.announceLater.push(() => this.events.emit("jobStarted", this.jobInfo(job)));
  }

  /** The core ended a job (for `outcome`): stop the instrument and, unless another job follows at once, reset it. */
  private endJob(runId: string, outcome: JobEnd, reason?: string): void {
    const job = this.job;
    if (job?.runId !== runId) return;
    job.finish();
    this.job = null;
    if (outcome !== "result" && outcome !== "failed") this.say(`${outcome} ${runId}${reason ? `: ${reason}` : ""}`);
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
      this.step((core) => core.ready());
    }, delay);
  }

  private clearResetTimer(): void {
    if (this.resetTimer) clearTimeout(this.resetTimer);
    this.resetTimer = null;
  }

  private jobInfo(job: Job): JobInfo {
    return {
      runId: job.runId, epoch: job.epoch, sessionType: job.start.sessionType, input: job.start.input,
      progress: job.progress, state: job.state, plannedOutput: job.plan.output,
    };
  }

  // ------------------------------------------------------------ the socket

  private sendMessage(type: string, payload: unknown): boolean {
    if (!this.link.send(encodeRoomData(type, payload))) {
      this.stats.messagesDropped++;
      if (type !== DeviceToRoom.HEARTBEAT) this.say(`offline: "${type}" not sent`);
      return false;
    }
    const message: SentMessage = { type, payload, at: Date.now() };
    this.sent.push(message);
    this.events.emit("sent", message);
    return true;
  }

  /** The current socket closed by itself (the server or the network): the core decides what follows. */
  private onSocketClosed(code: number, reason: string): void {
    this.say(`socket closed by the server (${code}${reason ? ` ${reason}` : ""})`);
    this.events.emit("disconnected", { code, reason, intentional: false });
    if (this.closed) return;
    this.step((core) => core.closed(code));
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
