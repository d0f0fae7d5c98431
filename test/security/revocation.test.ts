/**
 * Issue 18 finding 3: disabling a device or rotating its secret evicts it for good. A seat
 * reserved before the change and used after it is refused (the matchmaking auth is not
 * reused blindly), revocation goes by the registry's current state at every poll, not by the
 * change event, and nobody can claim or queue for a disabled device (`DEVICE_DISABLED`, not
 * "offline … until it reconnects") — so it never receives a user's private inputs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatonCloseCode, ErrorCode } from "@baton/protocol";
import { freshDeviceId, TEST_DEVICE_SECRET, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, WEIGHING } from "../support/scriptedDevice.ts";
import { joinDevice } from "../support/deviceSession.ts";
import { hashDeviceSecret } from "@baton/server/auth/deviceSecrets.ts";
import { matchmake, openSeat, sleep, startProductionBaton } from "./support.ts";
import { waitFor } from "../support/waitFor.ts";

const POLL_MS = 100;
let baton: TestBaton;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  baton = await startProductionBaton({ config: { registryPollMs: POLL_MS }, timers: { ownerIdleTimeoutMs: 0, runStepTimeoutMs: 600_000 } });
});
afterAll(async () => {
  for (const cleanup of cleanups) await Promise.race([cleanup().catch(() => undefined), sleep(500)]);
  await baton.shutdown();
});

/** A device seat reserved at matchmaking with the device's (then valid) secret, not yet used. */
async function reserveDeviceSeat(deviceId: string) {
  const answer = await matchmake(baton.httpUrl, "joinOrCreate", "device", { deviceId, role: "device" }, { token: TEST_DEVICE_SECRET });
  expect(answer.status).toBe(200);
  return answer.body;
}

/** Uses a seat; "open" when the socket is still open a few polls later, else its close code. */
async function useSeat(seat: Parameters<typeof openSeat>[1]): Promise<number | "open"> {
  const opened = await openSeat(baton.httpUrl, seat).catch(() => null);
  if (!opened) return 0;
  cleanups.push(async () => opened.socket.close());
  return Promise.race([opened.closed, sleep(POLL_MS * 8).then(() => "open" as const)]);
}

describe("a seat reserved before the revocation", () => {
  it("is refused after the device is disabled, and a user's claim is DEVICE_DISABLED", async () => {
    const deviceId = freshDeviceId();
    const seat = await reserveDeviceSeat(deviceId);
    await baton.services.registry.disable(deviceId, Date.now());
    await sleep(POLL_MS * 3); // the watcher has seen the change
    expect(await useSeat(seat)).not.toBe("open");

    const user = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("alice"), deviceId });
    cleanups.push(() => user.leave());
    user.claim({ sessionType: "weighing", input: { secret: "alice's private input" } });
    const refused = await user.nextError();
    expect(refused.code).toBe(ErrorCode.DEVICE_DISABLED);
    expect(refused.message).toMatch(/disabled/);
    user.room.send("enqueue", {});
    expect((await user.nextError()).code).toBe(ErrorCode.DEVICE_DISABLED);
  });

  it("is refused after the device's secret was rotated", async () => {
    const deviceId = freshDeviceId();
    const seat = await reserveDeviceSeat(deviceId);
    await baton.services.registry.setSecretHash(deviceId, await hashDeviceSecret("a-new-secret"));
    await sleep(POLL_MS * 3);
    expect(await useSeat(seat)).not.toBe("open");
  });
});

it("a connected device is evicted and its session ends when it is disabled; nobody can claim it or bring it back", async () => {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING]);
  cleanups.push(() => device.leave());
  const closed = new Promise<number>((resolve) => device.room.onLeave((code) => resolve(code)));
  const holder = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("bob"), deviceId });
  cleanups.push(() => holder.leave());
  holder.claim({});
  await waitFor(() => holder.state.session.ownerId === "bob");

  await baton.services.registry.disable(deviceId, Date.now());
  expect(await closed).toBe(BatonCloseCode.DEVICE_REVOKED);
  expect((await holder.nextSessionEnded()).reason).toBe("kicked");
  holder.claim({});
  expect((await holder.nextError()).code).toBe(ErrorCode.DEVICE_DISABLED);
  await expect(ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING])).rejects.toThrow(/UNAUTHORIZED/);
});

describe("a disable through the admin API", () => {
  // A poll far longer than the test: whatever happens here happens because the admin API
  // enforced the registry at once, not because the watcher came round.
  let slowPoll: TestBaton;
  beforeAll(async () => {
    slowPoll = await startProductionBaton({ config: { registryPollMs: 600_000 }, timers: { ownerIdleTimeoutMs: 0, runStepTimeoutMs: 600_000 } });
  });
  afterAll(async () => {
    await slowPoll.shutdown();
  });

  it("evicts the connected device and refuses the next claim at once, without waiting for the registry poll", async () => {
    const deviceId = freshDeviceId();
    const { device } = await ScriptedDevice.online(slowPoll.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING]);
    cleanups.push(() => device.leave());
    const closed = new Promise<number>((resolve) => device.room.onLeave((code) => resolve(code)));
    const user = await joinDevice({ url: slowPoll.httpUrl, token: await slowPoll.tokenFor("carol"), deviceId });
    cleanups.push(() => user.leave());

    const admin = await slowPoll.tokenFor("root", "Root", ["admin"]);
    const answer = await fetch(`${slowPoll.httpUrl}/admin/devices/${deviceId}/disable`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(answer.status).toBe(200);
    expect(await Promise.race([closed, sleep(2_000).then(() => "still connected")])).toBe(BatonCloseCode.DEVICE_REVOKED);
    user.claim({});
    expect((await user.nextError()).code).toBe(ErrorCode.DEVICE_DISABLED);
  });
});
