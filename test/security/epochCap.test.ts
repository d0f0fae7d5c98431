/**
 * Issue 18 finding 7: `hello { epoch: Number.MAX_SAFE_INTEGER }` stuck the device's epoch at
 * 2^53, where +1 no longer changes it (fencing gone), stored for good. A hello may now raise
 * the epoch by at most MAX_HELLO_EPOCH_RAISE and never past MAX_EPOCH; beyond, the epoch stays
 * and the anomaly is logged and counted. `device repair-epoch` repairs an epoch stored before.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freshDeviceId, TEST_DEVICE_SECRET, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, WEIGHING } from "../support/scriptedDevice.ts";
import { joinDevice } from "../support/deviceSession.ts";
import { openSqliteStore } from "@baton/server/adapters/sqlite/sqliteStore.ts";
import { runCli } from "@baton/server/cli/baton.ts";
import { initialState, MAX_EPOCH, MAX_HELLO_EPOCH_RAISE } from "@baton/server/session/index.ts";
import { sleep } from "./support.ts";
import { waitFor } from "../support/waitFor.ts";

const dataDir = mkdtempSync(path.join(os.tmpdir(), "baton-epoch-cap-"));
let baton: TestBaton;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  baton = await startBaton({ store: await openSqliteStore({ dataDir }), config: { mode: "production" }, timers: { ownerIdleTimeoutMs: 0, runStepTimeoutMs: 600_000 } });
});
afterAll(async () => {
  for (const cleanup of cleanups) await Promise.race([cleanup().catch(() => undefined), sleep(500)]);
  await baton.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
});

async function helloWithEpoch(deviceId: string, epoch: number) {
  const device = await ScriptedDevice.connect(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
  cleanups.push(() => device.leave());
  const welcome = device.next("welcome");
  device.send("hello", { firmware: "scripted/1.0", sessionTypes: [WEIGHING], epoch });
  return { device, welcome: (await welcome).payload as { epoch: number } };
}

it("a hello naming epoch 2^53 does not move the epoch; claims still fence, and the stored epoch stays sane", async () => {
  const deviceId = freshDeviceId();
  const before = Number((await baton.services.metrics.registry.getSingleMetricAsString("baton_epoch_anomalies_total")).match(/ (\d+)$/m)?.[1] ?? 0);
  const { device, welcome } = await helloWithEpoch(deviceId, Number.MAX_SAFE_INTEGER);
  expect(welcome.epoch).toBe(0);
  const user = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("alice"), deviceId });
  cleanups.push(() => user.leave());
  user.claim({ sessionType: "weighing", input: {} });
  const first = (await device.next("start")).payload as { epoch: number };
  expect(first.epoch).toBe(1);
  user.release();
  await user.nextSessionEnded();
  user.claim({});
  await waitFor(() => user.state.session.epoch === 2);
  expect((await baton.services.deviceStates.load(deviceId))?.epoch ?? 0).toBeLessThanOrEqual(2);
  const after = Number((await baton.services.metrics.registry.getSingleMetricAsString("baton_epoch_anomalies_total")).match(/ (\d+)$/m)?.[1] ?? 0);
  expect(after).toBe(before + 1);
});

it("a store that lost a few epochs still catches up with the device", async () => {
  const { welcome } = await helloWithEpoch(freshDeviceId(), 40);
  expect(welcome.epoch).toBe(40);
  expect(MAX_HELLO_EPOCH_RAISE).toBeGreaterThanOrEqual(1000);
});

it("repair-epoch brings an epoch stored beyond MAX_EPOCH back to one above the last session, and never lowers a sane one", async () => {
  const deviceId = freshDeviceId();
  await baton.services.history.sessionStarted({ deviceId, epoch: 7, userId: "alice", userName: "alice", startedAt: Date.now() });
  await baton.services.deviceStates.save({ ...initialState(deviceId, Date.now()), epoch: Number.MAX_SAFE_INTEGER });
  const env = { BATON_DATA_DIR: dataDir };
  const repaired = await runCli(["device", "repair-epoch", deviceId], env);
  expect(repaired).toMatchObject({ code: 0, output: expect.stringContaining("epoch repaired to 8") });
  expect((await baton.services.deviceStates.load(deviceId))?.epoch).toBe(8);
  const again = await runCli(["device", "repair-epoch", deviceId], env);
  expect(again.output).toContain("nothing repaired");
  expect((await baton.services.deviceStates.load(deviceId))?.epoch).toBe(8);
  expect((await runCli(["device", "raise-epoch", deviceId, String(MAX_EPOCH + 1)], env)).code).toBe(2);
});
