/**
 * Security finding 9, end to end over real sockets: a device that bursts `progress` and then
 * its `result` has the result dropped by the room's rate limit. The room answers RATE_LIMITED
 * (for a dropped `result`/`failed` always, naming it in `request`), does not acknowledge, and
 * the device re-sends its held reports after a back-off (docs/PROTOCOL.md §7.3). The owner
 * gets the result exactly once.
 *
 * Depends on the room telling the device about a dropped report: DeviceRoom's
 * answerRateLimited here, the lead's receiveFrame rework after the merge. (Even a room that
 * only warns once a second recovers in this burst, because its one RATE_LIMITED arrives after
 * the result was sent; the assertions on `request: "result"` need the change.)
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { joinDevice, type DeviceSession } from "../support/deviceSession.ts";
import { startSimulatedDevice, type SimulatedDevice } from "../../client/src/simulator/index.ts";
import type { ErrorPayload } from "@baton/protocol";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { waitFor } from "../support/waitFor.ts";

let baton: TestBaton;
const open: { close?: () => unknown; leave?: () => unknown }[] = [];
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  baton = await startBaton({ timers: { ownerIdleTimeoutMs: 0, runStepTimeoutMs: 60_000 }, config: { deviceRateLimit: { perSecond: 5, burst: 5 } } });
});
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((item) => (item.close ?? item.leave)!.call(item)));
});
afterAll(() => baton.shutdown());

async function setUp(): Promise<{ device: SimulatedDevice; owner: DeviceSession; deviceId: string }> {
  const deviceId = freshDeviceId();
  // No automatic progress, completion, heartbeat or ready: the test decides every frame the device sends.
  const device = await startSimulatedDevice({
    url: baton.httpUrl, deviceId, secret: TEST_DEVICE_SECRET, instrument: "scale", autoProgress: false, autoComplete: false, autoReady: false, heartbeatIntervalMs: 0,
  });
  open.push(device);
  const owner = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("olga"), deviceId });
  open.push(owner);
  await waitFor(() => owner.state.device.online, 5_000, "device online");
  return { device, owner, deviceId };
}

/** The `error` messages the device received with this code. */
const errorsOf = (device: SimulatedDevice, code: string) => device.received.filter((message) => message.type === "error" && (message.payload as ErrorPayload).code === code).map((message) => message.payload as ErrorPayload);

describe("a device report dropped by the rate limit", () => {
  it("45 progress then the result: RATE_LIMITED, no ack; the device re-sends after its back-off; the owner gets the result once", async () => {
    const { device, owner, deviceId } = await setUp();
    owner.claim({ sessionType: "weighing", input: { userAge: 30 } });
    const job = await device.waitFor("jobStarted", { timeoutMs: 5_000 });
    await settle(1_100); // a full bucket again after hello + accepted, so the burst below is the whole story

    const resent = device.waitFor("reportsResent", { timeoutMs: 10_000 });
    for (let index = 1; index <= 45; index++) device.progress(index / 50);
    const result = device.complete({ output: { weight: 71.5, unit: "kg" } });
    expect(device.heldResultRunIds).toEqual([job.runId]);

    // The room refused the result by name, and did not acknowledge it.
    await waitFor(() => errorsOf(device, "RATE_LIMITED").some((error) => error.request === "result"), 5_000, "RATE_LIMITED about the result");
    expect(device.received.some((message) => message.type === "ack")).toBe(false);
    expect(owner.results).toHaveLength(0);

    // After the back-off the device sends it again, the room takes it and acknowledges it.
    expect(await resent).toEqual({ runIds: [job.runId] });
    const delivered = await owner.nextResult(10_000);
    expect(delivered).toMatchObject({ runId: job.runId, output: result.output });
    await waitFor(() => device.heldResultRunIds.length === 0, 5_000, "the device got its ack");

    await settle(1_500); // room for a duplicate, if there were one
    expect(owner.results.filter((message) => message.runId === job.runId)).toHaveLength(1);
    expect(await baton.services.results.findByRunId(deviceId, job.runId)).toMatchObject({ status: "delivered", userId: "olga" });
    expect(baton.events.filter((event) => event.type === "run.completed" && event.runId === job.runId)).toHaveLength(1);
  });

  it("a dropped failure is answered and re-sent the same way; the owner hears of it once", async () => {
    const { device, owner } = await setUp();
    owner.claim({ sessionType: "weighing", input: {} });
    const job = await device.waitFor("jobStarted", { timeoutMs: 5_000 });
    await settle(1_100);

    const resent = device.waitFor("reportsResent", { timeoutMs: 10_000 });
    for (let index = 1; index <= 45; index++) device.progress(index / 50);
    device.fail("DEVICE_FAILED", "load cell unplugged");
    await waitFor(() => errorsOf(device, "RATE_LIMITED").some((error) => error.request === "failed"), 5_000, "RATE_LIMITED about the failure");
    expect(await resent).toEqual({ runIds: [job.runId] });
    const failure = await owner.nextFailure(10_000);
    expect(failure).toMatchObject({ runId: job.runId, code: "DEVICE_FAILED" });
    await device.waitFor("ack", { predicate: (ack) => ack.runId === job.runId, timeoutMs: 5_000 });
    await settle(1_500);
    expect(owner.failures.filter((message) => message.runId === job.runId)).toHaveLength(1);
  });
});
