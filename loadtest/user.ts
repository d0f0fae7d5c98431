/**
 * One simulated person, on `@colyseus/sdk` exactly as a web client is (the SDK decodes the
 * room's schema state, so the server pays for a real viewer). Over and over, until told to
 * drain: pick a device, watch it a while, wait until it is free, claim it — a one-shot
 * weighing (claim + run + releaseOnComplete) or a lab session (claim, a few runs, release) —
 * with a realistic input for the device's session type (inputs.ts).
 *
 * Mid-run, some owners lose their socket (the SDK reconnects it, within the server's owner
 * grace) and some leave the room: half of those come back later and rejoin the device,
 * the others never return (their results must then be in their own `GET /results`).
 *
 * It reports facts (events.ts): what it believed it held (from the state), its runs, their
 * outcomes, refusals by code. It never judges; the orchestrator's ledger does.
 */
import { Client, type Room } from "@colyseus/sdk";
import { DEVICE_ROOM_NAME, Phase, RoomToUser, UserToRoom } from "@baton/protocol";
import { DeviceRoomState } from "@baton/protocol/state";
import type { LoadEvent, UserBehaviour } from "./events.ts";
import { inputFor } from "./inputs.ts";

export interface UserContext {
  url: string;
  behaviour: UserBehaviour;
  deviceIds: string[];
  emit(event: LoadEvent): void;
  /** True once the orchestrator said drain: finish what is in flight, start nothing new. */
  draining(): boolean;
  connected(delta: 1 | -1): void;
}

/** One `claim`-with-run or `run` this user is waiting on. */
interface PendingRun {
  sentAt: number;
  runId: string;
  /** The owner went away during it: its latency is not a service time. */
  disturbed: boolean;
  disturbanceDecided: boolean;
  outcome: "result" | "run_failed" | null;
  refused: string | null;
}

const TRACE = process.env.LOADTEST_TRACE === "1";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const JOIN_TIMEOUT_MS = 15_000;
/** How long a user waits for a busy device to become free before it tries another one. */
const FREE_WAIT_MS = 8_000;

export class SimulatedUser {
  private readonly client: Client;
  private room: Room<any, DeviceRoomState> | null = null;
  private deviceId = "";
  private readonly believed = new Set<string>();
  private readonly reportedRuns = new Set<string>();
  private pending: PendingRun | null = null;
  private lastRefusal: { code: string; request: string } | null = null;
  private sessionEnded = false;
  private waiters = new Set<() => void>();
  private gone = false;
  private up = false;

  constructor(private readonly ctx: UserContext, readonly userId: string, token: string, private readonly random: () => number) {
    this.client = new Client(ctx.url);
    this.client.auth.token = token;
  }

  /** The user's life: visits devices until the orchestrator says drain (or it leaves for good). */
  async live(): Promise<void> {
    // Spread the first joins over the first second rather than all at once.
    await sleep(this.random() * 1_000);
    while (!this.ctx.draining() && !this.gone) {
      try {
        await this.visit(this.pickDevice());
      } catch (error) {
        this.fail(this.deviceId, (error as any)?.code === "JOIN_FAILED" ? "JOIN_FAILED" : "CLIENT_ERROR", (error as Error).message);
        await this.closeRoom();
        await sleep(500 + this.random() * 1_000);
      }
    }
    await this.closeRoom();
  }

  private pickDevice(): string {
    return this.ctx.deviceIds[Math.floor(this.random() * this.ctx.deviceIds.length)]!;
  }

  // ------------------------------------------------------------ one device

  private async visit(deviceId: string) {
    await this.join(deviceId);
    await sleep(this.random() * this.ctx.behaviour.watchMs);
    // One or two sessions on this device, then on to another.
    const sessions = this.random() < 0.5 ? 1 : 2;
    for (let n = 0; n < sessions && !this.ctx.draining() && !this.gone; n++) {
      if (!(await this.until(() => this.isFree(), FREE_WAIT_MS))) break; // busy for long: try elsewhere
      await sleep(this.random() * 20); // people do not all click at the same millisecond
      if (this.random() < this.ctx.behaviour.oneShotShare) await this.oneShotSession();
      else await this.labSession();
    }
    await this.closeRoom();
  }

  private isFree(): boolean {
    const state = this.room?.state;
    return Boolean(state && state.device.online && state.session.phase === Phase.IDLE && state.device.sessionTypes.length > 0);
  }

  /** The seed's weighing flow: claim + run, the session ends by itself with the result. */
  private async oneShotSession() {
    const { sessionType, input } = this.chooseRun();
    if (!sessionType) return;
    this.sendRun(UserToRoom.CLAIM, { sessionType, input, releaseOnComplete: true });
    await this.awaitOutcome();
  }

  /** Claim, one to N runs, release. */
  private async labSession() {
    this.lastRefusal = null;
    this.room!.send(UserToRoom.CLAIM, {});
    const held = await this.until(() => this.holds() || this.lastRefusal !== null, 10_000);
    if (!held) return this.fail(this.deviceId, "NO_ANSWER", "claim");
    if (!this.holds()) return; // refused (DEVICE_BUSY, …), already counted
    const runs = 1 + Math.floor(this.random() * this.ctx.behaviour.maxRunsPerSession);
    for (let n = 0; n < runs && !this.gone; n++) {
      const { sessionType, input } = this.chooseRun();
      if (!sessionType || !this.holds()) break;
      this.sendRun(UserToRoom.RUN, { sessionType, input });
      await this.awaitOutcome();
      if (this.ctx.draining()) break;
    }
    if (this.gone || !this.room || !this.holds()) return;
    this.sessionEnded = false;
    this.room.send(UserToRoom.RELEASE, {});
    await this.until(() => this.sessionEnded || !this.holds(), 5_000);
  }

  private chooseRun(): { sessionType?: string; input?: Record<string, unknown> } {
    const types = this.room?.state.device.sessionTypes;
    if (!types || types.length === 0) return {};
    const type = types[Math.floor(this.random() * types.length)]!;
    return { sessionType: type.name, input: inputFor(type.name, type.inputSchema, this.random) };
  }

  private sendRun(type: string, payload: unknown) {
    this.lastRefusal = null;
    this.pending = { sentAt: performance.now(), runId: "", disturbed: false, disturbanceDecided: false, outcome: null, refused: null };
    this.room!.send(type, payload);
  }

  /** Waits for the pending run's result or failure (through drops, leaves and rejoins). */
  private async awaitOutcome() {
    const pending = this.pending!;
    const done = await this.until(() => pending.outcome !== null || pending.refused !== null, this.ctx.behaviour.outcomeTimeoutMs);
    if (!done && !this.gone) this.fail(this.deviceId, "NO_OUTCOME", pending.runId ? `run ${pending.runId}` : "claim/run");
    if (this.pending === pending) this.pending = null;
  }

  private holds(): boolean {
    const session = this.room?.state.session;
    return Boolean(session && session.ownerId === this.userId && session.phase !== Phase.IDLE);
  }

  // ------------------------------------------------------------ going away mid-run

  /** Decided once per run, when the user first sees its run in flight. */
  private maybeGoAway(pending: PendingRun) {
    if (pending.disturbanceDecided) return;
    pending.disturbanceDecided = true;
    const roll = this.random();
    const { dropRate, leaveRate } = this.ctx.behaviour;
    if (roll < dropRate) {
      pending.disturbed = true;
      this.ctx.emit({ t: "away", userId: this.userId, deviceId: this.deviceId, how: "dropped", forGood: false });
      // Not a consented leave: the server keeps the seat for the owner grace; the SDK reconnects.
      (this.room as any)?.connection?.close(4010, "simulated network loss");
    } else if (roll < dropRate + leaveRate) {
      pending.disturbed = true;
      const forGood = this.random() < 0.5;
      this.ctx.emit({ t: "away", userId: this.userId, deviceId: this.deviceId, how: "left", forGood });
      void this.leaveAndMaybeReturn(forGood);
    }
  }

  private async leaveAndMaybeReturn(forGood: boolean) {
    const deviceId = this.deviceId;
    if (TRACE) console.error(`${this.userId} leaves ${deviceId} (forGood ${forGood})`);
    await this.closeRoom();
    if (TRACE) console.error(`${this.userId} left ${deviceId}`);
    if (forGood) {
      this.gone = true;
      this.wake();
      return;
    }
    await sleep(300 + this.random() * 1_500);
    try {
      if (TRACE) console.error(`${this.userId} rejoins ${deviceId}`);
      await this.join(deviceId);
      if (TRACE) console.error(`${this.userId} rejoined ${deviceId}`);
      this.ctx.emit({ t: "back", userId: this.userId, deviceId, how: "rejoined" });
    } catch (error) {
      this.fail(deviceId, "JOIN_FAILED", (error as Error).message);
    }
  }

  // ------------------------------------------------------------ the room

  private async join(deviceId: string) {
    this.deviceId = deviceId;
    let room: Room<any, DeviceRoomState>;
    try {
      room = await Promise.race([
        this.client.joinOrCreate(DEVICE_ROOM_NAME, { deviceId }, DeviceRoomState),
        sleep(JOIN_TIMEOUT_MS).then(() => { throw new Error(`no seat in ${deviceId} within ${JOIN_TIMEOUT_MS} ms`); }),
      ]);
    } catch (error) {
      throw Object.assign(new Error(`joining ${deviceId}: ${(error as Error).message}`), { code: "JOIN_FAILED" });
    }
    // The SDK reconnects a dropped socket by itself; by default only after 5 s of uptime.
    Object.assign(room.reconnection, { minUptime: 0, minDelay: 100, maxDelay: 1_000, maxRetries: 10 });
    this.room = room;
    this.setUp(true);
    room.onStateChange(() => { if (this.room === room) this.observe(); });
    room.onMessage(RoomToUser.RESULT, (message: { runId: string }) => {
      // A real client acknowledges each result (the room re-sends it at every join until then).
      room.send(UserToRoom.RESULT_ACK, { runId: message.runId });
      this.onOutcome(deviceId, message.runId, "result");
    });
    room.onMessage(RoomToUser.RUN_FAILED, (message: { runId: string; code: string }) => {
      // Failures are kept for their owner like results (re-sent at each join until acknowledged).
      room.send(UserToRoom.RESULT_ACK, { runId: message.runId });
      this.onOutcome(deviceId, message.runId, "run_failed", message.code);
    });
    room.onMessage(RoomToUser.ERROR, (message: { code: string; request: string }) => {
      this.fail(deviceId, message.code, message.request);
      if (this.room === room) {
        this.lastRefusal = { code: message.code, request: message.request };
        if (this.pending && !this.pending.runId && (message.request === UserToRoom.CLAIM || message.request === UserToRoom.RUN)) this.pending.refused = message.code;
      }
      this.wake();
    });
    room.onMessage(RoomToUser.SESSION_ENDED, (message: { ackId?: string }) => {
      if (message.ackId !== undefined) room.send(UserToRoom.RESULT_ACK, { runId: message.ackId });
      this.sessionEnded = true;
      this.wake();
    });
    room.onMessage("*", () => {});
    room.onDrop(() => { if (this.room === room) this.setUp(false); });
    room.onReconnect(() => {
      if (this.room !== room) return;
      this.setUp(true);
      this.ctx.emit({ t: "back", userId: this.userId, deviceId, how: "reconnected" });
      this.wake();
    });
    room.onLeave((code: number) => {
      if (this.room !== room) return;
      // Not asked for (reconnection failed, kicked): the connection is gone.
      this.room = null;
      this.setUp(false);
      // The server went away (a restart: 4001; a dead process: 1006): join again, as the SDK does.
      if (code === 4001 || code === 1006) void this.rejoinAfterServerLoss(deviceId);
      this.wake();
    });
    this.observe();
  }

  /** Joins the device again with backoff until its room exists again (or 60 s pass). */
  private async rejoinAfterServerLoss(deviceId: string) {
    const giveUpAt = Date.now() + 60_000;
    for (let delay = 200; Date.now() < giveUpAt && !this.gone; delay = Math.min(delay * 2, 5_000)) {
      await sleep(delay * (0.75 + this.random() * 0.5));
      try {
        await this.join(deviceId);
        this.ctx.emit({ t: "back", userId: this.userId, deviceId, how: "rejoined" });
        this.wake();
        return;
      } catch {
        // not back yet
      }
    }
    this.fail(deviceId, "JOIN_FAILED", "the server did not come back within 60 s");
  }

  private async closeRoom() {
    const room = this.room;
    if (!room) return;
    this.room = null;
    this.setUp(false);
    try {
      await Promise.race([room.leave(true), sleep(2_000)]);
    } catch {
      // already closed
    }
  }

  /** Every state patch: what this user now believes it holds, and its run in flight. */
  private observe() {
    const session = this.room?.state.session;
    if (!session) return;
    if (session.ownerId === this.userId && session.epoch > 0 && session.phase !== Phase.IDLE) {
      const belief = `${this.deviceId}\u0000${session.epoch}`;
      if (!this.believed.has(belief)) {
        this.believed.add(belief);
        this.ctx.emit({ t: "belief", userId: this.userId, deviceId: this.deviceId, epoch: session.epoch });
      }
      if (session.runId && session.phase === Phase.RUNNING) {
        const runKey = `${this.deviceId}\u0000${session.runId}`;
        if (!this.reportedRuns.has(runKey)) {
          this.reportedRuns.add(runKey);
          this.ctx.emit({ t: "runStarted", userId: this.userId, deviceId: this.deviceId, epoch: session.epoch, runId: session.runId });
        }
        const pending = this.pending;
        if (pending && !pending.runId && pending.outcome === null) pending.runId = session.runId;
        if (pending && pending.runId === session.runId) this.maybeGoAway(pending);
      }
    }
    this.wake();
  }

  private onOutcome(deviceId: string, runId: string, kind: "result" | "run_failed", code?: string) {
    const pending = this.pending;
    const mine = pending !== null && pending.outcome === null && (pending.runId === runId || pending.runId === "");
    const latencyUs = mine && !pending!.disturbed ? Math.round((performance.now() - pending!.sentAt) * 1000) : undefined;
    if (mine) {
      pending!.runId = runId;
      pending!.outcome = kind;
    }
    this.ctx.emit({ t: "outcome", userId: this.userId, deviceId, runId, kind, ...(code ? { code } : {}), ...(latencyUs !== undefined ? { latencyUs } : {}) });
    this.wake();
  }

  /** Counts this user in the workers' "users connected" gauge while its socket is open. */
  private setUp(up: boolean) {
    if (up === this.up) return;
    this.up = up;
    this.ctx.connected(up ? 1 : -1);
  }

  private fail(deviceId: string, code: string, request: string) {
    this.ctx.emit({ t: "failure", userId: this.userId, deviceId, code, request });
  }

  // ------------------------------------------------------------ waiting

  /** Resolves true once `predicate` holds (checked after every state change and message), false after `timeoutMs`. */
  private until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    if (predicate()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (predicate()) finish(true);
        else if (this.gone) finish(false);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      const finish = (value: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(value);
      };
      this.waiters.add(check);
    });
  }

  private wake() {
    for (const check of [...this.waiters]) check();
  }
}
