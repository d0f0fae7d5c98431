/**
 * Issue 18, finding 1: values that are not JSON at the room's edge. A msgpack uint64 decodes
 * as a BigInt, bin as a Buffer, ext -1 as a Date, ext 0 as `undefined`; before the edge
 * refused them, a BigInt in a run's `input` passed `record(unknown)` and ajv, the run
 * started, and the state projection's `JSON.stringify` threw from the deadline timer, which
 * took the whole process down.
 *
 * Here, against a production-mode server in this process: the attack from the issue is
 * refused with INVALID_MESSAGE (a 64-bit integer JSON can hold is accepted, as a number);
 * random hostile values in every user, pool and device message
 * are each refused, never stall the event loop for 100 ms, never reach the store, and a
 * normal run still works afterwards.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import WebSocket from "ws";
import { pack, unpackMultiple } from "@colyseus/msgpackr";
import { DeviceToRoom, UserToPool, UserToRoom, type SessionTypeSpec } from "@baton/protocol";
import { TEST_DEVICE_SECRET, freshDeviceId, type TestBaton } from "../support/baton.ts";
import { WEIGHING } from "../support/scriptedDevice.ts";
import { startProductionBaton, sleep } from "./support.ts";

/** A session type whose declared schema lets any extra property through (the case). */
const FREE: SessionTypeSpec = { name: "free", maxDurationMs: 1_000, inputSchema: { type: "object" } };

let baton: TestBaton;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  baton = await startProductionBaton({ timers: { ownerIdleTimeoutMs: 0, deviceSilenceTimeoutMs: 0, deviceGraceMs: 120_000 } });
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await baton.shutdown();
});

interface Received { type: string; payload: any }

/** A connection that speaks raw frames, so the test chooses every byte of every body. */
async function rawJoin(route: "device" | "pool", token: string, options: Record<string, unknown>) {
  const response = await fetch(`${baton.httpUrl}/matchmake/joinOrCreate/${route}`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(options),
  });
  const seat = (await response.json()) as { sessionId: string; roomId: string; processId: string };
  if (response.status !== 200) throw new Error(`matchmaking failed: ${JSON.stringify(seat)}`);
  const socket = new WebSocket(`${baton.httpUrl.replace("http", "ws")}/${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId}`);
  sockets.push(socket);
  const inbox: Received[] = [];
  const waiters: (() => void)[] = [];
  socket.on("message", (data: Buffer) => {
    if (data[0] === 0x0a) return void socket.send(Buffer.from([0x0a]));
    if (data[0] !== 0x0d) return;
    const [type, payload] = unpackMultiple(data.subarray(1)) as [string, any];
    inbox.push({ type, payload });
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.once("message", () => setTimeout(resolve, 10));
  });
  return {
    socket,
    /** Sends `0x0D, type, body`; `body` is a msgpack value, or raw bytes when a Buffer. */
    send(type: string, body?: unknown) {
      const encoded = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : pack(body);
      socket.send(Buffer.concat([Buffer.from([0x0d]), pack(type), encoded]));
    },
    /** The next message of one of `types` (taken from the inbox), within `timeoutMs`. */
    async next(types: string[], timeoutMs = 5_000): Promise<Received> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = inbox.findIndex((message) => types.includes(message.type));
        if (index >= 0) return inbox.splice(index, 1)[0]!;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${types.join("/")} within ${timeoutMs} ms; got ${JSON.stringify(inbox.map((message) => message.type))}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, left);
        });
      }
    },
    /** Drops what arrived so far (patches, statuses). */
    clear() { inbox.length = 0; },
  };
}
type Raw = Awaited<ReturnType<typeof rawJoin>>;

/** A msgpack map `{ [key]: uint64 value }`, written byte by byte (what a hostile client sends). */
function mapWithUint64(key: string, value: bigint): Buffer {
  const big = Buffer.alloc(9);
  big[0] = 0xcf;
  big.writeBigUInt64BE(value, 1);
  return Buffer.concat([Buffer.from([0x81]), pack(key), big]);
}

/** A device online with WEIGHING and FREE, and its owner holding it. */
async function heldDevice(ownerId: string) {
  const deviceId = freshDeviceId();
  const device = await rawJoin("device", TEST_DEVICE_SECRET, { deviceId, role: "device" });
  device.send(DeviceToRoom.HELLO, { firmware: "hostile/1", sessionTypes: [WEIGHING, FREE] });
  await device.next(["welcome"]);
  const owner = await rawJoin("device", await baton.tokenFor(ownerId), { deviceId });
  owner.send(UserToRoom.CLAIM, {});
  expect((await owner.next(["ok", "error"])).type).toBe("ok");
  return { deviceId, device, owner };
}

/** A run of FREE from `owner`, answered by `device` with `output`; resolves with what the owner got. */
async function completeRun(owner: Raw, device: Raw, output: Record<string, unknown>) {
  owner.send(UserToRoom.RUN, { sessionType: FREE.name, input: { fine: [1, "two", { three: null }] } });
  expect((await owner.next(["ok", "error"])).type).toBe("ok");
  const start = (await device.next(["start"])).payload;
  device.send(DeviceToRoom.RESULT, { epoch: start.epoch, runId: start.runId, output });
  return (await owner.next(["result"])).payload;
}

/** True when `value` is made of JSON's own values only (what JSON.parse could have produced). */
function isPlainJson(value: unknown, depth = 0): boolean {
  if (depth > 100) return false;
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isPlainJson(item, depth + 1));
  if (typeof value !== "object") return false;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Object.values(value).every((item) => isPlainJson(item, depth + 1));
}

describe("finding 1: a BigInt in a run's input", () => {
  it("is refused with INVALID_MESSAGE, the run never starts, and the deadline passes without a crash", async () => {
    const { deviceId, device, owner } = await heldDevice("attacker");
    // The attack: a uint64 above 2^53 in `input`, for a type whose schema allows extra properties.
    owner.send(UserToRoom.RUN, Buffer.concat([Buffer.from([0x82]), pack("sessionType"), pack(FREE.name), pack("input"), mapWithUint64("n", 2n ** 60n)]));
    const answer = await owner.next(["ok", "error"]);
    expect(answer).toMatchObject({ type: "error", payload: { code: "INVALID_MESSAGE", request: UserToRoom.RUN } });
    expect(answer.payload.message).toMatch(/input\.n/);
    // The same value in a claim's input, and in a device's result.
    owner.send(UserToRoom.CLAIM, Buffer.concat([Buffer.from([0x82]), pack("sessionType"), pack(FREE.name), pack("input"), mapWithUint64("n", 2n ** 60n)]));
    expect(await owner.next(["ok", "error"])).toMatchObject({ type: "error", payload: { code: "INVALID_MESSAGE" } });

    owner.send(UserToRoom.RUN, { sessionType: FREE.name, input: {} });
    expect((await owner.next(["ok", "error"])).type).toBe("ok");
    const start = (await device.next(["start"])).payload;
    device.send(DeviceToRoom.RESULT, Buffer.concat([Buffer.from([0x83]), pack("epoch"), pack(start.epoch), pack("runId"), pack(start.runId), pack("output"), mapWithUint64("w", 2n ** 62n)]));
    expect(await device.next(["error"])).toMatchObject({ payload: { code: "INVALID_MESSAGE", request: DeviceToRoom.RESULT } });
    // A 64-bit integer that JSON can hold (the firmware writes a ms timestamp as `cf`) is accepted, as a number.
    device.send(DeviceToRoom.RESULT, Buffer.concat([Buffer.from([0x83]), pack("epoch"), pack(start.epoch), pack("runId"), pack(start.runId), pack("output"), mapWithUint64("at", 2n ** 40n)]));
    expect((await owner.next(["result"])).payload.output).toEqual({ at: 2 ** 40 });
    // The owner's `result` leaves while its commit is in flight; the device's `ack` follows the commit.
    await device.next(["ack"]);
    expect((await baton.services.results.findByRunId(deviceId, start.runId))?.output).toEqual({ at: 2 ** 40 });

    // A run's deadline (1 s) comes and goes; the server is still here and the room still works.
    owner.send(UserToRoom.RUN, { sessionType: FREE.name, input: {} });
    expect((await owner.next(["ok", "error"])).type).toBe("ok");
    const timedOut = (await device.next(["start"])).payload;
    await sleep(1_500);
    expect((await owner.next(["run_failed"])).payload.runId).toBe(timedOut.runId);
    expect(await completeRun(owner, device, { weight: 1 })).toMatchObject({ output: { weight: 1 } });
    const runs = await baton.services.history.listRuns(deviceId, 50);
    expect(runs).toHaveLength(3);
    for (const run of runs) expect(isPlainJson(run.input) && (run.output === null || run.output === undefined || isPlainJson(run.output))).toBe(true);
  }, 20_000);
});

// ---------------------------------------------------------------- the property test

/** Values msgpack carries and JSON does not: each decodes to something other than plain JSON. */
const hostileLeaf: fc.Arbitrary<unknown> = fc.oneof(
  // 64-bit integers beyond ±(2^53 − 1) (within it they are exact JSON numbers, and accepted)
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }),
  fc.bigInt({ min: -(2n ** 63n), max: -(2n ** 53n) }),
  fc.uint8Array({ maxLength: 32 }),
  fc.float64Array({ maxLength: 8 }).map((array) => new Float64Array(array)),
  fc.constantFrom(Number.NaN, Infinity, -Infinity),
  fc.date({ noInvalidDate: true }),
  fc.integer({ min: 65, max: 400 }).map((depth) => { // deeper than any payload may nest
    let value: unknown = 1;
    for (let level = 0; level < depth; level++) value = level % 2 ? [value] : { d: value };
    return value;
  }),
);
/** Ordinary JSON around it, so the hostile part is not always at the top. */
const jsonAround = (leaf: fc.Arbitrary<unknown>): fc.Arbitrary<Record<string, unknown>> => fc.tuple(
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  fc.string({ minLength: 1, maxLength: 8 }),
  leaf,
  fc.nat(3),
).map(([plain, key, hostile, nesting]) => {
  let value: unknown = hostile;
  for (let level = 0; level < nesting; level++) value = level % 2 ? [1, value] : { [key]: value };
  return { ...plain, [`x${key}`]: value };
});
/** A hostile value inside a container (`undefined` too: ext 0 decodes to it). */
const hostileInside = jsonAround(fc.oneof(hostileLeaf, fc.constant(undefined)));

/** For each message type: a payload whose envelope is right and whose content is hostile. */
function hostilePayloads(epoch: number, runId: string): Record<string, fc.Arbitrary<unknown>> {
  const inField = (base: Record<string, unknown>, fields: string[]) =>
    fc.tuple(fc.constantFrom(...fields), hostileLeaf).map(([field, leaf]) => ({ ...base, [field]: leaf }));
  const claim = fc.record({ sessionType: fc.constant(FREE.name), input: hostileInside });
  return {
    [UserToRoom.CLAIM]: claim,
    [UserToRoom.ENQUEUE]: claim,
    [UserToRoom.RUN]: claim,
    [UserToRoom.CANCEL]: inField({}, ["requestId"]),
    [UserToRoom.RELEASE]: inField({}, ["requestId"]),
    [UserToRoom.LEAVE_QUEUE]: inField({}, ["requestId"]),
    [UserToRoom.ACCEPT]: inField({}, ["requestId"]),
    [UserToRoom.DECLINE]: inField({}, ["requestId"]),
    [UserToRoom.EXTEND]: inField({}, ["byMs", "requestId"]),
    [UserToRoom.RESULT_ACK]: inField({}, ["runId"]),
    [UserToRoom.HAND_OVER]: inField({ to: "bob" }, ["to", "requestId"]),
    [UserToRoom.WITHDRAW_HAND_OVER]: inField({}, ["requestId"]),
    [UserToRoom.ACCEPT_HAND_OVER]: inField({}, ["requestId"]),
    [UserToRoom.DECLINE_HAND_OVER]: inField({}, ["requestId"]),
    [UserToPool.CLAIM_ANY]: claim,
    [UserToPool.LEAVE_POOL]: inField({}, ["requestId"]),
    [DeviceToRoom.HELLO]: fc.tuple(hostileInside, fc.boolean()).map(([schema, nested]) => ({
      firmware: "hostile/1",
      sessionTypes: [{ name: "evil", maxDurationMs: 1_000, inputSchema: nested ? { type: "object", properties: { a: schema } } : schema }],
    })),
    [DeviceToRoom.ACCEPTED]: inField({ epoch, runId }, ["epoch", "runId"]),
    [DeviceToRoom.PROGRESS]: inField({ epoch, runId, progress: 0.5 }, ["epoch", "runId", "progress", "message"]),
    [DeviceToRoom.RESULT]: hostileInside.map((output) => ({ epoch, runId, output })),
    [DeviceToRoom.FAILED]: inField({ epoch, runId, code: "E", message: "m" }, ["epoch", "runId", "code", "message"]),
    [DeviceToRoom.READY]: inField({}, ["now"]),
    [DeviceToRoom.HEARTBEAT]: inField({}, ["uptimeMs"]),
  };
}

describe("hostile msgpack values in every message", () => {
  it("are each refused with INVALID_MESSAGE, never stall the loop for 100 ms, never reach the store, and a normal run works after", async () => {
    const { deviceId, device, owner } = await heldDevice("holder");
    // A run in flight, so the device's reports name a real run.
    owner.send(UserToRoom.RUN, { sessionType: FREE.name, input: {} });
    expect((await owner.next(["ok", "error"])).type).toBe("ok");
    const start = (await device.next(["start"])).payload;
    const pool = await rawJoin("pool", await baton.tokenFor("pool-waiter"), { pool: "test" });
    const payloads = hostilePayloads(start.epoch, start.runId);
    const senders: [string, Raw][] = [
      ...Object.values(UserToRoom).map((type): [string, Raw] => [type, owner]),
      ...Object.values(UserToPool).map((type): [string, Raw] => [type, pool]),
      // `telemetry` is answered at most once a second, so this test (one answer awaited per
      // message) cannot drive it: test/room/telemetry.test.ts sends it every hostile value.
      ...Object.values(DeviceToRoom).filter((type) => type !== DeviceToRoom.TELEMETRY).map((type): [string, Raw] => [type, device]),
    ];
    expect(Object.keys(payloads).sort()).toEqual(senders.map(([type]) => type).sort());

    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const startedAt = Date.now();
    let sent = 0;
    const message = fc.nat(senders.length - 1).chain((index) => payloads[senders[index]![0]]!.map((payload) => ({ type: senders[index]![0], payload })));
    await fc.assert(fc.asyncProperty(message, async ({ type, payload }) => {
      const sender = senders.find(([name]) => name === type)![1];
      sender.send(type, payload);
      sent++;
      const answer = await sender.next(["error", "ok"], 2_000);
      expect(answer.type).toBe("error");
      // A declared schema's depth has its own limit (32 levels) and code (declaredSchemas.test.ts).
      expect(answer.payload.code).toBe(type === DeviceToRoom.HELLO && answer.payload.code === "INVALID_CAPABILITIES" ? "INVALID_CAPABILITIES" : "INVALID_MESSAGE");
      expect(answer.payload.request).toBe(type);
    }), { numRuns: 1_000, seed: 20261207 });
    loop.disable();
    expect(sent).toBe(1_000);
    expect(Date.now() - startedAt).toBeLessThan(30_000);
    expect(loop.max / 1e6, "longest event-loop delay (ms)").toBeLessThan(100);

    // The run in flight times out (1 s), and a fresh run still works end to end.
    expect((await owner.next(["run_failed"], 3_000)).payload.runId).toBe(start.runId);
    expect(await completeRun(owner, device, { after: "fuzz" })).toMatchObject({ output: { after: "fuzz" } });

    // Nothing hostile reached the store: runs, delivered results, the device's state and its declared types.
    const runs = await baton.services.history.listRuns(deviceId, 100);
    expect(runs.length).toBe(2);
    for (const run of runs) {
      expect(isPlainJson(run.input)).toBe(true);
      if (run.output !== undefined && run.output !== null) expect(isPlainJson(run.output)).toBe(true);
      const result = await baton.services.results.findByRunId(deviceId, run.runId);
      if (result) expect(isPlainJson(result.output)).toBe(true);
    }
    const stored = await baton.services.deviceStates.load(deviceId);
    expect(JSON.stringify(stored?.device.sessionTypes.map((type) => type.name))).toBe(JSON.stringify([WEIGHING.name, FREE.name]));
    expect(isPlainJson(stored?.device.sessionTypes)).toBe(true);
  }, 40_000);
});
