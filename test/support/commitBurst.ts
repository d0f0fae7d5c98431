/**
 * How much a stream of transition commits costs the event loop (issue 20 item 2): the same
 * writes through the SQLite store as it runs now (the writing connection on a worker thread)
 * and through the writer that used to run on the event loop (`createSqliteTransitions` on a
 * connection of the calling thread). Used by the event-loop test
 * (server/src/adapters/sqlite/eventLoop.test.ts) and the focused measurement
 * (bench/sqliteCommits.ts, figures in docs/BENCHMARKS.md).
 *
 * The figures are about the event loop, not wall time (the test machines are shared and
 * loaded): `blockedMs` is the time the event loop was busy (eventLoopUtilization's active
 * time) while the commits ran — a commit on the event loop counts in full, fsync included;
 * a commit on the worker counts only the posting and the reply — and the delay histogram is
 * how late a 1 ms timer fired meanwhile (perf_hooks.monitorEventLoopDelay).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import SQLite from "better-sqlite3";
import { openSqliteStore, SQLITE_FILE_NAME } from "../../server/src/adapters/sqlite/sqliteStore.ts";
import { createSqliteTransitions } from "../../server/src/adapters/sqlite/sqliteTransitions.ts";
import { SqliteWorkerClient } from "../../server/src/adapters/sqlite/workerClient.ts";
import { MainThreadReader, workerDialect } from "../../server/src/adapters/sqlite/workerDialect.ts";
import type { Database } from "../../server/src/adapters/sql/schema.ts";
import { SqlResults } from "../../server/src/adapters/sql/sqlResults.ts";
import { Kysely } from "kysely";
import { AuditAction, type TransitionWrite, type TransitionWriter } from "../../server/src/ports/store.ts";
import { initialState } from "../../server/src/session/index.ts";

export interface BurstShape {
  /** Rounds one after the other; each waits for its commits. */
  rounds: number;
  /** Devices committing at once in a round (one group). */
  devices: number;
}

export interface BurstFigures {
  commits: number;
  wallMs: number;
  /** Event-loop busy time over the burst. */
  blockedMs: number;
  blockedUsPerCommit: number;
  maxDelayMs: number;
  p99DelayMs: number;
  /** CPU of the whole process (all threads), per commit. */
  cpuUsPerCommit: number;
}

/** A transition like a claim's: the state with a new epoch, a session started, a run started, an audit entry. */
function claimWrite(deviceId: string, epoch: number): TransitionWrite {
  const at = Date.now();
  return {
    state: { ...initialState(deviceId, at), epoch },
    history: [
      { kind: "sessionStarted", record: { deviceId, epoch, userId: "alice", userName: "Alice", startedAt: at } },
      { kind: "runStarted", record: { deviceId, runId: `${deviceId}-${epoch}`, epoch, userId: "alice", sessionType: "weighing", input: { grams: epoch }, startedAt: at } },
    ],
    audit: [{ at, actor: "alice", action: AuditAction.CLAIM, deviceId, detail: { epoch } }],
  };
}

export async function measureBurst(transitions: TransitionWriter, shape: BurstShape): Promise<BurstFigures> {
  // Warm up: statements prepared, the worker's code compiled.
  await Promise.all(Array.from({ length: shape.devices }, (_, d) => transitions.commit(claimWrite(`dev-${d}`, 1))));
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let round = 0; round < shape.rounds; round++) {
    await Promise.all(Array.from({ length: shape.devices }, (_, d) => transitions.commit(claimWrite(`dev-${d}`, round + 2))));
  }
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const busy = performance.eventLoopUtilization(elu);
  delay.disable();
  const commits = shape.rounds * shape.devices;
  return {
    commits,
    wallMs,
    blockedMs: busy.active,
    blockedUsPerCommit: (busy.active * 1000) / commits,
    maxDelayMs: delay.max / 1e6,
    p99DelayMs: delay.percentile(99) / 1e6,
    cpuUsPerCommit: (used.user + used.system) / commits,
  };
}

/** The burst through the store as it runs (worker thread), in a fresh data directory. */
export async function burstOnWorker(shape: BurstShape, synchronous: "full" | "normal" = "full"): Promise<BurstFigures> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "baton-burst-"));
  const store = await openSqliteStore({ dataDir: dir, synchronous });
  try {
    return await measureBurst(store.transitions, shape);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same burst through the writer on the event loop (as before issue 20), same pragmas. */
export async function burstOnEventLoop(shape: BurstShape, synchronous: "full" | "normal" = "full"): Promise<BurstFigures> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "baton-burst-"));
  await (await openSqliteStore({ dataDir: dir })).close(); // creates and migrates the file
  const database = new SQLite(path.join(dir, SQLITE_FILE_NAME));
  database.pragma("journal_mode = WAL");
  database.pragma(synchronous === "normal" ? "synchronous = NORMAL" : "synchronous = FULL");
  database.pragma("foreign_keys = ON");
  try {
    const transitions = createSqliteTransitions(database);
    const figures = await measureBurst(transitions, shape);
    await transitions.drain();
    return figures;
  } finally {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ReadFigures {
  reads: number;
  busyUs: number;
  cpuUs: number;
  wallUs: number;
}

/** `findByRunId` one after the other: main-thread reader against the worker, same file. */
export async function compareReads(reads: number): Promise<[string, ReadFigures][]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "baton-reads-"));
  const store = await openSqliteStore({ dataDir: dir });
  const worker = await SqliteWorkerClient.start({ file: path.join(dir, SQLITE_FILE_NAME), synchronous: "full" });
  const reader = new MainThreadReader(new SQLite(path.join(dir, SQLITE_FILE_NAME), { readonly: true }));
  try {
    for (let i = 0; i < 100; i++) await store.results.saveDelivered({ deviceId: "d", runId: `r${i}`, epoch: 1, userId: "u", sessionType: "t", output: { i }, storedAt: 1 });
    const rows: [string, ReadFigures][] = [];
    for (const [label, readerOrNull] of [["main-thread read-only connection (the store)", reader], ["posted to the worker", null]] as const) {
      const db = new Kysely<Database>({ dialect: workerDialect(worker, readerOrNull) });
      const results = new SqlResults(db);
      for (let i = 0; i < 200; i++) await results.findByRunId("d", `r${i % 100}`);
      const elu = performance.eventLoopUtilization();
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (let i = 0; i < reads; i++) await results.findByRunId("d", `r${i % 100}`);
      const wall = performance.now() - started;
      const used = process.cpuUsage(cpu);
      const busy = performance.eventLoopUtilization(elu);
      rows.push([label, { reads, busyUs: (busy.active * 1000) / reads, cpuUs: (used.user + used.system) / reads, wallUs: (wall * 1000) / reads }]);
    }
    return rows;
  } finally {
    reader.close();
    await worker.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
