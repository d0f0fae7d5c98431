/**
 * Finding 5 of issue 18: a pool's grant is a claim like any other, so the per-user limits
 * apply to it. With BATON_MAX_DEVICES_PER_USER=1, a user holding one device of a pool is
 * refused a second through `claim_any` (out of the line with the limit's sentence), and
 * holds one device in the end — not three.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client as SdkClient, type Room } from "@colyseus/sdk";
import { Inbox } from "../../client/src/sdk/inbox.ts";
import { freshDeviceId, TEST_DEVICE_SECRET, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, WEIGHING } from "../support/scriptedDevice.ts";
import { sleep, startProductionBaton } from "./support.ts";

let baton: TestBaton;
const open: { leave(): unknown }[] = [];

beforeAll(async () => {
  baton = await startProductionBaton({
    timers: { ownerIdleTimeoutMs: 0, readyTimeoutMs: 0 },
    config: { pools: { retryMs: 60_000, maxWaiting: 10 }, fairUse: { maxDevicesPerUser: 1, maxQueueEntriesPerUser: 0, maxSessionMinutesPerDay: 0 } },
  });
});
afterAll(async () => {
  await Promise.race([Promise.allSettled(open.map((connection) => connection.leave())), sleep(1_000)]);
  await baton.shutdown();
});

describe("finding 5: pool grants pass the per-user limits", () => {
  it("a user at BATON_MAX_DEVICES_PER_USER=1 gets one device of a pool of three, not three", async () => {
    const name = "limits-lab";
    const deviceIds: string[] = [];
    for (let index = 0; index < 3; index++) {
      const deviceId = freshDeviceId();
      expect(await baton.services.registry.setPool(deviceId, name)).toBe(true);
      const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING]);
      open.push(device);
      deviceIds.push(deviceId);
    }
    const client = new SdkClient(baton.httpUrl);
    client.auth.token = await baton.tokenFor("greedy", "greedy");
    const room: Room = await client.joinOrCreate("pool", { pool: name });
    open.push(room);
    const inbox = new Inbox<any>();
    for (const kind of ["granted", "pool_left", "pool_status", "error"]) room.onMessage(kind, (message: unknown) => inbox.push(kind, message));

    room.send("claim_any", {});
    const first = await inbox.next("granted", 8_000);
    expect(deviceIds).toContain(first.deviceId);

    for (let attempt = 0; attempt < 2; attempt++) {
      room.send("claim_any", {});
      const left = await inbox.next("pool_left", 8_000);
      expect(left.reason).toBe("refused");
      expect(left.message).toMatch(/BATON_MAX_DEVICES_PER_USER/);
    }
    const holders = await Promise.all(deviceIds.map(async (deviceId) => (await baton.services.deviceStates.load(deviceId))?.session?.holder.userId ?? null));
    expect(holders.filter((holder) => holder === "greedy")).toHaveLength(1);
  });
});
