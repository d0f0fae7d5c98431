/**
 * Focused measurement (issue 20 item 2): event-loop busy time and delay per SQLite commit,
 * on the worker thread (as the store runs now) against the writer on the event loop (as
 * before), same writes, same pragmas. Prints a markdown table (docs/BENCHMARKS.md, "SQLite
 * off the event loop").
 *
 *   npx tsx --conditions=@baton/source bench/sqliteCommits.ts [full|normal] [repeats]
 */
import { burstOnEventLoop, burstOnWorker, compareReads, type BurstFigures, type BurstShape } from "../test/support/commitBurst.ts";

const synchronous = process.argv[2] === "normal" ? "normal" : "full";
const repeats = Number(process.argv[3] ?? 3);
const shapes: [string, BurstShape][] = [
  ["one device, 300 commits one after the other", { rounds: 300, devices: 1 }],
  ["50 devices at once, 20 rounds (1,000 commits)", { rounds: 20, devices: 50 }],
];

const row = (label: string, path: string, f: BurstFigures) =>
  `| ${label} | ${path} | ${f.commits} | ${f.blockedUsPerCommit.toFixed(0)} | ${f.maxDelayMs.toFixed(1)} | ${f.p99DelayMs.toFixed(1)} | ${f.cpuUsPerCommit.toFixed(0)} | ${(f.wallMs / f.commits * 1000).toFixed(0)} |`;

console.log(`synchronous = ${synchronous.toUpperCase()}, ${repeats} interleaved repeats, median of each column`);
console.log("| shape | commits run | commits | event loop busy µs/commit | max delay ms | p99 delay ms | process CPU µs/commit | wall µs/commit |");
console.log("|---|---|---|---|---|---|---|---|");
const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const combine = (runs: BurstFigures[]): BurstFigures => ({
  commits: runs[0]!.commits,
  wallMs: median(runs.map((r) => r.wallMs)),
  blockedMs: median(runs.map((r) => r.blockedMs)),
  blockedUsPerCommit: median(runs.map((r) => r.blockedUsPerCommit)),
  maxDelayMs: median(runs.map((r) => r.maxDelayMs)),
  p99DelayMs: median(runs.map((r) => r.p99DelayMs)),
  cpuUsPerCommit: median(runs.map((r) => r.cpuUsPerCommit)),
});
for (const [label, shape] of shapes) {
  const before: BurstFigures[] = [];
  const after: BurstFigures[] = [];
  for (let i = 0; i < repeats; i++) {
    before.push(await burstOnEventLoop(shape, synchronous));
    after.push(await burstOnWorker(shape, synchronous));
  }
  console.log(row(label, "on the event loop (before)", combine(before)));
  console.log(row(label, "worker thread (now)", combine(after)));
}

// Reads outside a transaction: answered on the main thread's read-only connection (as the store
// does) against posted to the worker, the same indexed lookup (ResultStore.findByRunId).
const readRows = await compareReads(2_000);
console.log("\n| read path | reads | event loop busy µs/read | process CPU µs/read | wall µs/read |");
console.log("|---|---|---|---|---|");
for (const [label, f] of readRows) console.log(`| ${label} | ${f.reads} | ${f.busyUs.toFixed(1)} | ${f.cpuUs.toFixed(1)} | ${f.wallUs.toFixed(1)} |`);
