/**
 * S2 — fan-out: one change reaching every spectator of one device, Baton against a bare `ws`
 * broadcast (the relay). Method: bench/README.md §2.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { analyseFanout } from "../lib/fanout.ts";
import { summarize, type LatencySummary } from "../lib/histogram.ts";
import { hrtimeUs, type SpectatorCommand, type SpectatorMessage } from "../lib/ipc.ts";
import { cpuTimeUs, LoadProcess, type ServerProcess } from "../lib/processes.ts";
import { ratio, rotated, startDriver, systemsUnderTest, targetFor, us, type Driver, type System } from "./common.ts";
import type { BenchContext, Scenario } from "./types.ts";

const FANOUT_DEVICE = "lab-1";
const SPECTATORS_PER_PROCESS = 500;

type Spectators = LoadProcess<SpectatorCommand, SpectatorMessage>;

export interface FanoutRow {
  system: string;
  spectators: number;
  changes: number;
  toLast: LatencySummary;
  each: LatencySummary;
  missed: number;
  overlapping: number;
  serverCpuUsPerChange: number;
  /** Milliseconds between changes (from the calibration). */
  gapMs: number;
  attempts: number;
  /** Windows overlapped or a spectator missed a change: the figures are not valid. */
  void: boolean;
}

function settingsFor(context: BenchContext) {
  const { quick, smoke, args } = context;
  return {
    sizes: String(args.fanout ?? (smoke ? "50" : quick ? "200" : "200,1000")).split(",").filter(Boolean).map(Number),
    /** Claims in a fan-out run, each followed by a release: two changes per claim. */
    claims: smoke ? 5 : quick ? 20 : 50,
    calibrationClaims: smoke ? 2 : 3,
    calibrationGapMs: 250,
    minGapMs: 20,
    maxGapMs: 500,
  };
}

/** Claim/release `claims` times, each change `gapMs` after the previous; returns the analysis and the server CPU. */
async function changes(server: ServerProcess, driver: Driver, groups: Spectators[], claims: number, gapMs: number) {
  const cpuFrom = cpuTimeUs(server.pid);
  const report = await driver.request({ cmd: "fanout", ops: claims, spacingMs: gapMs * 2, holdMs: gapMs }, ["fanout"], claims * gapMs * 2 + 30_000);
  const serverCpuUs = cpuTimeUs(server.pid) - cpuFrom;
  const endUs = hrtimeUs();
  await sleep(Math.max(100, gapMs));
  const collected = await Promise.all(groups.map((group) => group.request({ cmd: "collect" }, ["patches"], 30_000)));
  if (report.errors.length > 0) throw new Error(`fan-out: ${report.errors.slice(0, 3).join(" | ")}`);
  const sent = report.claimSentAtUs.flatMap((at, i) => [at, report.releaseSentAtUs[i]!]);
  return { analysis: analyseFanout(sent, endUs, collected.flatMap((c) => c.perClient)), serverCpuUs };
}

async function fanoutOnce(context: BenchContext, settings: ReturnType<typeof settingsFor>, system: System, spectatorCount: number): Promise<FanoutRow> {
  const target = targetFor(system.server, system.protocol, FANOUT_DEVICE);
  const driver = await startDriver(system.label, target);
  const groups: Spectators[] = [];
  try {
    const processes = Math.ceil(spectatorCount / SPECTATORS_PER_PROCESS);
    for (let p = 0; p < processes; p++) {
      const count = Math.min(SPECTATORS_PER_PROCESS, spectatorCount - p * SPECTATORS_PER_PROCESS);
      groups.push(new LoadProcess(`${system.label} spectators ${p + 1}`, "bench/load/spectators.ts", { target, count, offset: p * SPECTATORS_PER_PROCESS }));
    }
    const joined = await Promise.all(groups.map((group) => group.next(["ready"], 120_000)));
    const connected = joined.reduce((sum, ready) => sum + ready.connected, 0);
    await sleep(300);
    await Promise.all(groups.map((group) => group.request({ cmd: "collect" }, ["patches"], 10_000))); // drop join-time frames
    // Calibration: a few changes far apart measure how long one takes to reach everyone; the
    // measured changes are then spaced by twice the slowest of them, so each change's patches
    // have landed before the next is sent. A run whose windows still overlap is void.
    const calibration = await changes(system.server, driver, groups, settings.calibrationClaims, settings.calibrationGapMs);
    const slowestUs = summarize(calibration.analysis.toLast).max;
    let gapMs = Math.min(settings.maxGapMs, Math.max(settings.minGapMs, Math.ceil((2 * slowestUs) / 1000) + 5));
    let attempt = await changes(system.server, driver, groups, settings.claims, gapMs);
    let attempts = 1;
    if (attempt.analysis.missed > 0 || attempt.analysis.overlapping > 0) {
      context.log(`S2 ${system.label} to ${connected}: windows overlapped at ${gapMs} ms apart (${attempt.analysis.missed} missed, ${attempt.analysis.overlapping} overlapping); once more, twice as far apart`);
      gapMs = Math.min(settings.maxGapMs * 2, gapMs * 2);
      attempt = await changes(system.server, driver, groups, settings.claims, gapMs);
      attempts++;
    }
    const { analysis, serverCpuUs } = attempt;
    const isVoid = analysis.missed > 0 || analysis.overlapping > 0;
    context.log(`S2 fan-out ${system.label} to ${connected}, changes ${gapMs} ms apart: ${isVoid ? "VOID" : `last spectator p99 ${summarize(analysis.toLast).p99} µs`} (${analysis.missed} missed, ${analysis.overlapping} overlapping), ${Math.round(serverCpuUs / analysis.changes)} server CPU-µs/change`);
    return {
      system: system.label, spectators: connected, changes: analysis.changes,
      toLast: summarize(analysis.toLast), each: summarize(analysis.each),
      missed: analysis.missed, overlapping: analysis.overlapping,
      serverCpuUsPerChange: serverCpuUs / analysis.changes,
      gapMs, attempts, void: isVoid,
    };
  } finally {
    await Promise.all([driver.stop({ cmd: "stop" }), ...groups.map((group) => group.stop({ cmd: "stop" }))]);
  }
}

async function run(context: BenchContext) {
  const settings = settingsFor(context);
  const systems = await systemsUnderTest(context);
  const rows: FanoutRow[] = [];
  for (const size of settings.sizes) {
    for (const system of rotated(systems, size)) rows.push(await fanoutOnce(context, settings, system, size));
  }
  const data = { settings, rows };
  return { markdown: render(data), data };
}

function render({ settings, rows }: { settings: ReturnType<typeof settingsFor>; rows: FanoutRow[] }): string {
  const lines: string[] = [];
  lines.push("### S2 — fan-out: one change reaching every spectator of one device");
  lines.push("");
  lines.push(`${settings.claims} claims, each released again, so ${settings.claims * 2} changes per run; time from sending the claim (or release) to the patch frame's arrival. "To last" is per change, to the slowest spectator; "each" is per change and spectator. Changes are spaced by twice the slowest delivery of ${settings.calibrationClaims * 2} calibration changes (column "gap"); a run in which a change's patches spilled into the next change's window is **void** and shows no figures. The relay is a bare \`ws\` broadcast of a 48-byte frame.`);
  lines.push("");
  lines.push("| spectators | system | changes | gap ms | to last p50 | to last p99 | to last max | each p50 | each p99 | server CPU-µs/change | missed / overlapping |");
  lines.push("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
  for (const row of rows) {
    if (row.void) {
      lines.push(`| ${row.spectators} | ${row.system} | ${row.changes} | ${row.gapMs} | **void** | | | | | ${us(row.serverCpuUsPerChange)} | ${row.missed} / ${row.overlapping} |`);
      continue;
    }
    lines.push(`| ${row.spectators} | ${row.system} | ${row.changes} | ${row.gapMs} | ${us(row.toLast.p50)} | ${us(row.toLast.p99)} | ${us(row.toLast.max)} | ${us(row.each.p50)} | ${us(row.each.p99)} | ${us(row.serverCpuUsPerChange)} | ${row.missed} / ${row.overlapping} |`);
  }
  for (const size of [...new Set(rows.map((row) => row.spectators))]) {
    const relay = rows.find((row) => row.spectators === size && row.system === "relay");
    const baton = rows.find((row) => row.spectators === size && row.system === "baton");
    if (!relay || !baton) continue;
    const valid = !relay.void && !baton.void;
    lines.push(`| ${size} | **Baton / relay** | | | ${valid ? ratio(baton.toLast.p50, relay.toLast.p50) : "void"} | **${valid ? ratio(baton.toLast.p99, relay.toLast.p99) : "void"}** | | | | ${ratio(baton.serverCpuUsPerChange, relay.serverCpuUsPerChange)} | |`);
  }
  lines.push("");
  for (const size of [...new Set(rows.map((row) => row.spectators))]) {
    const relay = rows.find((row) => row.spectators === size && row.system === "relay");
    const baton = rows.find((row) => row.spectators === size && row.system === "baton");
    if (!relay || !baton) continue;
    if (relay.void || baton.void) lines.push(`Target at ${size} spectators (to-last p99 within 1.2× the relay's): **void run**, no verdict.`);
    else lines.push(`Target at ${size} spectators (to-last p99 within 1.2× the relay's) → **${baton.toLast.p99 <= 1.2 * relay.toLast.p99 ? "met" : "NOT met"}** (${ratio(baton.toLast.p99, relay.toLast.p99)}; server CPU per change ${ratio(baton.serverCpuUsPerChange, relay.serverCpuUsPerChange)}).`);
    for (const before of rows.filter((row) => row.spectators === size && row.system.startsWith("baton@"))) {
      lines.push(`Before/after at ${size} (this run): ${before.system} → baton: to-last p99 ${before.void ? "void" : us(before.toLast.p99)} → ${baton.void ? "void" : us(baton.toLast.p99)} µs, server CPU ${us(before.serverCpuUsPerChange)} → ${us(baton.serverCpuUsPerChange)} µs/change (${ratio(baton.serverCpuUsPerChange, before.serverCpuUsPerChange)}).`);
    }
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
