/**
 * Where a Baton process's busy time went, from the V8 CPU profile `--cpu-prof` writes
 * (`npm run bench -- --only S1 --cpu-prof`): self time per category (the innermost frame
 * that belongs to one: socket writes, the SQLite worker hop, logging, metrics, zod, Kysely,
 * msgpack, Colyseus, ws, GC, or one of Baton's own files — otherwise Node's) or per function, over a
 * time window of the profile (seconds from its start; `--timeline` prints busy % per second
 * to find a phase).
 *
 *   npx tsx bench/profileShares.ts <file.cpuprofile> [--from 64] [--to 78] [--by category|function] [--top 30] [--timeline]
 *
 * The profiler samples wall time: on a loaded machine a thread that is descheduled mid-call
 * is counted busy, so read shares, not absolute times, and compare profiles from one run.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { from: { type: "string" }, to: { type: "string" }, by: { type: "string", default: "category" }, top: { type: "string", default: "30" }, timeline: { type: "boolean", default: false } },
});
const file = positionals[0];
if (!file) {
  console.error("usage: npx tsx bench/profileShares.ts <file.cpuprofile> [--from s] [--to s] [--by category|function] [--top n] [--timeline]");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const short = (url: string) => url.replace(/^file:\/\/.*?\/(server|shared|client)\//, "$1/").replace(/.*node_modules\//, "");
const RULES: [string, (frame: CallFrame) => boolean][] = [
  ["socket writes (writev/writeBuffer)", (f) => ["writev", "writevGeneric", "writeBuffer"].includes(f.functionName)],
  ["SQLite worker hop (postMessage, replies)", (f) => /workerClient|node:internal\/worker/.test(f.url) || f.functionName === "postMessage"],
  ["logging (pino)", (f) => /pino|sonic-boom|lifecycleLog/.test(f.url)],
  ["metrics (prom-client)", (f) => /prom-client|observability\/metrics/.test(f.url)],
  ["zod", (f) => /\/zod\//.test(f.url)],
  ["Kysely", (f) => /kysely/.test(f.url)],
  ["msgpack", (f) => /msgpackr/.test(f.url)],
  ["Colyseus schema", (f) => /@colyseus\/schema/.test(f.url)],
  ["Colyseus core", (f) => /@colyseus\/(core|ws-transport)/.test(f.url)],
  ["ws", (f) => /\/ws\/lib/.test(f.url)],
  ["GC", (f) => f.functionName === "(garbage collector)"],
];
const categories = new Map<number, string>();
function category(id: number): string {
  const known = categories.get(id);
  if (known) return known;
  // The innermost frame that is a category's, or one of Baton's own files (by file).
  let found: string | null = null;
  for (let at: number | undefined = id; at !== undefined && !found; at = parent.get(at)) {
    const frame = byId.get(at)!.callFrame;
    found = RULES.find(([, test]) => test(frame))?.[0] ?? (/\/(server|shared)\//.test(frame.url) && !/node_modules/.test(frame.url) ? `Baton: ${short(frame.url)}` : null);
  }
  if (!found) {
    const frame = byId.get(id)!.callFrame;
    found = frame.url.startsWith("node:") || frame.url === "" ? `Node/native: ${frame.functionName || "?"}` : `other: ${short(frame.url)}`;
  }
  categories.set(id, found);
  return found;
}

const from = values.from === undefined ? -Infinity : Number(values.from);
const to = values.to === undefined ? Infinity : Number(values.to);
let clock = 0;
let busy = 0;
let idle = 0;
const shares = new Map<string, number>();
const perSecond = new Map<number, number>();
for (let index = 0; index < profile.samples.length; index++) {
  clock += profile.timeDeltas[index]!;
  const seconds = clock / 1e6;
  const node = byId.get(profile.samples[index]!)!;
  const delta = profile.timeDeltas[index + 1] ?? 0;
  const isIdle = node.callFrame.functionName === "(idle)";
  if (!isIdle) perSecond.set(Math.floor(seconds), (perSecond.get(Math.floor(seconds)) ?? 0) + delta);
  if (seconds < from || seconds >= to) continue;
  if (isIdle) {
    idle += delta;
    continue;
  }
  busy += delta;
  const key = values.by === "function" ? `${node.callFrame.functionName || "(anonymous)"} ${short(node.callFrame.url)}:${node.callFrame.lineNumber + 1}` : category(node.id);
  shares.set(key, (shares.get(key) ?? 0) + delta);
}
if (values.timeline) {
  console.log("busy % of each second: " + [...perSecond].map(([second, us]) => `${second}:${Math.round(us / 1e4)}`).join(" "));
}
console.log(`window ${Number.isFinite(from) ? from : 0}–${Number.isFinite(to) ? to : "end"} s: busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`);
for (const [key, us] of [...shares].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
  console.log(`${(100 * us / busy).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
}
