/**
 * `device raise-epoch` on a running server jammed the device (a live room keeps the epoch
 * it holds: EpochRegressionError every few seconds, claims hang) and warned only afterwards
 * (issue 22 item 5). Now it refuses while a server runs on the store — SQLite (the server's
 * marker beside the database) and PostgreSQL (its connections' application_name) — and works
 * once the server has stopped.
 */
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { runCli } from "../../server/src/cli/baton.ts";
import { LIVE_SERVER_MARKER } from "../../server/src/store/liveServer.ts";
import { createTestSchema } from "../support/postgres.ts";
import { PRODUCTION_DEVICE, spawnProductionServer, stopAllServers } from "../support/serverProcess.ts";

afterAll(stopAllServers);

const REFUSAL = /^baton: refusing to raise the epoch of prod-1: a Baton server .*\. A live room keeps the epoch it holds .*stop the server, run this again, then start it/;

it("on SQLite: refuses while the server runs, and raises the epoch once it has stopped", async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), "baton-raise-"));
  const server = await spawnProductionServer({ BATON_DATA_DIR: dataDir });
  expect(existsSync(path.join(dataDir, LIVE_SERVER_MARKER))).toBe(true);
  const refused = await runCli(["device", "raise-epoch", PRODUCTION_DEVICE.deviceId, "40"], { BATON_DATA_DIR: dataDir });
  expect(refused.code).toBe(2);
  expect(refused.output).toMatch(REFUSAL);
  expect(refused.output).toContain(`pid ${server.pid}`);

  await server.stop();
  expect(existsSync(path.join(dataDir, LIVE_SERVER_MARKER))).toBe(false);
  expect(await runCli(["device", "raise-epoch", PRODUCTION_DEVICE.deviceId, "40"], { BATON_DATA_DIR: dataDir })).toEqual({ code: 0, output: "prod-1: epoch is now 40; start the server again" });
}, 60_000);

it("on SQLite: a crashed server's marker does not block the recovery", async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), "baton-raise-"));
  const server = await spawnProductionServer({ BATON_DATA_DIR: dataDir });
  await server.stop("SIGKILL");
  expect(existsSync(path.join(dataDir, LIVE_SERVER_MARKER))).toBe(true);
  expect((await runCli(["device", "raise-epoch", PRODUCTION_DEVICE.deviceId, "7"], { BATON_DATA_DIR: dataDir })).code).toBe(0);
}, 60_000);

it("on PostgreSQL: refuses while a server is connected, and raises the epoch once it has stopped", async () => {
  const schema = await createTestSchema();
  try {
    const env = { DATABASE_URL: schema.url, BATON_DATABASE_SCHEMA: schema.schema };
    const server = await spawnProductionServer(env);
    const refused = await runCli(["device", "raise-epoch", PRODUCTION_DEVICE.deviceId, "40"], env);
    expect(refused.code).toBe(2);
    expect(refused.output).toMatch(REFUSAL);
    await server.stop();
    expect((await runCli(["device", "raise-epoch", PRODUCTION_DEVICE.deviceId, "40"], env)).code).toBe(0);
  } finally {
    await schema.drop();
  }
}, 60_000);
