/**
 * Issue 18 finding 8: results for runs a device was never given were each stored for 90
 * days — about 4 MB/s within the rate limits, and reconnecting reset the budget. The store
 * now keeps at most ORPHAN_LIMITS (count and bytes) orphans per device, the newest, whatever
 * the connection, and counts the rest in `baton_orphans_dropped_total`.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { freshDeviceId, TEST_DEVICE_SECRET, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, WEIGHING } from "../support/scriptedDevice.ts";
import { ORPHAN_LIMITS } from "@baton/server/ports/results.ts";
import { sleep, startProductionBaton } from "./support.ts";

let baton: TestBaton;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  baton = await startProductionBaton();
});
afterAll(async () => {
  for (const cleanup of cleanups) await Promise.race([cleanup().catch(() => undefined), sleep(500)]);
  await baton.shutdown();
});

async function droppedSoFar(): Promise<number> {
  const text = await baton.services.metrics.registry.getSingleMetricAsString("baton_orphans_dropped_total");
  return Number(text.match(/^baton_orphans_dropped_total (\d+)$/m)?.[1] ?? 0);
}

async function sendOrphans(deviceId: string, from: number, to: number) {
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING]);
  cleanups.push(() => device.leave());
  for (let index = from; index < to; index++) {
    device.send("result", { epoch: 0, runId: `junk-${index}`, output: { junk: "x".repeat(4_000), index } });
    await device.next("ack");
  }
  await device.leave();
}

it("keeps only the newest orphans of a device, across reconnections, and counts the rest", async () => {
  const deviceId = freshDeviceId();
  const before = await droppedSoFar();
  const total = ORPHAN_LIMITS.count + 20;
  await sendOrphans(deviceId, 0, 60);
  await sendOrphans(deviceId, 60, total); // a new connection: no fresh budget
  expect(await baton.services.results.findOrphan(deviceId, "junk-0")).toBeUndefined();
  expect(await baton.services.results.findOrphan(deviceId, "junk-19")).toBeUndefined();
  expect(await baton.services.results.findOrphan(deviceId, "junk-20")).toMatchObject({ output: { index: 20 } });
  expect(await baton.services.results.findOrphan(deviceId, `junk-${total - 1}`)).toMatchObject({ output: { index: total - 1 } });
  expect(await droppedSoFar()).toBe(before + 20);
});
