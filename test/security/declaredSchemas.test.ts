/**
 * What a device declares in `hello` is untrusted input: the run-input JSON Schemas are
 * compiled by the server and then run against every user's input. A declared regular
 * expression must not be able to freeze the server (ReDoS: `^(a+)+$` against 29 × "a" + "!"
 * backtracks for seconds in JavaScript's engine, blocking every room), and a declared schema
 * must be small, shallow and self-contained. Refusals are INVALID_CAPABILITIES.
 * Real sockets: a scripted device declares, a user claims, the event loop is watched.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { joinDevice, type DeviceSession } from "../support/deviceSession.ts";
import type { SessionTypeSpec } from "@baton/protocol";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice } from "../support/scriptedDevice.ts";
import { joinRaw } from "../support/rawClient.ts";
import { waitFor } from "../support/waitFor.ts";

let baton: TestBaton;
const open: { leave(): unknown }[] = [];

beforeAll(async () => {
  baton = await startBaton({ config: { mode: "production" } });
});
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((connection) => connection.leave()));
});
afterAll(() => baton.shutdown());

function sessionType(inputSchema: Record<string, unknown>, name = "naming"): SessionTypeSpec {
  return { name, maxDurationMs: 10_000, inputSchema };
}

/** A device that declares `sessionTypes`; resolves with the first answer: welcome or error. */
async function declare(sessionTypes: SessionTypeSpec[]) {
  const deviceId = freshDeviceId();
  const device = await ScriptedDevice.connect(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
  open.push(device);
  const answer = Promise.race([device.next("welcome").then((message) => ({ welcome: message.payload })), device.next("error").then((message) => ({ error: message.payload }))]);
  device.send("hello", { firmware: "hostile/1.0", sessionTypes });
  return { deviceId, device, answer: (await answer) as { welcome?: unknown; error?: { code: string; message: string } } };
}

async function expectRefused(sessionTypes: SessionTypeSpec[], sentence: RegExp) {
  const { answer } = await declare(sessionTypes);
  expect(answer.error, `expected a refusal, got ${JSON.stringify(answer)}`).toBeDefined();
  expect(answer.error!.code).toBe("INVALID_CAPABILITIES");
  expect(answer.error!.message).toMatch(sentence);
}

async function owner(deviceId: string): Promise<DeviceSession> {
  const session = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("alice"), deviceId });
  open.push(session);
  await waitFor(() => session.state.device.online);
  return session;
}

/** Runs `action` while sampling the event loop's delay; returns the worst delay seen in ms. */
async function worstLoopDelayDuring(action: () => Promise<unknown>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    await action();
  } finally {
    histogram.disable();
  }
  return histogram.max / 1e6;
}

describe("declared regular expressions run in linear time", () => {
  it("answers a claim against ^(a+)+$ with 29 × 'a' + '!' at once, without blocking the event loop", async () => {
    const { deviceId, device, answer } = await declare([sessionType({ type: "object", properties: { name: { type: "string", pattern: "^(a+)+$" } } })]);
    expect(answer.welcome).toBeDefined();
    const alice = await owner(deviceId);
    const started = performance.now();
    const worst = await worstLoopDelayDuring(async () => {
      alice.claim({ sessionType: "naming", input: { name: `${"a".repeat(29)}!` } });
      expect((await alice.nextError(5_000)).code).toBe("INVALID_INPUT");
    });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(worst).toBeLessThan(200);
    // The pattern still means what it says: a matching input reaches the device.
    alice.claim({ sessionType: "naming", input: { name: "aaaa" } });
    expect((await device.next("start")).payload.input).toEqual({ name: "aaaa" });
  });

  it("also for patternProperties", async () => {
    const { deviceId, answer } = await declare([sessionType({ type: "object", patternProperties: { "^(a|aa)+$": { type: "integer" } }, additionalProperties: false })]);
    expect(answer.welcome).toBeDefined();
    const alice = await owner(deviceId);
    const worst = await worstLoopDelayDuring(async () => {
      alice.claim({ sessionType: "naming", input: { [`${"a".repeat(40)}!`]: 1 } });
      expect((await alice.nextError(5_000)).code).toBe("INVALID_INPUT");
    });
    expect(worst).toBeLessThan(200);
  });

  it("refuses patterns a linear-time engine cannot run (backreferences, lookaround)", async () => {
    await expectRefused([sessionType({ type: "object", properties: { x: { type: "string", pattern: "^(a+)\\1$" } } })], /pattern/);
    await expectRefused([sessionType({ type: "object", properties: { x: { type: "string", pattern: "^(?=a)a+$" } } })], /pattern/);
    await expectRefused([sessionType({ type: "object", patternProperties: { "(?<!x)y": { type: "integer" } } })], /pattern "\(\?<!x\)y" cannot run in linear time/);
  });

  it("refuses formats outside the linear-time allow-list, naming the allowed ones", async () => {
    // ajv-formats' "url" backtracks for seconds on long inputs; "regex" compiles the input.
    await expectRefused([sessionType({ type: "object", properties: { site: { type: "string", format: "url" } } })], /format "url".*date-time/);
    await expectRefused([sessionType({ type: "object", properties: { re: { type: "string", format: "regex" } } })], /format "regex"/);
    // A property that happens to be called "format" is not a keyword.
    const { answer } = await declare([sessionType({ type: "object", properties: { format: { enum: ["A4", "A5"] }, when: { type: "string", format: "date-time" } } })]);
    expect(answer.welcome).toBeDefined();
  });
});

describe("declared schemas cannot make validation exponential", () => {
  // Issue 18, finding 2: ~200 bytes that passed every other limit; each level of input tries
  // both branches, each recursing, so a 63-byte input 28 arrays deep blocked the loop 22 s.
  const recursive = { type: "object", properties: { x: { $ref: "#/$defs/r" } }, $defs: { r: { anyOf: [{ type: "array", items: { $ref: "#/$defs/r" } }, { type: "array", items: { $ref: "#/$defs/r" } }] } } };

  it("refuses a self-recursive anyOf + $ref at hello, without blocking the event loop", async () => {
    let worst = 0;
    worst = await worstLoopDelayDuring(() => expectRefused([sessionType(recursive)], /Session type "naming": .*makes the schema recursive/));
    expect(worst).toBeLessThan(200);
  });

  it("refuses a $ref chain that doubles at every step, and $dynamicRef", async () => {
    const defs: Record<string, unknown> = { d30: { type: "integer" } };
    for (let step = 0; step < 30; step++) defs[`d${step}`] = { anyOf: [{ $ref: `#/$defs/d${step + 1}` }, { $ref: `#/$defs/d${step + 1}` }] };
    await expectRefused([sessionType({ type: "object", properties: { x: { $ref: "#/$defs/d0" } }, $defs: defs })], /expands to more than 65536 bytes/);
    await expectRefused([sessionType({ type: "object", properties: { x: { $dynamicRef: "#" } } })], /\$dynamicRef: declared schemas may not be recursive/);
  });

  it("answers an input too large for its schema's work budget with INVALID_INPUT, before validating it", async () => {
    const heavy = { type: "object", properties: { list: { type: "array", items: { allOf: Array.from({ length: 300 }, () => ({ minimum: 1 })) } } } };
    const { deviceId, answer } = await declare([sessionType(heavy)]);
    expect(answer.welcome).toBeDefined();
    const alice = await owner(deviceId);
    alice.claim({ sessionType: "naming", input: { list: Array.from({ length: 3_000 }, () => 2) } });
    const refusal = await alice.nextError(5_000);
    expect(refusal.code).toBe("INVALID_INPUT");
    expect(refusal.message).toMatch(/input is too large for session type "naming": its schema allows at most \d+ units/);
  });
});

describe("a re-declared session type reaches every client", () => {
  it("shows spectators the new schema when the device declares a changed one under the same name", async () => {
    const before = { type: "object", properties: { age: { type: "integer" } } };
    const after = { type: "object", properties: { age: { type: "integer", minimum: 18 }, name: { type: "string" } }, required: ["name"] };
    const { deviceId, device, answer } = await declare([sessionType(before)]);
    expect(answer.welcome).toBeDefined();
    const spectator = await owner(deviceId);
    // The room state carries each schema as JSON text.
    expect(JSON.parse(spectator.state.device.sessionTypes[0]?.inputSchema ?? "null")).toEqual(before);
    open.splice(open.indexOf(device), 1); // left here, not again after the test
    await device.leave();
    await waitFor(() => !spectator.state.device.online);
    const again = await ScriptedDevice.connect(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
    open.push(again);
    const welcome = again.next("welcome");
    again.send("hello", { firmware: "hostile/1.1", sessionTypes: [sessionType(after)] });
    await welcome;
    await waitFor(() => spectator.state.device.online && spectator.state.device.firmware === "hostile/1.1");
    await waitFor(() => spectator.state.device.sessionTypes[0]?.inputSchema === JSON.stringify(after), 5_000, "the spectator's state to show the re-declared schema");
    expect(spectator.state.device.sessionTypes.map((type) => type.name)).toEqual(["naming"]);
  });
});

describe("declared schemas are bounded and self-contained", () => {
  it("refuses a schema nested deeper than the limit", async () => {
    let schema: Record<string, unknown> = { type: "integer" };
    for (let level = 0; level < 40; level++) schema = { type: "object", properties: { x: schema } };
    await expectRefused([sessionType(schema)], /nested deeper than 32/);
  });

  it("refuses thousands of levels of nesting as calmly (a raw frame: the SDK cannot even encode it)", async () => {
    const device = await joinRaw(baton.httpUrl, TEST_DEVICE_SECRET, { deviceId: freshDeviceId(), role: "device" });
    open.push({ leave: () => device.close() });
    // ROOM_DATA "hello" {firmware, sessionTypes: [{name, maxDurationMs, inputSchema: {enum: [[[…1…]]]}}]}, 15,000 arrays deep.
    const text = (value: string) => Buffer.concat([Buffer.from([0xa0 | value.length]), Buffer.from(value)]);
    const frame = Buffer.concat([
      Buffer.from([0x0d]), text("hello"),
      Buffer.from([0x82]), text("firmware"), text("deep"), text("sessionTypes"),
      Buffer.from([0x91, 0x83]), text("name"), text("deep"), text("maxDurationMs"), Buffer.from([0x01]),
      text("inputSchema"), Buffer.from([0x81]), text("enum"), Buffer.alloc(15_000, 0x91), Buffer.from([0x01]),
    ]);
    device.socket.send(frame);
    await waitFor(() => device.frames.some((received) => received.includes("INVALID_CAPABILITIES")));
    expect(Buffer.concat(device.frames).toString("latin1")).toContain("nested deeper than 32");
    expect((await fetch(`${baton.httpUrl}/health`)).status).toBe(200);
  });

  it("refuses a schema larger than the limit", async () => {
    const properties = Object.fromEntries(Array.from({ length: 300 }, (_, index) => [`field${index}`, { type: "integer", minimum: 0 }]));
    await expectRefused([sessionType({ type: "object", properties })], /larger than 8192 bytes/);
  });

  it("refuses declarations larger than the limit in total", async () => {
    const properties = Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`field${index}`, { type: "integer", minimum: 0 }]));
    const types = Array.from({ length: 12 }, (_, index) => sessionType({ type: "object", properties }, `type${index}`));
    await expectRefused(types, /more than 32768 bytes of input schemas/);
  });

  it("refuses references to anything but the schema itself, and $id (schemas are not shared between devices)", async () => {
    await expectRefused([sessionType({ $ref: "https://evil.example/schema.json" })], /\$ref/);
    await expectRefused([sessionType({ type: "object", properties: { x: { $ref: "other-device#/x" } } })], /\$ref/);
    await expectRefused([sessionType({ $id: "urn:shared", type: "object" })], /\$id/);
    const local = { $defs: { age: { type: "integer", minimum: 0 } }, type: "object", properties: { age: { $ref: "#/$defs/age" } } };
    const { answer } = await declare([sessionType(local)]);
    expect(answer.welcome).toBeDefined();
  });

  it("refuses uniqueItems that would compare every pair of items, unless they are few", async () => {
    await expectRefused([sessionType({ type: "object", properties: { list: { type: "array", uniqueItems: true } } })], /uniqueItems needs items of a scalar type/);
    const scalar = { type: "object", properties: { list: { type: "array", uniqueItems: true, items: { type: "integer" } } } };
    const few = { type: "object", properties: { list: { type: "array", uniqueItems: true, maxItems: 20 } } };
    const { answer } = await declare([sessionType(scalar), sessionType(few, "few")]);
    expect(answer.welcome).toBeDefined();
  });

  it("compiles the largest declaration the limits allow without blocking the event loop", async () => {
    // 4 types × ~8 KB, each with many patterns: the worst compile cost a device can ask for.
    const properties = Object.fromEntries(Array.from({ length: 70 }, (_, index) => [`f${index}`, { type: "string", pattern: `^(x${index}|y)+[a-z]{1,8}$`, maxLength: 64 }]));
    const types = Array.from({ length: 4 }, (_, index) => sessionType({ type: "object", properties, additionalProperties: false }, `big${index}`));
    expect(JSON.stringify(types[0].inputSchema).length).toBeLessThan(8192);
    let answer: { welcome?: unknown } = {};
    const worst = await worstLoopDelayDuring(async () => ({ answer } = await declare(types)));
    expect(answer.welcome).toBeDefined();
    expect(worst).toBeLessThan(200);
  });
});

describe("declared output schemas pass the same bounds (issue 22 item 4)", () => {
  const withOutput = (outputSchema: Record<string, unknown>, name = "naming"): SessionTypeSpec => ({ ...sessionType({ type: "object" }, name), outputSchema });

  it("refuses a recursive $ref, a foreign $ref, an $id, and a pattern RE2 cannot run — naming outputSchema", async () => {
    await expectRefused([withOutput({ $defs: { r: { anyOf: [{ $ref: "#/$defs/r" }] } }, $ref: "#/$defs/r" })], /Session type "naming": outputSchema at #\/\$defs\/r.*makes the schema recursive/);
    await expectRefused([withOutput({ type: "object", properties: { x: { $ref: "https://evil.example/x.json" } } })], /outputSchema\.properties\.x\.\$ref must point inside the schema/);
    await expectRefused([withOutput({ $id: "urn:shared", type: "object" })], /outputSchema may not use \$id/);
    await expectRefused([withOutput({ type: "object", properties: { x: { type: "string", pattern: "^(a)\\1$" } } })], /outputSchema/);
  });

  it("refuses one larger than the limit, and counts output schemas in the declaration's total", async () => {
    const properties = Object.fromEntries(Array.from({ length: 300 }, (_, index) => [`field${index}`, { type: "number", title: `Field ${index}` }]));
    await expectRefused([withOutput({ type: "object", properties })], /outputSchema is \d+ bytes of JSON, larger than 8192 bytes/);
    // Twelve types of ~2.7 KB output schemas: each within its own limit, together over 32 KB.
    const some = Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`field${index}`, { type: "integer", minimum: 0 }]));
    await expectRefused(Array.from({ length: 12 }, (_, index) => withOutput({ type: "object", properties: some }, `type${index}`)), /no more than 32768 bytes of input schemas and output schemas in total/);
  });

  it("checks the display keywords: x-unit is a short text, x-decimals a small whole number", async () => {
    await expectRefused([withOutput({ type: "object", properties: { weight: { type: "number", "x-unit": 5 } } })], /outputSchema\.properties\.weight: x-unit must be a unit of 1 to 32 characters/);
    await expectRefused([withOutput({ type: "object", properties: { weight: { type: "number", "x-unit": "k".repeat(33) } } })], /x-unit must be/);
    await expectRefused([withOutput({ type: "object", properties: { weight: { type: "number", "x-decimals": 1.5 } } })], /x-decimals must be a whole number from 0 to 10/);
    const { answer } = await declare([withOutput({ type: "object", properties: { weight: { type: "number", title: "Weight", "x-unit": "kg", "x-decimals": 1 } } })]);
    expect(answer.welcome).toBeDefined();
  });
});
