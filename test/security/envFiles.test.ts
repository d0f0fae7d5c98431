/**
 * The mode and every setting come from the process environment alone. A stray `.env`,
 * `.env.development` or `.env.production` in the working directory (say, left by a
 * developer on a production host) must neither switch a production server into development
 * mode — which would open `POST /dev/token`, minting tokens for anyone — nor change any
 * other setting.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { PRODUCTION_JWT_SECRET, spawnServer, stopAllServers, writeTestRegistry } from "../support/serverProcess.ts";

afterAll(stopAllServers);

/** A working directory whose env files all try to turn the server into a development server. */
async function directoryWithHostileEnvFiles(): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), "baton-envfiles-"));
  const hostile = [
    "BATON_ENV=development",
    "NODE_ENV=development",
    "BATON_JWT_SECRET=from-an-env-file-from-an-env-file-0000",
    "BATON_MAX_SPECTATORS=1",
    "",
  ].join("\n");
  for (const name of [".env", ".env.development", ".env.production", ".env.test"]) {
    await writeFile(path.join(directory, name), hostile);
  }
  return directory;
}

async function expectProductionServer(httpUrl: string) {
  const health = await (await fetch(`${httpUrl}/health`)).json();
  expect(health.mode).toBe("production");
  const devToken = await fetch(`${httpUrl}/dev/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId: "mallory" }),
  });
  expect(devToken.status).toBe(404);
}

it("stays in production when BATON_ENV=production is set and the working directory has .env files", async () => {
  const cwd = await directoryWithHostileEnvFiles();
  const server = await spawnServer({
    BATON_ENV: "production",
    BATON_JWT_SECRET: PRODUCTION_JWT_SECRET,
    BATON_DEVICES_FILE: await writeTestRegistry(cwd),
  }, { cwd });
  await server.ready();
  await expectProductionServer(server.httpUrl);
  expect(server.stdout + server.stderr).not.toMatch(/\.env|injected env/);
}, 30_000);

it("ignores env files even when BATON_ENV is not set (production is the default)", async () => {
  const cwd = await directoryWithHostileEnvFiles();
  const server = await spawnServer({
    BATON_JWT_SECRET: PRODUCTION_JWT_SECRET,
    BATON_DEVICES_FILE: await writeTestRegistry(cwd),
  }, { cwd });
  await server.ready();
  await expectProductionServer(server.httpUrl);
  expect(server.stdout).toContain("production mode");
}, 30_000);

it("does not take a required secret from an env file: production without BATON_JWT_SECRET refuses to start", async () => {
  const cwd = await directoryWithHostileEnvFiles();
  const server = await spawnServer({ BATON_ENV: "production", BATON_DEVICES_FILE: await writeTestRegistry(cwd) }, { cwd });
  expect(await server.exited).toBe(2);
  expect(server.stderr).toContain("BATON_JWT_SECRET must be set");
}, 30_000);
