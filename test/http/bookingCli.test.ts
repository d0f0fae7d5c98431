/**
 * `npm run baton -- booking …` against a SQLite store with registered devices: create on a
 * user's behalf (conflicts refused), list, cancel, and usage errors with exit code 2.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openSqliteStore } from "@baton/server/adapters/sqlite/sqliteStore.ts";
import { runCli } from "@baton/server/cli/baton.ts";
import { registerTestDevices } from "../support/baton.ts";

const dataDir = mkdtempSync(path.join(os.tmpdir(), "baton-booking-cli-"));
const env = { BATON_DATA_DIR: dataDir };

beforeAll(async () => {
  const store = await openSqliteStore({ dataDir });
  await registerTestDevices(store);
  await store.close();
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it("creates, lists and cancels bookings through the store", async () => {
  const start = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 24 * 3_600_000);
  const end = new Date(start.getTime() + 30 * 60_000);
  const created = await runCli(["booking", "create", "test-1", "--user", "ada", "--name", "Ada", "--start", start.toISOString(), "--end", end.toISOString()], env);
  expect(created).toMatchObject({ code: 0, output: expect.stringContaining("booked for ada") });
  const bookingId = created.output.split(":")[0];

  const clash = await runCli(["booking", "create", "test-1", "--user", "bob", "--start", start.toISOString(), "--end", end.toISOString()], env);
  expect(clash).toMatchObject({ code: 2, output: expect.stringContaining("already booked") });

  const listed = await runCli(["booking", "list", "test-1"], env);
  expect(listed.output).toMatch(new RegExp(`${bookingId}\\s+${start.toISOString()}.*booked\\s+ada\\s+Ada`));

  expect(await runCli(["booking", "cancel", bookingId], env)).toMatchObject({ code: 0, output: `${bookingId}: cancelled` });
  expect((await runCli(["booking", "cancel", bookingId], env)).code).toBe(2);
  expect((await runCli(["booking", "list", "test-1"], env)).output).toMatch(/cancelled/);
});

it("answers usage errors with exit code 2", async () => {
  expect((await runCli(["booking", "create", "test-1", "--start", "x"], env)).code).toBe(2);
  expect((await runCli(["booking", "create", "nobody", "--user", "a", "--start", "2026-12-10T14:00Z", "--end", "2026-12-10T15:00Z"], env)).output).toContain("no device");
  expect((await runCli(["booking", "frobnicate"], env)).code).toBe(2);
  expect((await runCli(["--help"], env)).output).toContain("booking create");
});
