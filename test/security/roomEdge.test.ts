/**
 * Inside the room's edge: findings 8 (a device erasing a user's stored result) and the
 * room's own defences that do not depend on the HTTP layer — a seat for one device can never
 * become a connection in another device's room, and a connection that stops reading is
 * closed instead of buffered for without end.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@colyseus/sdk";
import { matchMaker } from "@colyseus/core";
import WebSocket from "ws";
import { DEV_DEVICES, freshDeviceId, TEST_DEVICE_SECRET, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, WEIGHING } from "../support/scriptedDevice.ts";
import { joinDevice } from "../support/deviceSession.ts";
import { request, sleep, startProductionBaton } from "./support.ts";

let baton: TestBaton;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  baton = await startProductionBaton({ config: { maxBufferedBytes: 65_536 }, timers: { ownerIdleTimeoutMs: 0, runStepTimeoutMs: 600_000 } });
});
afterAll(async () => {
  for (const cleanup of cleanups) await Promise.race([cleanup().catch(() => undefined), sleep(500)]);
  await baton.shutdown();
});

/** A fresh scripted scale, online, and a user watching it. */
async function scaleWithUser(userId: string) {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING]);
  cleanups.push(() => device.leave());
  const token = await baton.tokenFor(userId);
  const owner = await joinDevice({ url: baton.httpUrl, token, deviceId });
  cleanups.push(() => owner.leave());
  return { deviceId, device, token, owner };
}

describe("finding 8: delivered results are never overwritten", () => {
  it("keeps a user's result after 70 junk orphans and an orphan reusing its run id", async () => {
    const { deviceId, device, token, owner } = await scaleWithUser("victim");
    owner.claim({ sessionType: "weighing", input: {}, releaseOnComplete: true });
    const start = (await device.next("start")).payload;
    device.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 62 } });
    expect((await owner.nextResult()).output).toEqual({ weight: 62 });
    await device.next("ack");

    // Push the run id out of the room's memory of recent runs, then send a forged copy.
    for (let index = 0; index < 70; index++) {
      device.send("result", { epoch: start.epoch, runId: `junk-${index}`, output: { junk: index } });
      await device.next("ack");
    }
    device.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 0, forged: true } });
    await device.next("ack");

    const mine = await request(baton.httpUrl, "GET", "/results?limit=5", undefined, { token });
    expect(mine.status).toBe(200);
    expect(mine.body.results).toHaveLength(1);
    expect(mine.body.results[0]).toMatchObject({ runId: start.runId, output: { weight: 62 } });
    expect(await baton.services.results.findByRunId(deviceId, start.runId)).toMatchObject({ status: "delivered", output: { weight: 62 } });
  });
});

describe("the room's own checks", () => {
  it("refuses a seat for another device even when the matchmaker is reached past the HTTP policy", async () => {
    const { device } = await ScriptedDevice.online(baton.httpUrl, DEV_DEVICES.scale.deviceId, DEV_DEVICES.scale.secret, [WEIGHING]);
    cleanups.push(() => device.leave());
    // Straight to the matchmaker: printer-1's secret, authenticated for printer-1, seated in scale-1's room.
    const seat = await matchMaker.joinById(DEV_DEVICES.scale.deviceId, { deviceId: DEV_DEVICES.printer.deviceId, role: "device" }, { token: DEV_DEVICES.printer.secret } as never);
    const intruder = new Client(baton.httpUrl);
    await expect(intruder.consumeSeatReservation(seat)).rejects.toThrow(/WRONG_ROOM/);
    await sleep(100);
    expect(device.room.connection.isOpen).toBe(true); // not replaced (4101)
  });

  it("closes a connection that stops reading with 4104 SLOW_CONSUMER, and the session goes on", async () => {
    const { deviceId, device, token, owner } = await scaleWithUser("lab-owner");

    // The owner's second tab, whose socket stops reading from the network after joining: every
    // result (12 KB, as a message and in the owner's state) piles up for it on the server.
    const seat = await (await fetch(`${baton.httpUrl}/matchmake/joinOrCreate/device`, {
      method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ deviceId }),
    })).json() as { sessionId: string; roomId: string; processId: string };
    const stalled = new WebSocket(`${baton.httpUrl.replace("http", "ws")}/${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId}`);
    const closed = new Promise<number>((resolve) => stalled.once("close", resolve));
    await new Promise<void>((resolve) => stalled.once("message", () => {
      stalled.send(Buffer.from([0x0a]));
      resolve();
    }));
    await sleep(50);
    (stalled as unknown as { _socket: { pause(): void } })._socket.pause();

    owner.claim({});
    // The server side of the stalled connection: the room starts closing it once it is too far behind.
    const serverSide = () => (baton.colyseus.getRoomById(deviceId) as unknown as { clients: { getById(id: string): { ref: { readyState: number } } | undefined } }).clients.getById(seat.sessionId);
    const blob = "r".repeat(12_000);
    let runs = 0;
    while (runs < 1_000 && serverSide()?.ref.readyState === WebSocket.OPEN) {
      owner.run("weighing", {});
      const start = (await device.next("start")).payload;
      device.send("result", { epoch: start.epoch, runId: start.runId, output: { run: runs, blob } });
      expect((await owner.nextResult()).output.run).toBe(runs);
      runs++;
    }
    expect(runs).toBeLessThan(1_000);
    // Reading again, the tab finds the close frame behind what was queued for it.
    (stalled as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await closed).toBe(4104);
    // The owner's reading tab and the device carry on.
    owner.run("weighing", {});
    const start = (await device.next("start")).payload;
    device.send("result", { epoch: start.epoch, runId: start.runId, output: { last: true } });
    expect((await owner.nextResult()).output).toEqual({ last: true });
  }, 60_000);
});
