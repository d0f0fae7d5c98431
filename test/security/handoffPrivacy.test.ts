/**
 * Finding 10 of issue 18: the line is private. A spectator whose `claim` meets a hand-off
 * learns that the device is offered to the first in line — never who that is (name or id).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { joinDevice } from "../support/deviceSession.ts";
import { freshDeviceId, TEST_DEVICE_SECRET, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, WEIGHING } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";
import { sleep, startProductionBaton } from "./support.ts";

let baton: TestBaton;
const open: { leave(): unknown }[] = [];

beforeAll(async () => {
  baton = await startProductionBaton({ timers: { handoffWindowMs: 30_000, ownerIdleTimeoutMs: 0, readyTimeoutMs: 0 } });
});
afterAll(async () => {
  await Promise.race([Promise.allSettled(open.map((connection) => connection.leave())), sleep(1_000)]);
  await baton.shutdown();
});

describe("finding 10: the hand-off refusal names nobody", () => {
  it("a spectator's claim during an offer gets HANDOFF_PENDING without the offered user's name or id", async () => {
    const deviceId = freshDeviceId();
    const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING]);
    open.push(device);
    const join = async (userId: string, name: string) => {
      const session = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor(userId, name), deviceId });
      open.push(session);
      return session;
    };
    const holder = await join("holder-7", "Hilda Holder");
    await waitFor(() => holder.state.device.online);
    holder.claim();
    await waitFor(() => holder.state.session.ownerId === "holder-7");

    const waiter = await join("waiter-secret-id", "Wanda Waiter");
    waiter.room.send("enqueue", {});
    await waitFor(() => (waiter.state as any).seats?.get("waiter-secret-id")?.position === 1);
    holder.release();
    await waitFor(() => (waiter.state as any).seats?.get("waiter-secret-id")?.offered === true);

    const spectator = await join("spectator-3", "Sam Spectator");
    spectator.claim();
    const refusal = await spectator.nextError();
    expect(refusal.code).toBe("HANDOFF_PENDING");
    expect(refusal.message).not.toMatch(/waiter-secret-id|Wanda|Waiter/);
    expect(refusal.message).toMatch(/first in line/);
  });
});
