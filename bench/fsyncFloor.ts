/**
 * The disk's floor under a durable claim (issue 20): how long one durable commit takes on this
 * machine, measured, with nothing of Baton in it. Two figures, each a series of N in a row:
 *
 *   - `fdatasync`: append 200 bytes to a file and fdatasync it (what any durable log pays);
 *   - `sqlite FULL`: one-row insert commits in WAL mode at `synchronous = FULL` (better-sqlite3,
 *     the store's own settings: each commit appends to the WAL and fsyncs it).
 *
 * A claim at `synchronous = FULL` has two commits in series before its owner can claim again
 * (the state before `start`, the result's transition before the next claim's commit on the
 * room's chain), so 1 / (2 × commit p50) bounds one device's closed-loop claims per second,
 * whatever the CPU does. Written in the temporary directory (the bench's data directories
 * live there too).
 *
 *   npx tsx bench/fsyncFloor.ts [N]
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import SQLite from "better-sqlite3";

const count = Number(process.argv[2] ?? 500);
const dir = mkdtempSync(path.join(os.tmpdir(), "baton-fsync-floor-"));

function summary(label: string, samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  console.log(`| ${label} | ${samples.length} | ${at(0.5).toFixed(0)} | ${at(0.9).toFixed(0)} | ${at(0.99).toFixed(0)} | ${sorted[0]!.toFixed(0)} |`);
  return at(0.5);
}

const elapsedUs = (from: bigint) => Number(process.hrtime.bigint() - from) / 1000;

console.log(`${os.cpus().length} CPUs, load average ${os.loadavg().map((v) => v.toFixed(2)).join(" ")}, ${count} in a row each, in ${os.tmpdir()}`);
console.log("| what | n | p50 µs | p90 µs | p99 µs | min µs |");
console.log("|---|---:|---:|---:|---:|---:|");

const fd = openSync(path.join(dir, "log"), "a");
const line = Buffer.alloc(200, 0x61);
const raw: number[] = [];
for (let i = 0; i < count; i++) {
  const from = process.hrtime.bigint();
  writeSync(fd, line);
  fdatasyncSync(fd);
  raw.push(elapsedUs(from));
}
closeSync(fd);
summary("append 200 B + fdatasync", raw);

const db = new SQLite(path.join(dir, "floor.sqlite"));
db.pragma("journal_mode = WAL");
db.pragma("synchronous = FULL");
db.exec("create table t (id integer primary key, body text)");
const insert = db.prepare("insert into t (body) values (?)");
const commits: number[] = [];
const body = "x".repeat(600);
for (let i = 0; i < count; i++) {
  const from = process.hrtime.bigint();
  insert.run(body);
  commits.push(elapsedUs(from));
}
const p50 = summary("SQLite WAL, synchronous = FULL: one-row commit", commits);
db.close();
rmSync(dir, { recursive: true, force: true });
console.log(`\ntwo commits in series per claim: at most ${Math.round(1e6 / (2 * p50))} claims/s for one device, from the disk alone`);
