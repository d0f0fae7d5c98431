/**
 * The SQLite worker's own rules (sqliteWorker.ts, workerDialect.ts): a group never lands in a
 * transaction Kysely has open on the worker's connection (that one could still roll back
 * after the group's writers were told they were committed); errors keep their class and
 * code across the thread; a database in memory (no main-thread reader) works the same.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import SQLite from "better-sqlite3";
import { Kysely } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { EpochRegressionError } from "../../ports/deviceStates.ts";
import { initialState } from "../../session/index.ts";
import type { Database } from "../sql/schema.ts";
import { SQLITE_FILE_NAME, openSqliteStore } from "./sqliteStore.ts";
import { SqliteWorkerClient } from "./workerClient.ts";
import { MainThreadReader, workerDialect } from "./workerDialect.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function freshDir() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "baton-worker-"));
  dirs.push(dir);
  return dir;
}

describe("the SQLite worker", () => {
  it("holds a group back while a Kysely transaction is open, and commits it after that one rolled back", async () => {
    const dir = freshDir();
    await (await openSqliteStore({ dataDir: dir })).close(); // creates and migrates the file
    const file = path.join(dir, SQLITE_FILE_NAME);
    const worker = await SqliteWorkerClient.start({ file, synchronous: "full" });
    const reader = new MainThreadReader(new SQLite(file, { readonly: true }));
    const db = new Kysely<Database>({ dialect: workerDialect(worker, reader) });
    const order: string[] = [];
    let group: Promise<unknown> | null = null;
    try {
      await expect(db.transaction().execute(async (trx) => {
        await trx.insertInto("audit").values({ at: 1, actor: "in-transaction", action: "claim", device_id: "d", detail: "{}" }).execute();
        // A group posted while the transaction is open (it awaits between its queries).
        group = worker.request({ op: "group", items: [{ kind: "transition", write: { audit: [{ at: 2, actor: "grouped", action: "claim", deviceId: "d", detail: {} }] } }] })
          .then((settled) => { order.push("group committed"); return settled; });
        await new Promise((resolve) => setTimeout(resolve, 50));
        order.push("transaction rolling back");
        throw new Error("roll back");
      })).rejects.toThrow("roll back");
      await group;
      expect(order).toEqual(["transaction rolling back", "group committed"]);
      const actors = (await db.selectFrom("audit").select("actor").execute()).map((row) => row.actor);
      expect(actors).toEqual(["grouped"]); // the group's row, not the rolled-back one
    } finally {
      await db.destroy();
      await worker.close();
    }
  });

  it("rebuilds errors with their class and SQLite code on the main thread", async () => {
    const store = await openSqliteStore({ dataDir: freshDir() });
    try {
      await store.transitions.commit({ state: { ...initialState("dev-e", 1), epoch: 5 } });
      await expect(store.transitions.commit({ state: { ...initialState("dev-e", 1), epoch: 4 } })).rejects.toBeInstanceOf(EpochRegressionError);
      await store.devices.add({ deviceId: "d1", label: "one", kind: "scale", secretHash: "h", createdAt: 1 });
      const direct = await SqliteWorkerClient.start({ file: path.join(store.location), synchronous: "full" });
      try {
        await expect(direct.request({ op: "query", conn: 1, sql: `insert into "devices" ("device_id", "label", "kind", "secret_hash", "created_at") values ('d1', 'x', 'scale', 'h', 1)`, params: [] }))
          .rejects.toMatchObject({ code: "SQLITE_CONSTRAINT_PRIMARYKEY" });
      } finally {
        await direct.close();
      }
    } finally {
      await store.close();
    }
  });

  it("works on a database in memory, where reads go to the worker too", async () => {
    const store = await openSqliteStore({ dataDir: ":memory:" });
    try {
      await store.transitions.commit({
        state: { ...initialState("dev-m", 1), epoch: 2 },
        delivered: [{ deviceId: "dev-m", runId: "r1", epoch: 2, userId: "u", sessionType: "t", output: { ok: true }, storedAt: 1 }],
      });
      expect((await store.deviceStates.load("dev-m"))?.epoch).toBe(2);
      expect((await store.results.findByRunId("dev-m", "r1"))?.output).toEqual({ ok: true });
      expect(await store.results.markHandedOver("dev-m", ["r1"], 5)).toEqual(["r1"]);
      expect(await store.results.markHandedOver("dev-m", ["r1"], 6)).toEqual([]);
      await store.ping();
    } finally {
      await store.close();
    }
  });
});
