/**
 * Bad input and hostile clients at the room edge: wrong shapes, unknown types, wrong roles,
 * floods, oversized frames, too many viewers, a device that hangs or whose network goes
 * silent. Each gets a stable code (or a documented close) and leaves the session intact.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { joinRaw } from "../support/rawClient.ts";
import { Client } from "@colyseus/sdk";
import { joinDevice, type DeviceSession } from "../support/deviceSession.ts";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, WEIGHING } from "../support/scriptedDevice.ts";
import { startTcpProxy } from "../support/tcpProxy.ts";
import { waitFor } from "../support/waitFor.ts";

let baton: TestBaton;
const open: { leave(): unknown }[] = [];
let deviceId = "";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  baton = await startBaton({
    timers: { deviceSilenceTimeoutMs: 700, deviceGraceMs: 5_000, runStepTimeoutMs: 60_000, ownerIdleTimeoutMs: 0 },
    config: { rateLimit: { perSecond: 10, burst: 10 }, maxSpectatorsPerDevice: 3, maxPayloadBytes: 4096, pingIntervalMs: 400 },
  });
});
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((connection) => Promise.race([connection.leave(), sleep(300)])));
});
afterAll(() => baton.shutdown());

async function user(userId: string): Promise<DeviceSession> {
  const session = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor(userId), deviceId });
  open.push(session);
  return session;
}

async function device(options: { cuttable?: boolean } = {}) {
  deviceId = freshDeviceId();
  const online = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING], options);
  open.push(online.device);
  return online.device;
}

describe("message edge", () => {
  it("answers malformed payloads with INVALID_MESSAGE and keeps the connection", async () => {
    const scale = await device();
    const owner = await user("alice");
    await waitFor(() => owner.state.device.online);
    owner.room.send("claim", { sessionType: 42 });
    const invalid = await owner.nextError();
    expect(invalid).toMatchObject({ code: "INVALID_MESSAGE", request: "claim" });
    expect(invalid.message).toContain("sessionType");
    owner.room.send("run", "not an object");
    expect((await owner.nextError()).code).toBe("INVALID_MESSAGE");
    owner.room.send("claim", { releaseOnComplete: true, extra: "field" });
    expect((await owner.nextError()).message).toContain("extra");
    scale.send("progress", { epoch: "one", runId: "r", progress: 2 });
    expect((await scale.next("error")).payload).toMatchObject({ code: "INVALID_MESSAGE", request: "progress" });
    // Still fully usable.
    owner.claim({ sessionType: "weighing", input: {} });
    const start = (await scale.next("start")).payload;
    scale.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 1 } });
    expect((await owner.nextResult()).output).toEqual({ weight: 1 });
  });

  it("answers unknown message types with UNKNOWN_MESSAGE instead of a kick", async () => {
    const scale = await device();
    const watcher = await user("bob");
    watcher.room.send("teleport", { to: "mars" });
    expect(await watcher.nextError()).toMatchObject({ code: "UNKNOWN_MESSAGE", request: "teleport" });
    watcher.room.send(7 as unknown as string, {});
    expect((await watcher.nextError()).code).toBe("UNKNOWN_MESSAGE");
    scale.send("selfdestruct", {});
    expect((await scale.next("error")).payload.code).toBe("UNKNOWN_MESSAGE");
    expect(watcher.room.connection.isOpen).toBe(true);
  });

  it("refuses messages from the wrong role with FORBIDDEN_MESSAGE", async () => {
    const scale = await device();
    const mallory = await user("mallory");
    await waitFor(() => mallory.state.device.online);
    mallory.room.send("result", { epoch: 0, runId: "r-x", output: {} });
    expect(await mallory.nextError()).toMatchObject({ code: "FORBIDDEN_MESSAGE", request: "result" });
    mallory.room.send("hello", { firmware: "evil", sessionTypes: [] });
    expect((await mallory.nextError()).code).toBe("FORBIDDEN_MESSAGE");
    scale.send("claim", {});
    expect((await scale.next("error")).payload).toMatchObject({ code: "FORBIDDEN_MESSAGE", request: "claim" });
    expect(mallory.state.device.sessionTypes.map((t) => t.name)).toEqual(["weighing"]);
  });

  it("refuses a hello whose input schema is not a JSON Schema with INVALID_CAPABILITIES", async () => {
    deviceId = freshDeviceId();
    const broken = await ScriptedDevice.connect(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
    open.push(broken);
    broken.send("hello", { firmware: "x", sessionTypes: [{ name: "w", maxDurationMs: 1000, inputSchema: { type: "nonsense" } }] });
    expect((await broken.next("error")).payload).toMatchObject({ code: "INVALID_CAPABILITIES", request: "hello" });
    const watcher = await user("carol");
    expect(watcher.state.device.online).toBe(false);
  });
});

describe("floods and limits", () => {
  it("rate-limits a flooding connection with one RATE_LIMITED per second, and others are unaffected", async () => {
    const scale = await device();
    const flooder = await user("flood");
    const owner = await user("dave");
    await waitFor(() => owner.state.device.online);
    owner.claim();
    await waitFor(() => owner.state.session.phase === "claimed");
    for (let index = 0; index < 50; index++) flooder.room.send("release", {});
    await sleep(200);
    const codes = flooder.errors.map((error) => error.code);
    expect(codes.filter((code) => code === "NOT_OWNER")).toHaveLength(10); // the burst
    expect(codes.filter((code) => code === "RATE_LIMITED")).toHaveLength(1); // told once, not 40 times
    owner.run("weighing", {});
    const start = (await scale.next("start")).payload;
    scale.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 2 } });
    expect((await owner.nextResult()).output).toEqual({ weight: 2 });
    await sleep(1_100); // the bucket refills
    flooder.room.send("release", {});
    expect((await flooder.nextError()).code).toBe("NOT_OWNER");
  });

  it("refuses viewers beyond BATON_MAX_SPECTATORS with ROOM_FULL", async () => {
    await device();
    await user("v1");
    await user("v2");
    await user("v3");
    const late = new Client(baton.httpUrl);
    late.auth.token = await baton.tokenFor("v4");
    await expect(late.joinOrCreate("device", { deviceId })).rejects.toThrow(/^ROOM_FULL: /);
    // Still exactly one room for the device (a locked room would have made joinOrCreate create a second).
    const { matchMaker } = await import("@colyseus/core");
    expect(await matchMaker.query({ name: "device", roomId: deviceId })).toHaveLength(1);
    expect(baton.colyseus.getRoomById(deviceId).clients.length).toBe(4); // the device and three viewers
  });

  it("closes a socket that sends a frame above BATON_MAX_PAYLOAD_BYTES with 1009, and nothing else", async () => {
    const scale = await device();
    const owner = await user("erin");
    const { socket } = await joinRaw(baton.httpUrl, await baton.tokenFor("big"), { deviceId });
    const closed = new Promise<number>((resolve) => socket.once("close", resolve));
    socket.send(Buffer.alloc(10_000, 0x0d));
    expect(await closed).toBe(1009);
    // Everyone else carries on.
    owner.claim({ sessionType: "weighing", input: {} });
    const start = (await scale.next("start")).payload;
    scale.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 3 } });
    expect((await owner.nextResult()).output).toEqual({ weight: 3 });
  });
});

describe("device liveness", () => {
  it("disconnects a device that goes silent during a session (close 4103) and shows it offline", async () => {
    const scale = await device();
    const owner = await user("fay");
    await waitFor(() => owner.state.device.online);
    owner.claim({ sessionType: "weighing", input: {} });
    await scale.next("start");
    const left = new Promise<number>((resolve) => scale.room.onLeave((code) => resolve(code)));
    expect(await left).toBe(4103);
    await waitFor(() => !owner.state.device.online);
    expect(owner.state.session.phase).toBe("running"); // the device grace keeps the run
  });

  it("does not kick a device that was quiet while idle when someone claims it", async () => {
    const scale = await device();
    const owner = await user("ida");
    await waitFor(() => owner.state.device.online);
    await sleep(1_000); // longer than the 700 ms silence timeout, but no session yet
    owner.claim({ sessionType: "weighing", input: {} });
    const start = (await scale.next("start")).payload;
    scale.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 4 } });
    expect((await owner.nextResult()).output).toEqual({ weight: 4 });
    expect(owner.state.device.online).toBe(true);
  });

  it("keeps a silent-but-heartbeating device during a session", async () => {
    const scale = await device();
    const owner = await user("gus");
    await waitFor(() => owner.state.device.online);
    owner.claim();
    for (let beat = 0; beat < 8; beat++) {
      await sleep(250);
      scale.send("heartbeat", { uptimeMs: beat * 250 });
    }
    expect(owner.state.device.online).toBe(true);
  });

  it("notices a device whose network goes dead without closing, within a few ping periods", async () => {
    deviceId = freshDeviceId();
    const proxy = await startTcpProxy(baton.port);
    open.push({ leave: () => proxy.close() });
    const online = await ScriptedDevice.online(proxy.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING]);
    open.push(online.device);
    const watcher = await user("hal");
    await waitFor(() => watcher.state.device.online);
    const frozenAt = Date.now();
    proxy.freeze();
    await waitFor(() => !watcher.state.device.online, 5_000, "device shown offline");
    const noticedAfter = Date.now() - frozenAt;
    expect(noticedAfter).toBeLessThan(4 * 400 + 500); // ping 400 ms, two missed pongs
  });
});
