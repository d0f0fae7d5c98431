/**
 * Finding 15: the data directory and `baton.sqlite` were created world-readable (0755 and
 * 0644 under the usual umask 022), so any local account could copy the store — device
 * secret hashes, every run's inputs and outputs, the audit log. A production server process
 * started on a data directory that does not exist yet must create it 0700 and the database
 * with its -wal and -shm files 0600; a database left 0644 by an older version is tightened
 * when it is opened.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStore, SQLITE_FILE_NAME } from "@baton/server/adapters/sqlite/sqliteStore.ts";
import { spawnProductionServer, stopAllServers } from "../support/serverProcess.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "baton-data-modes-"));
afterAll(async () => {
  await stopAllServers();
  rmSync(scratch, { recursive: true, force: true });
});

const modeOf = (file: string) => (statSync(file).mode & 0o777).toString(8).padStart(4, "0");

describe("the data directory and the SQLite files are private to the server's user", () => {
  it("creates the data directory 0700 and baton.sqlite, -wal and -shm 0600", async () => {
    const dataDir = path.join(scratch, "fresh", "data");
    const server = await spawnProductionServer({ BATON_DATA_DIR: dataDir });
    // A request that reads the store; the WAL files exist while the database is open.
    expect((await fetch(`${server.httpUrl}/readyz`)).status).toBe(200);
    const database = path.join(dataDir, SQLITE_FILE_NAME);
    expect(modeOf(dataDir)).toBe("0700");
    for (const file of [database, `${database}-wal`, `${database}-shm`]) {
      expect(existsSync(file), file).toBe(true);
      expect(modeOf(file), file).toBe("0600");
    }
    await server.stop();
  });

  it("tightens a database an older version left 0644", async () => {
    const dataDir = path.join(scratch, "older");
    mkdirSync(dataDir, { mode: 0o700 });
    const database = path.join(dataDir, SQLITE_FILE_NAME);
    const first = await openSqliteStore({ dataDir });
    await first.close();
    chmodSync(database, 0o644);
    writeFileSync(`${database}-wal`, "");
    chmodSync(`${database}-wal`, 0o644);
    const store = await openSqliteStore({ dataDir });
    try {
      expect(modeOf(database)).toBe("0600");
      expect(modeOf(`${database}-wal`)).toBe("0600");
      expect(modeOf(`${database}-shm`)).toBe("0600");
    } finally {
      await store.close();
    }
  });
});
