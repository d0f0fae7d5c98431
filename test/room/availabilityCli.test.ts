/**
 * Drain, quarantine and release with the CLI (`npm run baton -- device …`), against the
 * store a running server uses: the device's live room applies the decision within
 * BATON_REGISTRY_POLL_MS, those waiting are told, the decision survives a server restart.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openSqliteStore } from "@baton/server/adapters/sqlite/sqliteStore.ts";
import { runCli } from "@baton/server/cli/baton.ts";
import { joinDevice } from "../support/deviceSession.ts";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";

const dataDir = mkdtempSync(path.join(os.tmpdir(), "baton-availability-"));
const env = { BATON_DATA_DIR: dataDir };
let baton: TestBaton;

beforeAll(async () => {
  baton = await startBaton({ store: await openSqliteStore({ dataDir }), config: { registryPollMs: 100 }, timers: { ownerIdleTimeoutMs: 0 } });
});
afterAll(async () => {
  await baton.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
});

it("a CLI quarantine reaches the live room, tells the line, and survives a restart; release brings it back", async () => {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
  const alice = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("alice"), deviceId });
  const bob = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("bob"), deviceId });
  const left = new Promise<any>((resolve) => bob.room.onMessage("queue_left", resolve));
  await waitFor(() => alice.state.device.online);
  alice.claim();
  await waitFor(() => alice.state.session.ownerId === "alice");
  bob.room.send("enqueue", {});
  await waitFor(() => bob.state.queue.length === 1);

  expect((await runCli(["device", "quarantine", deviceId], env)).code).toBe(2); // a reason is required
  const quarantined = await runCli(["device", "quarantine", deviceId, "--reason", "cable frayed"], env);
  expect(quarantined).toMatchObject({ code: 0, output: expect.stringContaining("quarantined") });
  expect(await left).toMatchObject({ reason: "device_unavailable", message: expect.stringContaining("cable frayed") });
  await waitFor(() => alice.state.device.availability === "quarantined" && alice.state.device.availabilityReason === "cable frayed");
  expect(alice.state.session.ownerId).toBe("alice"); // the session in flight goes on
  expect((await runCli(["device", "availability"], env)).output).toMatch(new RegExp(`${deviceId}\\s+quarantined.*cable frayed`));

  alice.release();
  await waitFor(() => alice.state.session.phase === "idle");
  await alice.leave();
  await bob.leave();
  await device.leave();
  await baton.colyseus.cleanup();

  // A new room (as after a restart) starts quarantined, from the stored state.
  const carol = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("carol"), deviceId });
  const again = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
  await waitFor(() => carol.state.device.online && carol.state.device.availability === "quarantined");
  carol.claim();
  expect((await carol.nextError()).code).toBe("DEVICE_UNAVAILABLE");

  expect((await runCli(["device", "release", deviceId], env)).code).toBe(0);
  await waitFor(() => carol.state.device.availability === "available", 5_000);
  carol.claim();
  await waitFor(() => carol.state.session.ownerId === "carol");
  await carol.leave();
  await again.device.leave();
});
