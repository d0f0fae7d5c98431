/**
 * End to end with the C firmware: the real server (started here), the virtual device built
 * from the same C sources as the ESP32 firmware (`baton-vdevice`, a child process speaking
 * the raw Colyseus protocol over libwebsockets), and real SDK users. Build it first with
 * `bash scripts/firmware-test.sh`; without the binary these tests fail, they do not skip.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { joinDevice, type DeviceSession } from "../support/deviceSession.ts";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { waitFor } from "../support/waitFor.ts";
import { requireVdeviceBinary, runCleanups, startSwitchableProxy, startVdevice, stopAllVdevices, tempStateDir, type Vdevice } from "./support-firmware.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const FIRMWARE = "baton-vdevice/0.1.0";

let baton: TestBaton;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  requireVdeviceBinary();
  baton = await startBaton({ timers: { ownerIdleTimeoutMs: 0 } });
});
afterEach(() => runCleanups(cleanups));
afterAll(async () => {
  await stopAllVdevices();
  await baton?.shutdown();
});

function vdevice(server: { httpUrl: string }, deviceId: string, instrument: "scale" | "printer" | "lab", stateFile: string, speed = 4): Vdevice {
  return startVdevice({ url: server.httpUrl, deviceId, secret: TEST_DEVICE_SECRET, instrument, stateFile, speed });
}

function stateFile(): string {
  const dir = tempStateDir();
  cleanups.push(dir.remove);
  return dir.file;
}

async function user(server: TestBaton, deviceId: string, userId: string): Promise<DeviceSession> {
  const session = await joinDevice({ url: server.httpUrl, token: await server.tokenFor(userId, userId.toUpperCase()), deviceId });
  cleanups.push(() => session.leave());
  return session;
}

/** Resolves after `ms`, to let duplicates (if any) arrive before counting. */
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the C virtual device against the real server", () => {
  it("weighs: claim+run with releaseOnComplete → result at the owner → ack at the device → session completed", async () => {
    const deviceId = freshDeviceId();
    const device = vdevice(baton, deviceId, "scale", stateFile());
    await device.waitForEvent((event) => event.name === "joined", 20_000, "joined");
    const owner = await user(baton, deviceId, "alice");
    const spectator = await user(baton, deviceId, "sam");
    await waitFor(() => spectator.state.device.online && spectator.state.device.firmware === FIRMWARE, 5_000, "spectator sees the C device online");
    expect(spectator.state.device.sessionTypes.map((type) => type.name)).toEqual(["weighing"]);
    // The C scale declares the one weighing output schema, titles and units included (issue 22):
    // the shared file without its document keys, as the TypeScript simulator declares it.
    const { $schema: _schema, $id: _id, title: _title, description: _description, ...declarable } = JSON.parse(readFileSync(path.join(repoRoot, "shared/instruments/weighing.output.schema.json"), "utf8"));
    expect(JSON.parse(spectator.state.device.sessionTypes[0]!.outputSchema)).toEqual(declarable);

    owner.claim({ sessionType: "weighing", input: { userAge: 40, userGender: "other", heightCm: 175 }, releaseOnComplete: true });
    const result = await owner.nextResult(8_000);
    expect(result.sessionType).toBe("weighing");
    expect(result.output).toMatchObject({ unit: "kg", stable: true });
    expect(typeof result.output.weight).toBe("number");
    expect(typeof result.output.bmi).toBe("number"); // heightCm given → bmi
    // The one output shape of every scale, the simulator's included (client/src/simulator/instruments.test.ts).
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(readFileSync(path.join(repoRoot, "shared/instruments/weighing.output.schema.json"), "utf8")));
    expect(validate(result.output), JSON.stringify(validate.errors)).toBe(true);
    await device.waitForEvent((event) => event.name === "result-acked" && event.runId === result.runId, 5_000, "result-acked");
    expect(device.count("start", result.runId)).toBe(1);
    await waitFor(() => spectator.state.session.phase === "idle" && spectator.state.session.endReason === "completed", 5_000, "session ended completed");
    expect(spectator.results).toHaveLength(0); // results go to the owner only
    const stored = await baton.services.results.findByRunId(deviceId, result.runId);
    expect(stored).toMatchObject({ status: "delivered", userId: "alice", epoch: 1 });

    // A second user's session runs at epoch 2; the device acts on it, and on nothing older.
    await device.waitForEvent((event) => event.name === "ready", 5_000, "ready");
    const second = await user(baton, deviceId, "bea");
    second.claim({ sessionType: "weighing", input: {}, releaseOnComplete: true });
    const secondResult = await second.nextResult(8_000);
    // The owner's `result` leaves while its commit is in flight (DESIGN.md, "Message ordering
    // against commits"); the device's `ack` waits for it: stored once the device is acknowledged.
    await device.waitForEvent((event) => event.name === "result-acked" && event.runId === secondResult.runId, 5_000, "second ack");
    expect(await baton.services.results.findByRunId(deviceId, secondResult.runId)).toMatchObject({ status: "delivered", userId: "bea", epoch: 2 });
    expect(baton.events).toContainEqual(expect.objectContaining({ type: "run.started", deviceId, runId: secondResult.runId, epoch: 2 }));
    expect(device.count("stale-command")).toBe(0);
    expect(device.count("protocol-error")).toBe(0);
    expect(owner.results).toHaveLength(1);

    expect(await device.stop("SIGTERM")).toBe(0); // a clean leave: LEAVE_ROOM, exit 0
    await waitFor(() => !spectator.state.device.online, 3_000, "device offline at once after leaving");
  });

  it("kill -9 mid-print, restart with the same state file: the run completes and the owner gets exactly one result", async () => {
    const deviceId = freshDeviceId();
    const file = stateFile();
    const first = vdevice(baton, deviceId, "printer", file, 4); // 10 s print at 4× = 2.5 s
    await first.waitForEvent((event) => event.name === "joined", 20_000, "joined");
    const owner = await user(baton, deviceId, "carol");
    await waitFor(() => owner.state.device.online, 5_000, "online");

    owner.claim({ sessionType: "printing", input: { fileName: "benchy.gcode", material: "PETG", quality: "draft" } });
    const progress = await first.waitForEvent((event) => event.name === "progress" && Number(event.value) >= 0.3, 8_000, "progress ≥ 30 %");
    const runId = progress.runId!;
    await first.stop("SIGKILL"); // a crash: no LEAVE, no result yet
    expect(owner.results).toHaveLength(0);

    const second = vdevice(baton, deviceId, "printer", file, 4);
    await second.waitForEvent((event) => event.name === "joined", 20_000, "re-joined");
    // The room still runs the run: its welcome carries type + input, and the rebooted device starts it again.
    await second.waitForEvent((event) => (event.name === "start" || event.name === "resumed" || event.name === "result-sent") && event.runId === runId, 5_000, "resume/restart");
    const result = await owner.nextResult(10_000);
    expect(result.runId).toBe(runId);
    expect(result.output).toMatchObject({ status: "completed" });
    await second.waitForEvent((event) => event.name === "result-acked" && event.runId === runId, 5_000, "result-acked");

    await settle(750);
    expect(owner.results.filter((message) => message.runId === runId)).toHaveLength(1);
    expect(await baton.services.results.findByRunId(deviceId, runId)).toMatchObject({ status: "delivered", userId: "carol" });
    expect((await baton.services.results.listForUser("carol", { limit: 100 })).results.filter((stored) => stored.runId === runId)).toHaveLength(1);
    expect(baton.events.filter((event) => event.type === "run.completed" && event.runId === runId)).toHaveLength(1);
    expect(baton.events.filter((event) => event.type === "result.orphaned" && event.runId === runId)).toHaveLength(0);
    expect(owner.state.session.phase).toBe("completed");
  });

  it("a jammed print: the failure reaches the owner and the room's ack clears it on the device", async () => {
    const deviceId = freshDeviceId();
    const device = vdevice(baton, deviceId, "printer", stateFile(), 8);
    await device.waitForEvent((event) => event.name === "joined", 20_000, "joined");
    const owner = await user(baton, deviceId, "gina");
    await waitFor(() => owner.state.device.online, 5_000, "online");
    owner.claim({ sessionType: "printing", input: { fileName: "fail.gcode", material: "PLA", quality: "normal" }, releaseOnComplete: true });
    const failure = await owner.nextFailure(8_000);
    expect(failure).toMatchObject({ sessionType: "printing", code: "DEVICE_FAILED" });
    await device.waitForEvent((event) => event.name === "failure-acked" && event.runId === failure.runId, 5_000, "failure-acked");
    expect(device.count("failed-sent", failure.runId)).toBe(1);
    await waitFor(() => owner.state.session.phase === "idle" && owner.state.session.endReason === "run_failed", 5_000, "session ended run_failed");
  });

  it("an empty scale: the weighing says it waits for a load and fails with NOTHING_TO_MEASURE, never a 0 kg result", async () => {
    const deviceId = freshDeviceId();
    const device = startVdevice({
      url: baton.httpUrl, deviceId, secret: TEST_DEVICE_SECRET, instrument: "scale", stateFile: stateFile(), speed: 4,
      extraArgs: ["--scale-step-on-ms", "never", "--scale-wait-ms", "4000"], // 1 s at 4×
    });
    await device.waitForEvent((event) => event.name === "joined", 20_000, "joined");
    const owner = await user(baton, deviceId, "hana");
    await waitFor(() => owner.state.device.online, 5_000, "online");
    owner.claim({ sessionType: "weighing", input: {}, releaseOnComplete: true });
    const waiting = await device.waitForEvent((event) => event.name === "progress", 5_000, "progress while waiting for a load");
    expect(Number(waiting.value)).toBe(0);
    const failure = await owner.nextFailure(8_000);
    expect(failure).toMatchObject({ sessionType: "weighing", code: "NOTHING_TO_MEASURE" });
    expect(owner.results).toHaveLength(0);
    await device.waitForEvent((event) => event.name === "failure-acked" && event.runId === failure.runId, 5_000, "failure-acked");
  });

  it("a person stepping on the scale after the run started is weighed", async () => {
    const deviceId = freshDeviceId();
    const device = startVdevice({
      url: baton.httpUrl, deviceId, secret: TEST_DEVICE_SECRET, instrument: "scale", stateFile: stateFile(), speed: 4,
      extraArgs: ["--scale-step-on-ms", "3000"],
    });
    await device.waitForEvent((event) => event.name === "joined", 20_000, "joined");
    const owner = await user(baton, deviceId, "ivan");
    await waitFor(() => owner.state.device.online, 5_000, "online");
    owner.claim({ sessionType: "weighing", input: {}, releaseOnComplete: true });
    const result = await owner.nextResult(8_000);
    expect(result.output).toMatchObject({ unit: "kg", stable: true });
    expect(result.output.weight).toBeGreaterThanOrEqual(50);
    // "waiting for a load" (0), then "settling" (0.5) once the person is on.
    expect(device.events.filter((event) => event.name === "progress" && event.runId === result.runId).map((event) => Number(event.value))).toEqual(expect.arrayContaining([0, 0.5]));
  });

  it("server restarted on an empty store (wiped): the device's hello.epoch lifts the epoch past the one it saw, never below", async () => {
    const deviceId = freshDeviceId();
    const before = await startBaton({ timers: { ownerIdleTimeoutMs: 0 } });
    let beforeRunning = true;
    cleanups.push(async () => {
      if (beforeRunning) await before.shutdown();
    });
    const proxy = await startSwitchableProxy(before.port);
    cleanups.push(() => proxy.close());
    const device = vdevice(proxy, deviceId, "scale", stateFile(), 8);
    await device.waitForEvent((event) => event.name === "joined", 20_000, "joined");

    // Two sessions: the device has seen epoch 2.
    for (const userId of ["dan", "eve"]) {
      const readyBefore = device.count("ready");
      const session = await user(before, deviceId, userId);
      await waitFor(() => session.state.device.online, 5_000, "online");
      session.claim({ sessionType: "weighing", input: {}, releaseOnComplete: true });
      const result = await session.nextResult(8_000);
      await device.waitForEvent((event) => event.name === "result-acked" && event.runId === result.runId, 5_000, "acked");
      await waitFor(() => device.count("ready") > readyBefore, 5_000, "ready after the session");
    }
    expect(before.events.filter((event) => event.type === "session.started").map((event) => (event as { epoch: number }).epoch)).toEqual([1, 2]);

    // The server goes away and a fresh one on an empty store (its own new data directory) takes its place.
    beforeRunning = false;
    await before.shutdown();
    const after = await startBaton({ timers: { ownerIdleTimeoutMs: 0 } });
    cleanups.push(() => after.shutdown());
    const joinsBefore = device.count("joined");
    proxy.retarget(after.port);
    await waitFor(() => device.count("joined") > joinsBefore, 10_000, "the device joined the new server");

    // The device said epoch 2 in its hello: the new server starts from there, so the next claim is epoch 3.
    const frank = await user(after, deviceId, "frank");
    await waitFor(() => frank.state.device.online, 5_000, "online on the new server");
    frank.claim({ sessionType: "weighing", input: { userGender: "male" }, releaseOnComplete: true });
    const result = await frank.nextResult(8_000);
    await device.waitForEvent((event) => event.name === "result-acked" && event.runId === result.runId, 5_000, "acked");
    expect(await after.services.results.findByRunId(deviceId, result.runId)).toMatchObject({ status: "delivered", userId: "frank", epoch: 3 });
    expect(device.count("stale-command")).toBe(0);
    expect(device.count("epoch-refused")).toBe(0);
    expect(await after.services.audit.list({ deviceId, limit: 10 })).toContainEqual(expect.objectContaining({ action: "raise-epoch", detail: { from: 0, to: 2 } }));
  });
});
