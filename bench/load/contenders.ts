/**
 * Load process of S4 (claim/release churn): `contendersPerDevice` users fight over each
 * device, in a closed loop, either on Baton or on a Redis `SET NX PX` lock (the baseline).
 *
 * Each contender waits until the device is free, claims it, and if it won, counts the grant
 * and releases at once; the losers wait for the next "free" signal and claim again.
 * - **Baton**: `@colyseus/sdk` clients (a raw client cannot tell it won: a claim's success is
 *   in the state, `session.ownerId`), `claim {}` → the state shows it as owner at a new
 *   epoch, or `error DEVICE_BUSY`; `release` → `session_ended`. Free = the state's phase is idle.
 * - **Redis**: one connection per contender; claim = one script doing `SET key me NX PX` and,
 *   when it took the lock, `INCR` of a fencing counter (Baton's epoch); release = a script
 *   that deletes the key only if it is still ours and `PUBLISH`es "free" on the key's
 *   channel, which every contender of that key is subscribed to (Baton pushes its idle patch
 *   the same way). A 100 ms poll backs up a missed publish.
 *
 * Double grants: every contender records, the moment it believes it holds a device, which
 * epoch (fencing token) it holds; a second believer of the same device while the first still
 * believes — or of the same epoch at any time — is a double grant. All contenders of a device
 * live in this process, so the check is exact.
 */
import { Client, type Room } from "@colyseus/sdk";
import { Redis } from "ioredis";
import { DEVICE_ROOM_NAME, Phase, RoomToUser, UserToRoom } from "@baton/protocol";
import { DeviceRoomState } from "@baton/protocol/state";
import { encodeHistogram, newHistogram, recordMs } from "../lib/histogram.ts";
import { batonDevice, devToken, inBatches, sendHeartbeats, type Endpoint } from "../lib/wire.ts";

export interface ContendersEnv {
  system: "baton" | "redis";
  baseUrl: string;
  redisUrl: string;
  /** Redis keys of this run start with it (shared Redis: never touch other keys). */
  keyPrefix: string;
  deviceIds: string[];
  deviceSecret: string;
  contendersPerDevice: number;
}

export type ContendersCommand = { cmd: "run"; warmupMs: number; durationMs: number } | { cmd: "stop" };
export type ContendersMessage =
  | { type: "ready"; contenders: number }
  | { type: "churn"; grants: number; claims: number; busy: number; elapsedMs: number; latency: string; doubleGrants: string[]; errors: string[] }
  | { type: "failed"; error: string };

const env = JSON.parse(process.env.BENCH_LOAD ?? "null") as ContendersEnv | null;
if (!env || !process.send) {
  console.error("this is a load process of `npm run bench`; run that instead");
  process.exit(2);
}
console.info = () => {};
console.warn = () => {};
const send = (message: ContendersMessage) => process.send!(message);

/** What one measured phase counts; replaced at the start of each phase. */
let phase = { measuring: false, running: false, grants: 0, claims: 0, busy: 0, latency: newHistogram(), doubleGrants: [] as string[], errors: [] as string[] };

// ------------------------------------------------------------------ the double-grant check

const holders = new Map<string, { contender: string; epoch: number }>();
const epochsSeen = new Map<string, Set<number>>();

function believe(deviceId: string, contender: string, epoch: number) {
  const current = holders.get(deviceId);
  if (current && current.contender !== contender) phase.doubleGrants.push(`${deviceId}: ${contender} (epoch ${epoch}) while ${current.contender} (epoch ${current.epoch}) holds it`);
  const seen = epochsSeen.get(deviceId) ?? new Set<number>();
  if (seen.has(epoch)) phase.doubleGrants.push(`${deviceId}: epoch ${epoch} granted twice`);
  seen.add(epoch);
  epochsSeen.set(deviceId, seen);
  holders.set(deviceId, { contender, epoch });
}

function stopBelieving(deviceId: string, contender: string) {
  if (holders.get(deviceId)?.contender === contender) holders.delete(deviceId);
}

function granted(sentAt: number) {
  if (!phase.measuring) return;
  phase.grants++;
  recordMs(phase.latency, performance.now() - sentAt);
}

// ------------------------------------------------------------------ Baton contenders

class BatonContender {
  private waiters = new Set<() => void>();
  private refused = false;
  private ended = false;

  constructor(readonly name: string, readonly deviceId: string, private readonly room: Room<any, DeviceRoomState>) {
    room.onStateChange(() => this.wake());
    room.onMessage(RoomToUser.ERROR, (message: { code: string }) => {
      if (message.code === "DEVICE_BUSY" || message.code === "ALREADY_HOLDER") phase.busy++;
      else if (phase.errors.length < 20) phase.errors.push(`${this.name}: ${message.code}`);
      this.refused = true;
      this.wake();
    });
    room.onMessage(RoomToUser.SESSION_ENDED, () => { this.ended = true; this.wake(); });
    room.onMessage("*", () => {});
  }

  async loop() {
    while (phase.running) {
      if (!(await this.until(() => this.isFree(), 2_000))) continue;
      this.refused = false;
      const before = this.room.state.session.epoch;
      const sentAt = performance.now();
      if (phase.measuring) phase.claims++;
      this.room.send(UserToRoom.CLAIM, {});
      const answered = await this.until(() => this.refused || this.holds(before), 5_000);
      if (!answered) {
        if (phase.errors.length < 20) phase.errors.push(`${this.name}: no answer to claim within 5 s`);
        continue;
      }
      if (!this.holds(before)) continue; // lost: wait for the next free signal
      const epoch = this.room.state.session.epoch;
      believe(this.deviceId, this.name, epoch);
      granted(sentAt);
      stopBelieving(this.deviceId, this.name);
      this.ended = false;
      this.room.send(UserToRoom.RELEASE, {});
      await this.until(() => this.ended, 5_000);
    }
  }

  private isFree() {
    const state = this.room.state;
    return state.device.online && state.session.phase === Phase.IDLE;
  }

  private holds(epochBefore: number) {
    const session = this.room.state.session;
    return session.ownerId === this.name && session.epoch > epochBefore && session.phase !== Phase.IDLE;
  }

  private until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    if (predicate()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => { if (predicate()) finish(true); };
      const timer = setTimeout(() => finish(false), timeoutMs);
      const finish = (value: boolean) => { clearTimeout(timer); this.waiters.delete(check); resolve(value); };
      this.waiters.add(check);
    });
  }

  private wake() {
    for (const check of [...this.waiters]) check();
  }
}

// ------------------------------------------------------------------ Redis contenders

/** SET NX PX, and on success the fencing token (INCR): one round trip, like Baton's claim. */
const ACQUIRE = "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return redis.call('INCR', KEYS[2]) else return 0 end";
/** Delete only our own lock, then tell the others it is free. */
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]); redis.call('PUBLISH', KEYS[3], '1'); return 1 else return 0 end";
const LOCK_TTL_MS = 5_000;

class RedisContender {
  private freeSignal: (() => void) | null = null;

  constructor(readonly name: string, readonly deviceId: string, private readonly redis: Redis) {}

  /** Called by the process's subscriber when the key's channel says "free". */
  onFree() {
    this.freeSignal?.();
  }

  async loop() {
    const lock = `${env!.keyPrefix}lock:${this.deviceId}`;
    const fence = `${env!.keyPrefix}epoch:${this.deviceId}`;
    const channel = `${env!.keyPrefix}free:${this.deviceId}`;
    while (phase.running) {
      const sentAt = performance.now();
      if (phase.measuring) phase.claims++;
      const epoch = Number(await this.redis.eval(ACQUIRE, 2, lock, fence, this.name, LOCK_TTL_MS));
      if (epoch > 0) {
        believe(this.deviceId, this.name, epoch);
        granted(sentAt);
        stopBelieving(this.deviceId, this.name);
        await this.redis.eval(RELEASE, 3, lock, fence, channel, this.name);
        continue;
      }
      if (phase.measuring) phase.busy++;
      // Held by someone else: wait for its release to be published (or poll, should one be missed).
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 100);
        function done() { clearTimeout(timer); resolve(); }
        this.freeSignal = done;
      });
      this.freeSignal = null;
    }
  }
}

// ------------------------------------------------------------------ set-up and phases

interface Contender { loop(): Promise<void> }
const contenders: Contender[] = [];
const closers: Array<() => Promise<unknown> | void> = [];

async function setUpBaton() {
  const { baseUrl, deviceIds, deviceSecret, contendersPerDevice } = env!;
  const devices: Endpoint[] = await inBatches(deviceIds, 2, (deviceId) => batonDevice({ system: "baton", baseUrl, deviceId, deviceSecret }));
  for (const device of devices) {
    const stopBeats = sendHeartbeats(device);
    closers.push(() => { stopBeats(); return device.close(); });
  }
  const slots = deviceIds.flatMap((deviceId) => Array.from({ length: contendersPerDevice }, (_, n) => ({ deviceId, name: `churn-${deviceId}-${n}` })));
  const joined = await inBatches(slots, 16, async ({ deviceId, name }) => {
    const client = new Client(baseUrl);
    client.auth.token = await devToken(baseUrl, name);
    const room = await client.joinOrCreate(DEVICE_ROOM_NAME, { deviceId }, DeviceRoomState);
    closers.push(() => room.leave(true));
    return new BatonContender(name, deviceId, room);
  });
  contenders.push(...joined);
}

async function setUpRedis() {
  const { redisUrl, keyPrefix, deviceIds, contendersPerDevice } = env!;
  const subscriber = new Redis(redisUrl);
  closers.push(() => subscriber.quit());
  const byChannel = new Map<string, RedisContender[]>();
  for (const deviceId of deviceIds) {
    const channel = `${keyPrefix}free:${deviceId}`;
    const group: RedisContender[] = [];
    for (let n = 0; n < contendersPerDevice; n++) {
      const redis = new Redis(redisUrl);
      closers.push(() => redis.quit());
      group.push(new RedisContender(`churn-${deviceId}-${n}`, deviceId, redis));
    }
    byChannel.set(channel, group);
    contenders.push(...group);
  }
  subscriber.on("message", (channel: string) => { for (const contender of byChannel.get(channel) ?? []) contender.onFree(); });
  await subscriber.subscribe(...byChannel.keys());
}

async function runPhase(warmupMs: number, durationMs: number) {
  phase = { measuring: false, running: true, grants: 0, claims: 0, busy: 0, latency: newHistogram(), doubleGrants: [], errors: [] };
  const loops = contenders.map((contender) => contender.loop());
  await new Promise((resolve) => setTimeout(resolve, warmupMs));
  phase.measuring = true;
  const from = performance.now();
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  phase.measuring = false;
  const elapsedMs = performance.now() - from;
  phase.running = false;
  await Promise.race([Promise.all(loops), new Promise((resolve) => setTimeout(resolve, 10_000))]);
  send({ type: "churn", grants: phase.grants, claims: phase.claims, busy: phase.busy, elapsedMs, latency: encodeHistogram(phase.latency), doubleGrants: phase.doubleGrants, errors: phase.errors });
}

process.on("message", async (command: ContendersCommand) => {
  if (command.cmd === "run") {
    await runPhase(command.warmupMs, command.durationMs).catch((error) => send({ type: "failed", error: String(error) }));
  } else if (command.cmd === "stop") {
    await Promise.race([Promise.all(closers.map((close) => Promise.resolve(close()).catch(() => {}))), new Promise((resolve) => setTimeout(resolve, 3_000))]);
    process.exit(0);
  }
});
process.on("disconnect", () => process.exit(0));

(env!.system === "baton" ? setUpBaton() : setUpRedis())
  .then(() => send({ type: "ready", contenders: contenders.length }))
  .catch((error) => {
    send({ type: "failed", error: `${env!.system} contenders could not start: ${(error as Error).message}` });
    setTimeout(() => process.exit(1), 100);
  });
