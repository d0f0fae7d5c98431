/**
 * S2 — fan-out: one change reaching every spectator of one device, Baton against a bare `ws`
 * broadcast (the relay). Method: bench/README.md §2.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { analyseFanout } from "../lib/fanout.ts";
import { summarize, type LatencySummary } from "../lib/histogram.ts";
import { hrtimeUs, type SpectatorCommand, type SpectatorMessage } from "../lib/ipc.ts";
import { cpuTimeUs, LoadProcess, type ServerProcess } from "../lib/processes.ts";
import type { SystemName } from "../lib/wire.ts";
import { startDriver, SYSTEMS, targetFor, us } from "./common.ts";
import type { BenchContext, Scenario } from "./types.ts";

const FANOUT_DEVICE = "lab-1";
const SPECTATORS_PER_PROCESS = 500;

type Spectators = LoadProcess<SpectatorCommand, SpectatorMessage>;

export interface FanoutRow {
  system: SystemName;
  spectators: number;
  changes: number;
  toLast: LatencySummary;
  each: LatencySummary;
  missed: number;
  overlapping: number;
  serverCpuUsPerChange: number;
}

function settingsFor(context: BenchContext) {
  const { quick, smoke, args } = context;
  return {
    sizes: String(args.fanout ?? (smoke ? "50" : quick ? "200" : "200,1000")).split(",").filter(Boolean).map(Number),
    /** Claims in a fan-out run, each followed by a release: two changes per claim. */
    claims: smoke ? 5 : quick ? 20 : 50,
  };
}

async function fanoutOnce(context: BenchContext, settings: ReturnType<typeof settingsFor>, server: ServerProcess, system: SystemName, spectatorCount: number): Promise<FanoutRow> {
  const target = targetFor(server, system, FANOUT_DEVICE);
  const driver = await startDriver(system, target);
  const groups: Spectators[] = [];
  try {
    const processes = Math.ceil(spectatorCount / SPECTATORS_PER_PROCESS);
    for (let p = 0; p < processes; p++) {
      const count = Math.min(SPECTATORS_PER_PROCESS, spectatorCount - p * SPECTATORS_PER_PROCESS);
      groups.push(new LoadProcess(`${system} spectators ${p + 1}`, "bench/load/spectators.ts", { target, count, offset: p * SPECTATORS_PER_PROCESS }));
    }
    const joined = await Promise.all(groups.map((group) => group.next(["ready"], 60_000)));
    const connected = joined.reduce((sum, ready) => sum + ready.connected, 0);
    await sleep(300);
    await Promise.all(groups.map((group) => group.request({ cmd: "collect" }, ["patches"], 10_000))); // drop join-time frames
    // A claim's patches must all land before its release is sent, and the release's before the next claim.
    const holdMs = spectatorCount >= 1000 ? 50 : 25;
    const cpuFrom = cpuTimeUs(server.pid);
    const report = await driver.request({ cmd: "fanout", ops: settings.claims, spacingMs: holdMs * 2, holdMs }, ["fanout"], settings.claims * holdMs * 2 + 30_000);
    const serverCpuUs = cpuTimeUs(server.pid) - cpuFrom;
    const endUs = hrtimeUs();
    await sleep(100);
    const collected = await Promise.all(groups.map((group) => group.request({ cmd: "collect" }, ["patches"], 30_000)));
    if (report.errors.length > 0) throw new Error(`${system} fan-out: ${report.errors.slice(0, 3).join(" | ")}`);
    const changes = report.claimSentAtUs.flatMap((at, i) => [at, report.releaseSentAtUs[i]!]);
    const analysis = analyseFanout(changes, endUs, collected.flatMap((c) => c.perClient));
    context.log(`S2 fan-out ${system} to ${connected}: last spectator p99 ${summarize(analysis.toLast).p99} µs (${analysis.missed} missed, ${analysis.overlapping} overlapping)`);
    return {
      system, spectators: connected, changes: analysis.changes,
      toLast: summarize(analysis.toLast), each: summarize(analysis.each),
      missed: analysis.missed, overlapping: analysis.overlapping,
      serverCpuUsPerChange: serverCpuUs / analysis.changes,
    };
  } finally {
    await Promise.all([driver.stop({ cmd: "stop" }), ...groups.map((group) => group.stop({ cmd: "stop" }))]);
  }
}

async function run(context: BenchContext) {
  const settings = settingsFor(context);
  const servers = await context.servers();
  const rows: FanoutRow[] = [];
  for (const size of settings.sizes) {
    for (const system of SYSTEMS) rows.push(await fanoutOnce(context, settings, servers[system], system, size));
  }
  const data = { settings, rows };
  return { markdown: render(data), data };
}

function render({ settings, rows }: { settings: ReturnType<typeof settingsFor>; rows: FanoutRow[] }): string {
  const lines: string[] = [];
  lines.push("### S2 — fan-out: one change reaching every spectator of one device");
  lines.push("");
  lines.push(`${settings.claims} claims, each released again, so ${settings.claims * 2} changes per run; time from sending the claim (or release) to the patch frame's arrival. "To last" is per change, to the slowest spectator; "each" is per change and spectator.`);
  lines.push("");
  lines.push("| spectators | system | changes | to last p50 | to last p99 | to last max | each p50 | each p99 | server CPU-µs/change | missed / overlapping |");
  lines.push("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|");
  for (const row of rows) {
    lines.push(`| ${row.spectators} | ${row.system} | ${row.changes} | ${us(row.toLast.p50)} | ${us(row.toLast.p99)} | ${us(row.toLast.max)} | ${us(row.each.p50)} | ${us(row.each.p99)} | ${us(row.serverCpuUsPerChange)} | ${row.missed} / ${row.overlapping} |`);
  }
  return lines.join("\n");
}

export const s2FanOut: Scenario = {
  id: "S2",
  title: "fan-out",
  options: { fanout: { type: "string" } },
  usage: ["--fanout 200,1000 S2: spectator counts"],
  run,
};
