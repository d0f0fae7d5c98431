/**
 * A result is handed over when the owner's client acknowledges it (`result_ack`), not when
 * the room wrote it into a socket: a result sent into a connection that was silently dead
 * (the room still thought it open) is sent again when the owner comes back. Only the owner
 * can acknowledge it.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { Client } from "@colyseus/sdk";
import { RoomToUser, UserToRoom } from "@baton/protocol";
import { DeviceRoomState } from "@baton/protocol/state";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { joinThroughProxy } from "../support/drop.ts";
import { ScriptedDevice } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";

let baton: TestBaton;
beforeAll(async () => {
  baton = await startBaton({ timers: { ownerReconnectGraceMs: 300, ownerIdleTimeoutMs: 0 } });
});
afterAll(() => baton.shutdown());

it("re-sends a result written into a dead connection when its owner returns, until the owner acknowledges it", async () => {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
  const owner = await joinThroughProxy(baton.port, await baton.tokenFor("rita"), deviceId);
  await waitFor(() => owner.session.state.device.online);
  owner.session.claim({ sessionType: "weighing", input: { userAge: 40 } });
  const start = (await device.next("start")).payload;

  // The owner's link goes silent: the room still holds an open connection and writes into it.
  owner.proxy.freeze();
  device.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 71.5 } });
  await device.next("ack");
  expect((baton.colyseus.getRoomById(deviceId) as any).userConnections.has("rita")).toBe(true);
  owner.cut();
  expect(owner.session.results).toEqual([]);
  expect((await baton.services.results.pendingFor(deviceId, "rita")).map((result) => result.runId)).toEqual([start.runId]);

  // Another user cannot acknowledge it for her.
  const client = new Client(baton.httpUrl);
  client.auth.token = await baton.tokenFor("mallory");
  const mallory = await client.joinOrCreate("device", { deviceId }, DeviceRoomState);
  mallory.send(UserToRoom.RESULT_ACK, { runId: start.runId });
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect((await baton.services.results.pendingFor(deviceId, "rita")).map((result) => result.runId)).toEqual([start.runId]);

  // Back (a new connection): the result comes again. A bare client that does not acknowledge
  // gets it at every join.
  const returning = new Client(baton.httpUrl);
  returning.auth.token = await baton.tokenFor("rita");
  for (let join = 0; join < 2; join++) {
    const room = await returning.joinOrCreate("device", { deviceId }, DeviceRoomState);
    const result = await new Promise<{ runId: string; output: unknown }>((resolve) => room.onMessage(RoomToUser.RESULT, resolve));
    expect(result).toMatchObject({ runId: start.runId, output: { weight: 71.5 } });
    if (join === 1) {
      room.send(UserToRoom.RESULT_ACK, { runId: start.runId });
      for (let poll = 0; poll < 60 && (await baton.services.results.pendingFor(deviceId, "rita")).length > 0; poll++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await baton.services.results.pendingFor(deviceId, "rita")).toEqual([]);
    }
    await room.leave();
  }

  // Acknowledged: the next join gets nothing.
  const last = await returning.joinOrCreate("device", { deviceId }, DeviceRoomState);
  const extra: unknown[] = [];
  last.onMessage(RoomToUser.RESULT, (message) => extra.push(message));
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(extra).toEqual([]);

  await Promise.all([last.leave(), mallory.leave()]);
  await owner.proxy.close();
  await device.leave();
});
