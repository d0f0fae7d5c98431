/**
 * End to end with the raw-protocol simulator (ws + msgpack, exactly what the firmware
 * speaks) and real SDK users, through a real server: the seed's three instruments.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { joinDevice, type DeviceSession } from "../support/deviceSession.ts";
import { startSimulatedDevice, type SimulatedDevice } from "../../client/src/simulator/index.ts";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { waitFor } from "../support/waitFor.ts";

let baton: TestBaton;
const open: { close?: () => unknown; leave?: () => unknown }[] = [];

beforeAll(async () => {
  baton = await startBaton({ timers: { ownerIdleTimeoutMs: 0 } });
});
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((item) => (item.close ?? item.leave)!.call(item)));
});
afterAll(() => baton.shutdown());

async function simulated(instrument: "scale" | "printer" | "lab", options: { speed?: number; autoComplete?: boolean } = {}) {
  const deviceId = freshDeviceId();
  const device = await startSimulatedDevice({ url: baton.httpUrl, deviceId, secret: TEST_DEVICE_SECRET, instrument, speed: options.speed ?? 50, autoComplete: options.autoComplete, heartbeatIntervalMs: 0 });
  open.push(device);
  return { deviceId, device };
}

async function user(deviceId: string, userId: string): Promise<DeviceSession> {
  const session = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor(userId, userId.toUpperCase()), deviceId });
  open.push(session);
  return session;
}

describe("the seed's instruments over the raw protocol", () => {
  it("weighs: claim+run → start → result at the owner → automatic release, and the device receives no state", async () => {
    const { deviceId, device } = await simulated("scale");
    const owner = await user(deviceId, "alice");
    const spectator = await user(deviceId, "sam");
    await waitFor(() => owner.state.device.online);
    expect(owner.state.device.sessionTypes.map((type) => type.name)).toEqual(["weighing"]);

    owner.claim({ sessionType: "weighing", input: { userAge: 25, userGender: "female" }, releaseOnComplete: true });
    const result = await owner.nextResult();
    expect(result.sessionType).toBe("weighing");
    expect(result.output).toMatchObject({ unit: "kg", stable: true });
    expect(typeof result.output.weight).toBe("number");
    await waitFor(() => device.heldResultRunIds.length === 0, 5_000, "the device got its ack");
    await waitFor(() => spectator.state.session.phase === "idle" && spectator.state.session.endReason === "completed");
    expect(spectator.results).toHaveLength(0);
    // Messages only: no state ever reaches the device (at most bare, empty state frames).
    expect(device.stats.stateBytesReceived).toBe(0);
  });

  it("prints: progress reaches spectators, then the result reaches the owner", async () => {
    const { deviceId, device } = await simulated("printer", { speed: 20 });
    const owner = await user(deviceId, "bob");
    const spectator = await user(deviceId, "carl");
    await waitFor(() => owner.state.device.online);
    const seen = new Set<number>();
    spectator.room.onStateChange((state) => {
      if (state.session.phase === "running") seen.add(state.session.progress);
    });
    owner.claim({ sessionType: "printing", input: { fileName: "benchy.gcode", material: "PLA", quality: "draft" } });
    const result = await owner.nextResult(30_000);
    expect(result.output).toMatchObject({ status: "completed" });
    expect([...seen].filter((progress) => progress > 0 && progress < 1).length).toBeGreaterThan(2);
    expect(device.sent.filter((message) => message.type === "progress").length).toBeGreaterThan(2);
    await waitFor(() => spectator.state.session.phase === "completed");
    expect(spectator.state.session.ownerName).toBe("BOB");
  });

  it("analyses several samples in one lab session, then releases", async () => {
    const { deviceId } = await simulated("lab");
    const owner = await user(deviceId, "dana");
    await waitFor(() => owner.state.device.online);
    owner.claim();
    await waitFor(() => owner.state.session.phase === "claimed");
    for (const sampleType of ["water", "soil", "buffer"]) {
      owner.run("analysis", { sampleType, testType: "pH" });
      const result = await owner.nextResult();
      expect(result.sessionType).toBe("analysis");
      expect(typeof result.output.phLevel).toBe("number");
    }
    expect(owner.results).toHaveLength(3);
    expect(new Set(owner.results.map((result) => result.runId)).size).toBe(3);
    owner.release();
    await waitFor(() => owner.state.session.endReason === "released");
  });

  it("re-sends a result held across a dropped connection; the owner gets it once", async () => {
    const { deviceId, device } = await simulated("scale", { autoComplete: false });
    const owner = await user(deviceId, "erik");
    await waitFor(() => owner.state.device.online);
    owner.claim({ sessionType: "weighing", input: { userAge: 40 } });
    await device.waitFor("jobAwaitingCompletion");
    device.drop({ reconnect: false });
    await waitFor(() => !owner.state.device.online);
    device.complete({ output: { weight: 82.4, unit: "kg", stable: true } }); // measured while offline: held
    await device.reconnect();
    expect((await owner.nextResult()).output).toEqual({ weight: 82.4, unit: "kg", stable: true });
    await waitFor(() => device.heldResultRunIds.length === 0, 5_000, "the device got its ack and forgot the result");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(owner.results).toHaveLength(1);
  });
});
