/**
 * The device registry lives in the store and is managed with the CLI (`npm run baton --
 * device …`), against the same store a running server uses: a device added by the CLI can
 * join; rotating its secret or disabling it closes its connection with DEVICE_REVOKED
 * (4102) and refuses the old credentials; every action is in the audit log.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BatonCloseCode } from "@baton/protocol";
import { openSqliteStore } from "@baton/server/adapters/sqlite/sqliteStore.ts";
import { runCli } from "@baton/server/cli/baton.ts";
import { startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";

const dataDir = mkdtempSync(path.join(os.tmpdir(), "baton-registry-"));
const env = { BATON_DATA_DIR: dataDir };
let baton: TestBaton;

beforeAll(async () => {
  baton = await startBaton({ store: await openSqliteStore({ dataDir }), config: { registryPollMs: 100 } });
});
afterAll(async () => {
  await baton.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
});

const secretOf = (output: string) => /secret: (\S+)/.exec(output)![1];

async function joinAsDevice(deviceId: string, secret: string) {
  const device = await ScriptedDevice.online(baton.httpUrl, deviceId, secret);
  const closed = new Promise<number>((resolve) => device.device.room.onLeave((code) => resolve(code)));
  return { device: device.device, closed };
}

it("adds a device with the CLI (secret printed once); rotating and disabling close its connection with 4102", async () => {
  const added = await runCli(["device", "add", "scale-01", "--label", "Clinic scale", "--kind", "scale"], env);
  expect(added.code).toBe(0);
  const firstSecret = secretOf(added.output);
  expect((await runCli(["device", "add", "scale-01"], env)).code).toBe(2); // the id is taken
  expect((await runCli(["device", "list"], env)).output).toMatch(/scale-01\s+scale\s+enabled/);

  const first = await joinAsDevice("scale-01", firstSecret);
  const rotated = await runCli(["device", "rotate-secret", "scale-01"], env);
  expect(rotated.code).toBe(0);
  expect(await first.closed).toBe(BatonCloseCode.DEVICE_REVOKED);
  await expect(ScriptedDevice.online(baton.httpUrl, "scale-01", firstSecret)).rejects.toThrow(/UNAUTHORIZED/);

  const second = await joinAsDevice("scale-01", secretOf(rotated.output));
  // The device declared its session types; the registry remembers them.
  let declared: string[] = [];
  await waitFor(() => {
    void baton.services.registry.find("scale-01").then((device) => (declared = device?.sessionTypes.map((type) => type.name) ?? []));
    return declared.length > 0;
  }, 3_000, "session types recorded");
  expect(declared).toEqual(["weighing", "printing"]);
  expect((await runCli(["device", "disable", "scale-01"], env)).code).toBe(0);
  expect(await second.closed).toBe(BatonCloseCode.DEVICE_REVOKED);
  await expect(ScriptedDevice.online(baton.httpUrl, "scale-01", secretOf(rotated.output))).rejects.toThrow(/disabled/);

  const audit = await baton.services.audit.list({ deviceId: "scale-01", limit: 10 });
  expect(audit.map((entry) => entry.action)).toEqual(["disable", "rotate", "register"]);
  expect(audit.every((entry) => entry.actor.startsWith("cli:"))).toBe(true);
});

it("refuses bad input with a usage message, and raises an epoch for recovery", async () => {
  expect((await runCli(["device", "add", "no spaces"], env)).code).toBe(2);
  expect((await runCli(["device", "raise-epoch", "scale-02", "-3"], env)).code).toBe(2);
  expect((await runCli(["nonsense"], env)).output).toMatch(/^usage/);
  const raised = await runCli(["device", "raise-epoch", "scale-02", "40"], env);
  expect(raised).toMatchObject({ code: 0, output: expect.stringContaining("epoch is now 40") });
  expect((await baton.services.deviceStates.load("scale-02"))?.epoch).toBe(40);
});

it("lists devices under a header row, and deletes one: its connection closes, its joins are refused, the audit log keeps it", async () => {
  const added = await runCli(["device", "add", "scale-09", "--kind", "scale"], env);
  const listed = (await runCli(["device", "list"], env)).output.split("\n");
  expect(listed[0]).toMatch(/^DEVICE\s+KIND\s+STATE\s+POOL\s+SESSION TYPES\s+LABEL$/);
  expect(listed.some((line) => /^scale-09\s+scale\s+enabled\s+scale\s+-$/.test(line))).toBe(true);

  const joined = await joinAsDevice("scale-09", secretOf(added.output));
  const deleted = await runCli(["device", "delete", "scale-09"], env);
  expect(deleted).toMatchObject({ code: 0, output: expect.stringMatching(/^deleted scale-09: /) });
  expect(await joined.closed).toBe(BatonCloseCode.DEVICE_REVOKED);
  await expect(ScriptedDevice.online(baton.httpUrl, "scale-09", secretOf(added.output))).rejects.toThrow(/UNKNOWN_DEVICE/);
  expect((await runCli(["device", "list"], env)).output).not.toMatch(/scale-09/);
  expect(await runCli(["device", "delete", "scale-09"], env)).toEqual({ code: 2, output: 'baton: no device "scale-09" is registered' });
  expect((await baton.services.audit.list({ deviceId: "scale-09", limit: 5 })).map((entry) => entry.action)).toEqual(["delete", "register"]);
});
