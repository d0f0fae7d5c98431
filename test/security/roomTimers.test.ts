/**
 * Issue 18, finding 1 (second half): a room's timer callback that throws must not take the
 * process down. Before rooms/connections/roomTimers.ts, the deadline timer's throw was uncaught and ended
 * the process with every room in it; now that one room is logged and closed, and the others
 * go on.
 */
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { matchMaker } from "@colyseus/core";
import type { SessionTypeSpec } from "@baton/protocol";
import { TEST_DEVICE_SECRET, freshDeviceId, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice } from "../support/scriptedDevice.ts";
import { joinDevice } from "../support/deviceSession.ts";
import { waitFor } from "../support/waitFor.ts";
import { startProductionBaton, sleep } from "./support.ts";

const QUICK: SessionTypeSpec = { name: "quick", maxDurationMs: 300, inputSchema: { type: "object", additionalProperties: false } };

let baton: TestBaton;
const cleanups: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  baton = await startProductionBaton({ timers: { ownerIdleTimeoutMs: 0, runStepTimeoutMs: 600_000 } });
});
afterAll(async () => {
  for (const cleanup of cleanups) await Promise.race([cleanup().catch(() => undefined), sleep(500)]);
  await baton.shutdown();
});

async function deviceWithOwner(userId: string) {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [QUICK]);
  cleanups.push(() => device.leave());
  const owner = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor(userId), deviceId });
  cleanups.push(() => owner.leave());
  return { deviceId, device, owner };
}

it("closes only the room whose deadline timer throws, logs it with the device id, and the other rooms go on", async () => {
  const broken = await deviceWithOwner("unlucky");
  const healthy = await deviceWithOwner("lucky");

  // The broken room's core transition throws whenever its deadline timer fires.
  const room = matchMaker.getLocalRoomById(broken.deviceId) as unknown as { apply(command: { type: string }): unknown };
  const apply = room.apply.bind(room);
  room.apply = (command) => {
    if (command.type === "tick") throw new Error("a bug in the deadline transition");
    return apply(command);
  };
  const errors = vi.spyOn(baton.services.logger, "error");
  try {
    broken.owner.claim({ sessionType: QUICK.name, input: {} });
    await broken.device.next("start");
    // The run's deadline (300 ms) fires, throws, and the room is closed — nothing escapes.
    await waitFor(() => matchMaker.getLocalRoomById(broken.deviceId) === undefined, 5_000, "the broken room to close");
    // pino's (fields, message): the room's logger, not the console.
    const logged = errors.mock.calls.map((call) => String(call[1]));
    expect(logged.some((line) => line.includes(`device room ${broken.deviceId}`) && line.includes("the deadline timer failed"))).toBe(true);
  } finally {
    errors.mockRestore();
  }

  // The process still serves: the other device's room runs a session from claim to result.
  healthy.owner.claim({ sessionType: QUICK.name, input: {} });
  const start = (await healthy.device.next("start")).payload;
  healthy.device.send("result", { epoch: start.epoch, runId: start.runId, output: { fine: true } });
  expect((await healthy.owner.nextResult()).output).toEqual({ fine: true });
  // And the broken device gets a fresh room when it comes back.
  const again = await ScriptedDevice.online(baton.httpUrl, broken.deviceId, TEST_DEVICE_SECRET, [QUICK]);
  cleanups.push(() => again.device.leave());
  expect(matchMaker.getLocalRoomById(broken.deviceId)).toBeDefined();
}, 20_000);
