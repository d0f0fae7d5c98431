/**
 * Firmware updates with the CLI (`npm run baton -- device update …`, docs/PROTOCOL.md §15),
 * against the store a running server uses: the request reaches the device in the welcome of
 * its next connection (its room reads the request at every device join), the next hello
 * records it applied, and the CLI shows where it stands; bad offers and a cancel with nothing
 * pending are refused with exit code 2.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openSqliteStore } from "@baton/server/adapters/sqlite/sqliteStore.ts";
import { runCli } from "@baton/server/cli/baton.ts";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, WEIGHING } from "../support/scriptedDevice.ts";
import { waitUntil } from "../support/waitFor.ts";

const dataDir = mkdtempSync(path.join(os.tmpdir(), "baton-update-cli-"));
const env = { BATON_DATA_DIR: dataDir };
let baton: TestBaton;

beforeAll(async () => {
  baton = await startBaton({ store: await openSqliteStore({ dataDir }), timers: { ownerIdleTimeoutMs: 0 } });
});
afterAll(async () => {
  await baton.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
});

async function online(deviceId: string, firmware: string) {
  const device = await ScriptedDevice.connect(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
  const welcome = device.next("welcome");
  device.send("hello", { firmware, sessionTypes: [WEIGHING] });
  return { device, welcome: (await welcome).payload };
}

it("a CLI request is offered in the next welcome, recorded applied at the hello with its version, and shown by the CLI", async () => {
  const deviceId = freshDeviceId();
  const first = await online(deviceId, "1.0.0");
  const sha256 = "C0".repeat(32);
  const requested = await runCli(["device", "update", deviceId, "--url", "https://fw.lab/scale-1.1.0.bin", "--version", "1.1.0", "--sha256", sha256], env);
  expect(requested).toMatchObject({ code: 0 });
  expect(requested.output).toContain("update to 1.1.0 requested");
  expect((await runCli(["device", "update", deviceId], env)).output).toMatch(/1\.1\.0 pending, not offered yet \(asked by cli:.*, from 1\.0\.0\)/);
  await first.device.leave();

  const second = await online(deviceId, "1.0.0");
  expect(second.welcome.update).toEqual({ url: "https://fw.lab/scale-1.1.0.bin", version: "1.1.0", sha256: sha256.toLowerCase() });
  await second.device.leave();

  const third = await online(deviceId, "1.1.0");
  expect(third.welcome.update).toBeUndefined();
  await waitUntil(async () => (await runCli(["device", "update", deviceId], env)).output.includes("1.1.0 applied"), 5_000, "applied");
  const audit = await baton.services.audit.list({ deviceId, limit: 10 });
  expect(audit.map((entry) => entry.action).slice(0, 2)).toEqual(["update-applied", "update-requested"]);
  expect(audit[1]!.actor).toMatch(/^cli:/);
  await third.device.leave();
});

it("refuses bad offers, an unknown device and a cancel with nothing pending (exit 2); cancels a pending one", async () => {
  const deviceId = freshDeviceId();
  await (await online(deviceId, "2.0.0")).device.leave();
  const good = ["--url", "https://fw.lab/a.bin", "--version", "2.1.0", "--sha256", "ab".repeat(32)];
  expect((await runCli(["device", "update", deviceId, "--url", "ftp://fw.lab/a.bin", "--version", "2.1.0", "--sha256", "ab".repeat(32)], env)).code).toBe(2);
  expect((await runCli(["device", "update", deviceId, "--url", "https://fw.lab/a.bin", "--version", "2.1.0"], env)).code).toBe(2);
  expect((await runCli(["device", "update", deviceId, "--url", "https://fw.lab/a.bin", "--version", "2.1.0", "--sha256", "xyz"], env)).code).toBe(2);
  expect((await runCli(["device", "update", "no-such-device", ...good], env)).code).toBe(2);
  expect((await runCli(["device", "update", deviceId, "--cancel"], env))).toMatchObject({ code: 2, output: expect.stringContaining("no pending firmware update") });
  expect((await runCli(["device", "update", deviceId, ...good], env)).code).toBe(0);
  expect((await runCli(["device", "update", deviceId, "--cancel"], env))).toMatchObject({ code: 0, output: expect.stringContaining("cancelled") });
  const { device, welcome } = await online(deviceId, "2.0.0");
  expect(welcome.update).toBeUndefined();
  await device.leave();
});
