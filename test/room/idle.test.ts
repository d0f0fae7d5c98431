/**
 * Idle costs nothing (issue 20 item 4): a device room with a device online and a spectator
 * watching, the device sending heartbeats, runs no patch timer and no clock tick, pushes no
 * patch and makes no store call. Counted, not timed.
 */
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { matchMaker, type Room } from "@colyseus/core";
import { joinDevice } from "../support/deviceSession.ts";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";

let baton: TestBaton;
beforeAll(async () => {
  baton = await startBaton({ timers: { ownerIdleTimeoutMs: 0 } });
});
afterAll(() => baton.shutdown());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Spies on every method of each of `parts` (and their prototypes); returns the total call count. */
function countCalls(parts: object[]): () => number {
  const spies: { mock: { calls: unknown[] } }[] = [];
  for (const part of parts) {
    const names = new Set<string>();
    for (let proto: object | null = part; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const name of Object.getOwnPropertyNames(proto)) if (name !== "constructor") names.add(name);
    }
    for (const name of names) {
      const value = (part as Record<string, unknown>)[name];
      if (typeof value === "function") spies.push(vi.spyOn(part as Record<string, (...args: unknown[]) => unknown>, name));
    }
  }
  return () => spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
}

it("an idle device room with heartbeats runs no patch timer, pushes no patch and calls no store", async () => {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
  const spectator = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("sam", "Sam"), deviceId });
  await waitFor(() => spectator.state.device.online, 5_000, "device online");
  await sleep(200); // the join's own patches and writes are done

  const room = matchMaker.getLocalRoomById(deviceId) as Room;
  const ticks = vi.spyOn(room.clock, "tick");
  const patches = vi.spyOn(room, "broadcastPatch");
  const { services } = baton;
  const storeCalls = countCalls([services.transitions, services.results, services.deviceStates, services.history, services.audit, services.registry, services.store.availability]);

  const heartbeats = setInterval(() => device.send("heartbeat", {}), 100);
  await sleep(1_500);
  clearInterval(heartbeats);
  await sleep(100);

  // Before: Colyseus ticked the room's clock at 60 Hz (≈ 95 ticks here) even with patchRate = null,
  // and every heartbeat projected the state and pushed a (empty) patch.
  expect(ticks).not.toHaveBeenCalled();
  expect(patches).not.toHaveBeenCalled();
  expect(storeCalls()).toBe(0);
  expect(spectator.state.device.online).toBe(true);

  // A change still goes out at once, on no timer: the device leaves, the spectator sees it offline.
  await device.leave();
  await waitFor(() => !spectator.state.device.online, 5_000, "device offline");
  expect(patches).toHaveBeenCalled();
  expect(ticks).not.toHaveBeenCalled();
  await spectator.leave();
});
