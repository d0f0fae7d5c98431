/**
 * The benchmark's output: one markdown block (printed to stdout, and written between the
 * result markers of docs/BENCHMARKS.md so the hand-written method and caveats around it
 * stay as they are).
 */
import type { LatencySummary } from "./lib/histogram.ts";
import type { SystemName } from "./lib/wire.ts";

export interface RoundTripRow {
  system: SystemName;
  rate: number;
  ops: number;
  latency: LatencySummary;
  service: LatencySummary;
  perRoundP99: number[];
  serverCpuUsPerOp: number;
  loadCpuUsPerOp: number;
  busyRetries: number;
}

export interface SaturationRow {
  system: SystemName;
  opsPerSecond: number;
  ops: number;
  service: LatencySummary;
  serverCpuUsPerOp: number;
}

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

export interface BenchResults {
  date: string;
  machine: { nproc: number; cpuModel: string; memoryGiB: number; node: string; kernel: string; loadAverage: string };
  command: string;
  settings: { rate: number; rounds: number; warmupMs: number; durationMs: number; saturateRounds: number; saturateMs: number; fanoutClaims: number; cpuTickUs: number };
  durationSeconds: number;
  roundTrip: RoundTripRow[];
  saturation: SaturationRow[];
  fanout: FanoutRow[];
}

export const RESULTS_START = "<!-- bench:results:start -->";
export const RESULTS_END = "<!-- bench:results:end -->";

const us = (value: number) => Math.round(value).toLocaleString("en-US");
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : "—");

export function renderReport(results: BenchResults): string {
  const { machine, settings } = results;
  const lines: string[] = [];
  lines.push(`Run of ${results.date} — \`${results.command}\`, ${results.durationSeconds} s.`);
  lines.push(`Machine: ${machine.nproc} CPUs (\`nproc\`), ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.kernel}, Node ${machine.node}; load average before the run ${machine.loadAverage}.`);
  lines.push("");
  lines.push(`### Claim → start → result round trip, one device, ${settings.rate} claims/s`);
  lines.push("");
  lines.push(`Latency from each claim's intended send time on a fixed schedule (coordinated-omission safe), ${settings.rounds} interleaved round(s) of ${settings.durationMs / 1000} s after ${settings.warmupMs / 1000} s of discarded warm-up, merged. All times in µs.`);
  lines.push("");
  lines.push("| system | claims | p50 | p99 | p99.9 | max | mean | p99 per round | service p50 / p99 | server CPU-µs/op | load CPU-µs/op | DEVICE_BUSY retries |");
  lines.push("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|");
  for (const row of results.roundTrip) {
    lines.push(`| ${row.system} | ${row.ops} | ${us(row.latency.p50)} | ${us(row.latency.p99)} | ${us(row.latency.p999)} | ${us(row.latency.max)} | ${us(row.latency.mean)} | ${row.perRoundP99.map(us).join(", ")} | ${us(row.service.p50)} / ${us(row.service.p99)} | ${us(row.serverCpuUsPerOp)} | ${us(row.loadCpuUsPerOp)} | ${row.busyRetries} |`);
  }
  const relay = results.roundTrip.find((row) => row.system === "relay");
  const baton = results.roundTrip.find((row) => row.system === "baton");
  if (relay && baton) {
    lines.push(`| **Baton / relay** | | **${ratio(baton.latency.p50, relay.latency.p50)}** | **${ratio(baton.latency.p99, relay.latency.p99)}** | ${ratio(baton.latency.p999, relay.latency.p999)} | | ${ratio(baton.latency.mean, relay.latency.mean)} | | | ${ratio(baton.serverCpuUsPerOp, relay.serverCpuUsPerOp)} | | |`);
    lines.push("");
    lines.push(`Target: Baton p99 within 1.5× the relay's → **${baton.latency.p99 <= 1.5 * relay.latency.p99 ? "met" : "NOT met"}** (${ratio(baton.latency.p99, relay.latency.p99)}).`);
  }
  lines.push("");
  lines.push(`### Maximum closed-loop throughput, one device`);
  lines.push("");
  lines.push(`One owner, the next claim sent as soon as the previous result arrives; ${settings.saturateRounds} interleaved round(s) of ${settings.saturateMs / 1000} s. Latency here is service time (from the actual send).`);
  lines.push("");
  lines.push("| system | claims/s | claims | p50 | p99 | p99.9 | server CPU-µs/op |");
  lines.push("|---|---:|---:|---:|---:|---:|---:|");
  for (const row of results.saturation) {
    lines.push(`| ${row.system} | ${us(row.opsPerSecond)} | ${row.ops} | ${us(row.service.p50)} | ${us(row.service.p99)} | ${us(row.service.p999)} | ${us(row.serverCpuUsPerOp)} |`);
  }
  if (results.fanout.length > 0) {
    lines.push("");
    lines.push("### Fan-out: one change reaching every spectator of one device");
    lines.push("");
    lines.push(`${settings.fanoutClaims} claims, each released again, so ${settings.fanoutClaims * 2} changes per run; time from sending the claim (or release) to the patch frame's arrival. "To last" is per change, to the slowest spectator; "each" is per change and spectator.`);
    lines.push("");
    lines.push("| spectators | system | changes | to last p50 | to last p99 | to last max | each p50 | each p99 | server CPU-µs/change | missed / overlapping |");
    lines.push("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for (const row of results.fanout) {
      lines.push(`| ${row.spectators} | ${row.system} | ${row.changes} | ${us(row.toLast.p50)} | ${us(row.toLast.p99)} | ${us(row.toLast.max)} | ${us(row.each.p50)} | ${us(row.each.p99)} | ${us(row.serverCpuUsPerChange)} | ${row.missed} / ${row.overlapping} |`);
    }
  }
  lines.push("");
  lines.push(`CPU time comes from \`/proc/<pid>/stat\` (utime + stime, all threads), whose unit is a clock tick of ${us(settings.cpuTickUs)} µs: a per-operation figure is exact to about ±${us(settings.cpuTickUs)} µs divided by the number of operations.`);
  return lines.join("\n");
}

/** Replaces the results between the markers; appends them (with markers) when there are none. */
export function updateBenchmarksDoc(current: string, markdown: string): string {
  const block = `${RESULTS_START}\n${markdown}\n${RESULTS_END}`;
  const start = current.indexOf(RESULTS_START);
  const end = current.indexOf(RESULTS_END);
  if (start >= 0 && end > start) return current.slice(0, start) + block + current.slice(end + RESULTS_END.length);
  return `${current.trimEnd()}\n\n## Latest results\n\n${block}\n`;
}
