/**
 * Fuzzing the device room over real sockets, seeded and bounded: more than 10,000
 * malformed frames — random bytes, random msgpack values of every type at every message
 * type, truncated frames, huge strings, stray protocol codes — from each role (the device,
 * a spectator, and a second tab of the owner). Afterwards the server must be up, the owner
 * must still hold the device with the same epoch, and a normal session must complete.
 *
 * Reproduce a failure with FUZZ_SEED=<seed printed in the test name>.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { decodeMulti, encode, ExtData } from "@msgpack/msgpack";
import { joinDevice } from "../support/deviceSession.ts";
import { DeviceToRoom, UserToRoom } from "@baton/protocol";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, WEIGHING } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";
import { joinRaw } from "../support/rawClient.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const FRAMES_PER_ROLE = 3_400;
const MAX_PAYLOAD_BYTES = 16_384;

/** mulberry32: small, fast, seeded — the same seed gives the same frames. */
function randomSource(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]) => items[int(items.length)];
  return { next, int, pick };
}
type Random = ReturnType<typeof randomSource>;

const FIELD_NAMES = ["epoch", "runId", "sessionType", "input", "output", "progress", "message", "code", "firmware", "sessionTypes", "releaseOnComplete", "name", "inputSchema", "maxDurationMs", "uptimeMs", "__proto__", "constructor"];
const MESSAGE_TYPES = [...Object.values(UserToRoom), ...Object.values(DeviceToRoom), "", "welcome", "start", "ack", "x".repeat(300)];

function randomString(random: Random, maxLength: number): string {
  const length = random.int(maxLength);
  let text = "";
  for (let index = 0; index < length; index++) text += String.fromCharCode(random.pick([32 + random.int(95), random.int(0xd7ff), 0]));
  return text;
}

/** A msgpack-encodable value of any type, nested up to `depth`. */
function randomValue(random: Random, depth = 3): unknown {
  switch (random.int(depth > 0 ? 13 : 10)) {
    case 0: return null;
    case 1: return random.next() < 0.5;
    case 2: return random.int(256) - 128;
    case 3: return random.pick([2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53), 2 ** 64, Number.NaN, Infinity, -Infinity, -0]);
    case 4: return random.next() * 1e6 - 5e5;
    case 5: return randomString(random, 40);
    case 6: return "Z".repeat(random.pick([255, 256, 65_536, 12_000]));
    case 7: return new Uint8Array(random.int(64)).map(() => random.int(256));
    case 8: return new ExtData(random.int(127), new Uint8Array(random.int(16)));
    case 9: return random.int(2) ? BigInt(random.int(1_000_000)) * 10n ** 15n : undefined;
    case 10: return Array.from({ length: random.int(6) }, () => randomValue(random, depth - 1));
    case 11:
    case 12: {
      const map: Record<string, unknown> = {};
      for (let index = random.int(6); index > 0; index--) map[random.next() < 0.7 ? random.pick(FIELD_NAMES) : randomString(random, 12)] = randomValue(random, depth - 1);
      return map;
    }
  }
  return null;
}

function encodeType(type: string): Uint8Array {
  return encode(type);
}

function roomData(type: string, payload: unknown): Buffer {
  const body = payload === undefined ? new Uint8Array() : encode(payload, { useBigInt64: true, ignoreUndefined: true });
  return Buffer.concat([Buffer.from([0x0d]), encodeType(type), body]);
}

/** One malformed (or merely surprising) frame, never of the `excluded` message types. */
function randomFrame(random: Random, excluded: ReadonlySet<string> = new Set()): Buffer {
  const frame = anyFrame(random);
  const type = frame[0] === 0x0d ? /^[\x20-\x7e]+/.exec(frame.subarray(2, 2 + (frame[1] & 0x1f)).toString("latin1"))?.[0] : undefined;
  return type !== undefined && excluded.has(type) ? roomData("teleport", {}) : frame;
}

function anyFrame(random: Random): Buffer {
  switch (random.int(6)) {
    case 0: { // random bytes, but never a LEAVE (0x0C): a leave is a polite goodbye, not an attack
      const bytes = Buffer.from(Array.from({ length: random.int(64) }, () => random.int(256)));
      if (bytes[0] === 0x0c) bytes[0] = 0x0d;
      return bytes;
    }
    case 1:
    case 2: // a real message type with a random value of any type
      return roomData(random.pick(MESSAGE_TYPES), randomValue(random));
    case 3: { // a valid-looking frame cut short
      const whole = roomData(random.pick(MESSAGE_TYPES), { epoch: 1, runId: "r-1", sessionType: "weighing", input: { userAge: 3 }, output: { weight: 1 } });
      return whole.subarray(0, 1 + random.int(whole.length - 1));
    }
    case 4: { // huge strings in every field of a real message
      const field = random.pick(FIELD_NAMES);
      return roomData(random.pick(MESSAGE_TYPES), { [field]: "H".repeat(random.pick([300, 5_000, 15_000])) });
    }
    default: { // other protocol codes with junk after them
      const code = random.pick([0x0a, 0x0b, 0x0e, 0x0f, 0x10, 0x12, 0x00, 0xff]);
      return Buffer.concat([Buffer.from([code]), Buffer.from(Array.from({ length: random.int(32) }, () => random.int(256)))]);
    }
  }
}

/** A raw client that keeps itself joined: when the server closes it (e.g. frame too large), it rejoins. */
async function rawConnection(httpUrl: string, token: string, options: Record<string, unknown>, onJoined?: (socket: WebSocket) => void) {
  let socket!: WebSocket;
  let closes = 0;
  const errorCodes = new Map<string, number>();
  let oversized = 0;
  const join = async () => {
    socket = (await joinRaw(httpUrl, token, options)).socket;
    onJoined?.(socket);
    socket.once("close", () => closes++);
    socket.on("message", (data: Buffer) => {
      if (data[0] !== 0x0d) return;
      try {
        const [type, payload] = [...decodeMulti(data.subarray(1))] as [string, { code?: string }];
        if (type === "error" && payload?.code) errorCodes.set(payload.code, (errorCodes.get(payload.code) ?? 0) + 1);
      } catch { /* not ours to judge here */ }
    });
  };
  await join();
  return {
    async send(frame: Buffer) {
      if (socket.readyState !== WebSocket.OPEN) await join();
      if (frame.length <= MAX_PAYLOAD_BYTES) {
        socket.send(frame);
        return;
      }
      // Above the limit the server closes the socket (1009, as documented); wait for that
      // and rejoin, so the frames after it are not lost in a dead socket.
      const closed = new Promise((resolve) => socket.once("close", resolve));
      socket.send(frame);
      await closed;
      oversized++;
    },
    /** Lets the server catch up, so the flood measures robustness, not socket buffering. */
    async settle() {
      await new Promise<void>((resolve) => socket.readyState === WebSocket.OPEN ? socket.ping(undefined, undefined, () => setTimeout(resolve, 5)) : resolve());
    },
    get closes() { return closes; },
    get oversized() { return oversized; },
    errorCodes,
    close: () => socket.close(),
  };
}

let baton: TestBaton;
beforeAll(async () => {
  baton = await startBaton({ timers: { deviceGraceMs: 120_000, ownerIdleTimeoutMs: 0, deviceSilenceTimeoutMs: 0 }, config: { maxPayloadBytes: MAX_PAYLOAD_BYTES } });
});
afterAll(() => baton.shutdown());

it(`survives ${3 * FRAMES_PER_ROLE} malformed frames from every role and then completes a normal session (seed ${SEED})`, async () => {
  const random = randomSource(SEED);
  const deviceId = freshDeviceId();
  const hello = roomData("hello", { firmware: "fuzz", sessionTypes: [WEIGHING] });

  // The fuzzing device is the device: it says hello each time it (re)joins.
  const device = await rawConnection(baton.httpUrl, TEST_DEVICE_SECRET, { deviceId, role: "device" }, (socket) => socket.send(hello));
  const owner = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("owner", "Owner"), deviceId });
  await waitFor(() => owner.state.device.online);
  owner.claim();
  await waitFor(() => owner.state.session.phase === "claimed");
  const epoch = owner.state.session.epoch;

  const spectator = await rawConnection(baton.httpUrl, await baton.tokenFor("spectator"), { deviceId });
  const ownerSecondTab = await rawConnection(baton.httpUrl, await baton.tokenFor("owner", "Owner"), { deviceId });
  const fuzzers = [device, spectator, ownerSecondTab];
  // A well-formed `release` or `cancel` from the owner's own tab is the owner's will, not an
  // attack: that tab fuzzes everything else.
  const excludedFor = new Map([[ownerSecondTab, new Set<string>([UserToRoom.RELEASE, UserToRoom.CANCEL])]]);

  const startedAt = Date.now();
  let sent = 0;
  for (let index = 0; index < FRAMES_PER_ROLE; index++) {
    for (const fuzzer of fuzzers) {
      await fuzzer.send(randomFrame(random, excludedFor.get(fuzzer)));
      sent++;
    }
    if (index % 200 === 199) await Promise.all(fuzzers.map((fuzzer) => fuzzer.settle()));
    expect(Date.now() - startedAt, "fuzzing must stay bounded in time").toBeLessThan(60_000);
  }
  await Promise.all(fuzzers.map((fuzzer) => fuzzer.settle()));
  expect(sent).toBeGreaterThanOrEqual(10_000);
  // The frames reached the room and were answered, from every role (not merely dropped by a socket).
  for (const fuzzer of [...fuzzers].reverse()) {
    const answered = [...fuzzer.errorCodes.values()].reduce((sum, count) => sum + count, 0);
    expect(answered, JSON.stringify([...fuzzer.errorCodes])).toBeGreaterThan(FRAMES_PER_ROLE / 3);
    expect(fuzzer.errorCodes.get("INVALID_MESSAGE")).toBeGreaterThan(0);
    expect(fuzzer.closes).toBe(fuzzer.oversized); // the only closes are the documented 1009s
  }

  // The server is up and answers HTTP.
  expect((await fetch(`${baton.httpUrl}/health`)).status).toBe(200);
  // The owner's session is intact: same holder, same epoch, nothing started on the device.
  expect(owner.state.session).toMatchObject({ ownerId: "owner", epoch });
  expect(["claimed"]).toContain(owner.state.session.phase);

  // The device is usable: a well-behaved device connects (replacing the fuzzer) and a run completes.
  fuzzers.forEach((fuzzer) => fuzzer.close());
  const { device: scale, welcome } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING]);
  expect(welcome).toMatchObject({ epoch, phase: "claimed" });
  owner.run("weighing", { userAge: 33 });
  const start = (await scale.next("start")).payload;
  scale.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 77.7 } });
  expect((await owner.nextResult()).output).toEqual({ weight: 77.7 });
  owner.release();
  await waitFor(() => owner.state.session.phase === "idle" && owner.state.session.endReason === "released");
  await Promise.all([owner.leave(), scale.leave()]);
}, 120_000);
