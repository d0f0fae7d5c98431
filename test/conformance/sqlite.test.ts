/** The SQLite adapter through the store's conformance suite: a fresh file per test, removed after. */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openSqliteStore } from "@baton/server/adapters/sqlite/sqliteStore.ts";
import type { BatonStore } from "@baton/server/ports/store.ts";
import { runBookingConformance } from "./bookings.cases.ts";
import { runStoreConformance, type StoreFactory } from "./store.cases.ts";

const dirs = new Map<BatonStore, string>();

const factory: StoreFactory = {
  async open() {
    const dir = mkdtempSync(path.join(os.tmpdir(), "baton-sqlite-"));
    const store = await openSqliteStore({ dataDir: dir });
    dirs.set(store, dir);
    return store;
  },
  async dispose(store) {
    await store.close();
    rmSync(dirs.get(store)!, { recursive: true, force: true });
    dirs.delete(store);
  },
};

runStoreConformance("sqlite", factory);
runBookingConformance("sqlite", factory);
