/**
 * Is a Baton server running on this store right now? `npm run baton -- device raise-epoch`
 * and `repair-epoch` must refuse then: a live room of the device keeps the epoch it holds,
 * fails to store it over the new one and holds its commands (issue 22: EpochRegressionError
 * every few seconds, claims hang).
 *
 * - SQLite: the server writes `baton.server.json` (its pid, host and address) beside the
 *   database while it runs and removes it when it stops; a marker whose process is gone (a
 *   crash) is stale and ignored.
 * - PostgreSQL: every server connection carries application_name `baton-server:<schema>`
 *   (adapters/openStore.ts); any such connection to the database means a server is up.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { applicationNameOf, type StoreConfig } from "../adapters/openStore.ts";

export const LIVE_SERVER_MARKER = "baton.server.json";

interface Marker {
  pid: number;
  hostname: string;
  url: string;
  startedAt: string;
}

/** Writes the SQLite store's marker; returns the function that removes it (also run at exit). */
export function markLiveServer(store: StoreConfig, url: string): () => void {
  if (store.databaseUrl) return () => {};
  const file = path.join(store.dataDir, LIVE_SERVER_MARKER);
  const marker: Marker = { pid: process.pid, hostname: os.hostname(), url, startedAt: new Date().toISOString() };
  writeFileSync(file, JSON.stringify(marker) + "\n", { mode: 0o600 });
  const remove = () => {
    try {
      const current = JSON.parse(readFileSync(file, "utf8")) as Marker;
      if (current.pid === process.pid) rmSync(file, { force: true });
    } catch { /* gone already */ }
  };
  process.once("exit", remove);
  return remove;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // alive, another user's
  }
}

/** A sentence naming the server that runs on this store, or null when none does. */
export async function liveServerOn(store: StoreConfig): Promise<string | null> {
  if (store.databaseUrl) {
    const client = new pg.Client({ connectionString: store.databaseUrl, connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      const { rows } = await client.query<{ servers: string }>(
        "select count(distinct client_addr::text || ':' || coalesce(client_port, 0)::text || ':' || pid::text) as servers from pg_stat_activity where datname = current_database() and application_name = $1",
        [applicationNameOf("server", store.databaseSchema)],
      );
      const count = Number(rows[0]?.servers ?? 0);
      return count > 0 ? `a Baton server is connected to this PostgreSQL database (${count} connection${count === 1 ? "" : "s"} named ${applicationNameOf("server", store.databaseSchema)})` : null;
    } finally {
      await client.end();
    }
  }
  let marker: Marker;
  try {
    marker = JSON.parse(readFileSync(path.join(store.dataDir, LIVE_SERVER_MARKER), "utf8")) as Marker;
  } catch {
    return null;
  }
  if (marker.hostname !== os.hostname()) {
    return `a Baton server on ${marker.hostname} marked this store as in use (pid ${marker.pid}, ${marker.url}); if it is stopped, delete ${path.join(store.dataDir, LIVE_SERVER_MARKER)}`;
  }
  if (!processAlive(marker.pid)) return null; // a crashed server's marker
  return `a Baton server runs on this store (pid ${marker.pid}, ${marker.url}, since ${marker.startedAt})`;
}
