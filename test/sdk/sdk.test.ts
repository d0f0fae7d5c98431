/**
 * The typed SDK (`@baton/client`: BatonClient, DeviceHandle) against a real server over real
 * sockets, with a scripted device: refusals reject at once with the protocol's code and a
 * sentence; `run()` resolves with the result; events; the HTTP API.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BatonClient, BatonError, type DeviceHandle } from "@baton/client";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, PRINTING, WEIGHING } from "../support/scriptedDevice.ts";

let baton: TestBaton;
const open: { leave(): unknown }[] = [];

beforeAll(async () => {
  baton = await startBaton();
});
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((connection) => connection.leave()));
});
afterAll(async () => {
  await baton.shutdown();
});

async function clientFor(userId: string, name = userId): Promise<BatonClient> {
  return new BatonClient(baton.httpUrl, { token: await baton.tokenFor(userId, name) });
}

async function handle(userId: string, deviceId: string, name = userId): Promise<DeviceHandle> {
  const device = (await clientFor(userId, name)).device(deviceId);
  open.push(device);
  await device.ready();
  return device;
}

async function onlineDevice(sessionTypes = [WEIGHING, PRINTING]) {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, sessionTypes);
  open.push(device);
  return { deviceId, device };
}

/** Rejects with the BatonError the promise rejects with, and measures how long that took. */
async function refusal(promise: Promise<unknown>): Promise<{ error: BatonError; ms: number }> {
  const started = performance.now();
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BatonError);
    return { error: error as BatonError, ms: performance.now() - started };
  }
  throw new Error("expected a rejection");
}

describe("run() and claim()", () => {
  it("claims, runs and resolves with the result; the snapshot and the events follow", async () => {
    const { deviceId, device } = await onlineDevice();
    const alice = await handle("alice", deviceId, "Alice");
    await alice.until((view) => view.device.online);
    expect(alice.canClaim).toBe(true);
    const claimedEvents: unknown[] = [];
    alice.on("claimed", (event) => claimedEvents.push(event));

    const claimed = await alice.claim();
    expect(claimed).toEqual({ epoch: 1, runId: null });
    expect(alice.isMine).toBe(true);
    expect(alice.canClaim).toBe(false);
    expect(alice.state.session.holder).toEqual({ userId: "alice", name: "Alice" });
    expect(claimedEvents).toEqual([{ epoch: 1, holder: { userId: "alice", name: "Alice" }, mine: true }]);

    const result = alice.run("weighing", { userAge: 25 });
    const start = (await device.next("start")).payload;
    device.send("accepted", { epoch: start.epoch, runId: start.runId });
    device.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 70.5, unit: "kg" } });
    expect(await result).toEqual({ runId: start.runId, sessionType: "weighing", output: { weight: 70.5, unit: "kg" } });
    await alice.until((view) => view.session.phase === "completed");
    expect(alice.state.owner).toMatchObject({ runId: start.runId, output: { weight: 70.5, unit: "kg" }, input: { userAge: 25 } });

    await alice.release();
    expect(alice.state.session.holder).toBeNull();
    expect(alice.isMine).toBe(false);
  });

  it("claimAndRun: the one-shot flow, released by itself", async () => {
    const { deviceId, device } = await onlineDevice();
    const alice = await handle("alice", deviceId);
    await alice.until((view) => view.device.online);
    const released = new Promise((resolve) => alice.on("released", resolve));
    const result = alice.claimAndRun("weighing", { userAge: 40 });
    const start = (await device.next("start")).payload;
    device.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 80 } });
    expect((await result).output).toEqual({ weight: 80 });
    expect(await released).toMatchObject({ reason: "completed", mine: true });
  });

  it("a failed run rejects with the device's code and sentence", async () => {
    const { deviceId, device } = await onlineDevice();
    const alice = await handle("alice", deviceId);
    await alice.until((view) => view.device.online);
    await alice.claim();
    const run = alice.run("printing", { fileName: "a.stl" });
    const start = (await device.next("start")).payload;
    device.send("failed", { epoch: start.epoch, runId: start.runId, code: "FILAMENT_JAM", message: "The filament jammed at layer 12." });
    const { error } = await refusal(run);
    expect(error).toMatchObject({ code: "FILAMENT_JAM", message: "The filament jammed at layer 12.", runId: start.runId, sessionType: "printing" });
  });

  it("cancel() stops the run: run() rejects with CANCELLED", async () => {
    const { deviceId, device } = await onlineDevice();
    const alice = await handle("alice", deviceId);
    await alice.until((view) => view.device.online);
    await alice.claim();
    const run = alice.run("printing", { fileName: "a.stl" });
    await device.next("start");
    await alice.cancel();
    expect((await refusal(run)).error.code).toBe("CANCELLED");
    expect((await device.next("cancel")).payload).toMatchObject({ epoch: 1 });
  });
});

describe("outcomes that come late or while away (issue 21)", () => {
  it("a result that arrives after the run was cancelled is still the owner's: a `result` event with late: true", async () => {
    const { deviceId, device } = await onlineDevice();
    const alice = await handle("alice", deviceId, "Alice");
    await alice.until((view) => view.device.online);
    await alice.claim();
    const running = alice.run("weighing", { userAge: 30 });
    const start = (await device.next("start")).payload;
    await alice.cancel();
    expect((await refusal(running)).error.code).toBe("CANCELLED");
    const late = new Promise((resolve) => alice.once("result", resolve));
    device.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 3 } });
    expect(await late).toEqual({ runId: start.runId, sessionType: "weighing", output: { weight: 3 }, late: true, lateReason: "CANCELLED" });
  });

  it("the SDK acknowledges a failure (kept for the owner until then), so their next join does not give it again", async () => {
    const { deviceId, device } = await onlineDevice();
    const alice = await handle("alice", deviceId, "Alice");
    await alice.until((view) => view.device.online);
    await alice.claim();
    void alice.run("weighing", { userAge: 30 }).catch(() => undefined);
    const start = (await device.next("start")).payload;
    // The failure is stored for alice until her client acknowledges it.
    const seen = new Promise((resolve) => alice.once("runFailed", resolve));
    device.send("failed", { epoch: start.epoch, runId: start.runId, code: "SCALE_OVERLOAD", message: "Over 200 kg." });
    await seen;
    for (let poll = 0; poll < 100 && (await baton.services.results.pendingOutcomesFor(deviceId, "alice")).length > 0; poll++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await baton.services.results.pendingOutcomesFor(deviceId, "alice")).toEqual([]); // the SDK acknowledged it
    const again = await handle("alice", deviceId, "Alice");
    const failures: unknown[] = [];
    again.on("runFailed", (failure) => failures.push(failure));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(failures).toEqual([]); // acknowledged: not given again
  });
});

describe("refusals reject at once with the protocol code and a sentence", () => {
  it("DEVICE_BUSY names the holder; NOT_OWNER for run, cancel and release by someone else", async () => {
    const { deviceId } = await onlineDevice();
    const alice = await handle("alice", deviceId, "Alice");
    const bob = await handle("bob", deviceId, "Bob");
    await alice.until((view) => view.device.online);
    await alice.claim();
    await bob.until((view) => view.session.holder !== null);
    expect(bob.canClaim).toBe(false);
    expect(bob.isMine).toBe(false);
    expect(bob.state.owner).toBeNull();

    const busy = await refusal(bob.claim());
    expect(busy.error.code).toBe("DEVICE_BUSY");
    expect(busy.error.message).toContain("Alice");
    expect(busy.error.request).toBe("claim");
    expect(busy.ms).toBeLessThan(2_000);
    for (const attempt of [bob.run("weighing", {}), bob.cancel(), bob.release()]) {
      const { error, ms } = await refusal(attempt);
      expect(error.code).toBe("NOT_OWNER");
      expect(error.message).toMatch(/held by Alice/);
      expect(ms).toBeLessThan(2_000);
    }
  });

  it("DEVICE_OFFLINE for a device that is not connected", async () => {
    const deviceId = freshDeviceId();
    const alice = await handle("alice", deviceId);
    const { error, ms } = await refusal(alice.claim());
    expect(error.code).toBe("DEVICE_OFFLINE");
    expect(error.message).toMatch(/offline/);
    expect(ms).toBeLessThan(2_000);
  });

  it("INVALID_INPUT and UNKNOWN_SESSION_TYPE, for claim with a run and for run; the device is not taken", async () => {
    const { deviceId } = await onlineDevice();
    const alice = await handle("alice", deviceId);
    await alice.until((view) => view.device.online);
    const invalid = await refusal(alice.claim({ sessionType: "weighing", input: { userAge: "old" } }));
    expect(invalid.error.code).toBe("INVALID_INPUT");
    expect(invalid.error.message).toMatch(/userAge/);
    expect(alice.isMine).toBe(false);
    await alice.claim();
    expect((await refusal(alice.run("printing", {}))).error.code).toBe("INVALID_INPUT");
    expect((await refusal(alice.run("baking", {}))).error.code).toBe("UNKNOWN_SESSION_TYPE");
    expect((await refusal(alice.cancel())).error.code).toBe("NO_RUN");
  });

  it("joining an unknown device fails with UNKNOWN_DEVICE: ready() rejects, connection is closed", async () => {
    const client = await clientFor("alice");
    const ghost = client.device("no-such-device");
    const { error } = await refusal(ghost.ready());
    expect(error.code).toBe("UNKNOWN_DEVICE");
    expect(error.message).toBe('No device "no-such-device" is registered.');
    expect(ghost.connection).toBe("closed");
    expect((await refusal(ghost.claim())).error.code).toBe("UNKNOWN_DEVICE");
  });

  it("an AbortSignal stops any wait; a timeout is there only when asked for", async () => {
    const { deviceId } = await onlineDevice();
    const alice = await handle("alice", deviceId);
    await alice.until((view) => view.device.online);
    await alice.claim();
    const controller = new AbortController();
    const run = alice.run("weighing", {}, { signal: controller.signal });
    controller.abort();
    expect((await refusal(run)).error.code).toBe("ABORTED");
    const timed = alice.until(() => false, { timeoutMs: 50 });
    expect((await refusal(timed)).error.code).toBe("TIMEOUT");
  });
});

describe("HTTP API", () => {
  it("devices() lists devices with live status; deviceInfo() has the declared schemas", async () => {
    const { deviceId } = await onlineDevice();
    const alice = await handle("alice", deviceId, "Alice");
    await alice.until((view) => view.device.online);
    await alice.claim();
    const client = await clientFor("bob");
    const devices = await client.devices();
    const mine = devices.find((device) => device.deviceId === deviceId);
    expect(mine?.status).toMatchObject({ online: true, phase: "claimed", holder: { userId: "alice", name: "Alice" } });
    const info = await client.deviceInfo(deviceId);
    expect(info.sessionTypes.map((type) => type.name)).toEqual(["weighing", "printing"]);
    const { error } = await refusal(client.deviceInfo("nope-1"));
    expect(error).toMatchObject({ code: "UNKNOWN_DEVICE", status: 404 });
    const anonymous = new BatonClient(baton.httpUrl);
    expect((await refusal(anonymous.devices())).error).toMatchObject({ code: "UNAUTHORIZED", status: 401 });
  });
});
