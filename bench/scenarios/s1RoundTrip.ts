/**
 * S1 — claim → start → result round trip, one device: Baton against the bare `ws` relay,
 * fixed rate (coordinated-omission safe) and saturated (closed loop). Method: bench/README.md §1.
 */
import { mergeEncoded, summarize, type LatencySummary } from "../lib/histogram.ts";
import type { SystemName } from "../lib/wire.ts";
import { measured, ratio, startDriver, SYSTEMS, targetFor, us, type Driver } from "./common.ts";
import type { BenchContext, Scenario } from "./types.ts";

const ROUND_TRIP_DEVICE = "scale-1";

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

function settingsFor(context: BenchContext) {
  const { quick, smoke, args } = context;
  const short = quick || smoke;
  return {
    /** Claims per second on the fixed schedule: well below either system's saturation. */
    rate: Number(args.rate ?? 300),
    rounds: Number(args.rounds ?? (short ? 1 : 3)),
    warmupMs: smoke ? 300 : quick ? 1_000 : 2_000,
    /** Closed-loop claims before the first round, discarded (JIT warm-up of both servers). */
    jitWarmupMs: smoke ? 300 : quick ? 1_000 : 2_000,
    durationMs: smoke ? 1_000 : quick ? 3_000 : 8_000,
    saturateRounds: short ? 1 : 2,
    saturateMs: smoke ? 500 : quick ? 2_000 : 3_000,
  };
}

async function run(context: BenchContext) {
  const settings = settingsFor(context);
  const servers = await context.servers();
  const drivers = {} as Record<SystemName, Driver>;
  for (const system of SYSTEMS) drivers[system] = await startDriver(system, targetFor(servers[system], system, ROUND_TRIP_DEVICE));
  const fixed = Object.fromEntries(SYSTEMS.map((s) => [s, { latency: [] as string[], service: [] as string[], ops: 0, serverCpuUs: 0, loadCpuUs: 0, busy: 0, perRoundP99: [] as number[] }]));
  const saturated = Object.fromEntries(SYSTEMS.map((s) => [s, { service: [] as string[], ops: 0, elapsedMs: 0, serverCpuUs: 0 }]));
  const timeout = settings.warmupMs + settings.durationMs + 30_000;
  try {
    // A discarded closed-loop burst first: a few thousand claims get both servers' hot paths
    // compiled, which the fixed-rate warm-up alone (600 claims) did not — the first round's
    // tail was several times the later rounds'.
    for (const system of SYSTEMS) await measured(drivers[system], servers[system], { cmd: "saturate", warmupMs: 0, durationMs: settings.jitWarmupMs }, settings.jitWarmupMs + 30_000);
    for (let round = 0; round < settings.rounds; round++) {
      // Alternate who goes first, so neither system always follows the other's garbage.
      for (const system of round % 2 === 0 ? SYSTEMS : [...SYSTEMS].reverse()) {
        const { report, serverCpuUs } = await measured(drivers[system], servers[system], { cmd: "fixedRate", rate: settings.rate, warmupMs: settings.warmupMs, durationMs: settings.durationMs }, timeout);
        const into = fixed[system]!;
        into.latency.push(report.latency!);
        into.service.push(report.service);
        into.ops += report.ops;
        into.serverCpuUs += serverCpuUs;
        into.loadCpuUs += report.loadCpuUs;
        into.busy += report.busyRetries;
        into.perRoundP99.push(summarize(mergeEncoded([report.latency!])).p99);
        context.log(`S1 round ${round + 1}/${settings.rounds} ${system}: ${report.ops} claims at ${settings.rate}/s, p99 ${into.perRoundP99.at(-1)} µs`);
      }
    }
    for (let round = 0; round < settings.saturateRounds; round++) {
      for (const system of round % 2 === 0 ? SYSTEMS : [...SYSTEMS].reverse()) {
        const { report, serverCpuUs } = await measured(drivers[system], servers[system], { cmd: "saturate", warmupMs: 500, durationMs: settings.saturateMs }, settings.saturateMs + 30_000);
        const into = saturated[system]!;
        into.service.push(report.service);
        into.ops += report.ops;
        into.elapsedMs += report.elapsedMs;
        into.serverCpuUs += serverCpuUs;
        context.log(`S1 saturate ${round + 1}/${settings.saturateRounds} ${system}: ${Math.round((report.ops * 1000) / report.elapsedMs)} claims/s`);
      }
    }
  } finally {
    await Promise.all(SYSTEMS.map((system) => drivers[system].stop({ cmd: "stop" })));
  }
  const roundTrip: RoundTripRow[] = SYSTEMS.map((system) => {
    const f = fixed[system]!;
    return {
      system, rate: settings.rate, ops: f.ops,
      latency: summarize(mergeEncoded(f.latency)), service: summarize(mergeEncoded(f.service)),
      perRoundP99: f.perRoundP99,
      serverCpuUsPerOp: f.serverCpuUs / f.ops, loadCpuUsPerOp: f.loadCpuUs / f.ops, busyRetries: f.busy,
    };
  });
  const saturation: SaturationRow[] = SYSTEMS.map((system) => {
    const s = saturated[system]!;
    return { system, opsPerSecond: (s.ops * 1000) / s.elapsedMs, ops: s.ops, service: summarize(mergeEncoded(s.service)), serverCpuUsPerOp: s.serverCpuUs / s.ops };
  });
  const data = { settings, roundTrip, saturation };
  return { markdown: render(data), data };
}

function render({ settings, roundTrip, saturation }: { settings: ReturnType<typeof settingsFor>; roundTrip: RoundTripRow[]; saturation: SaturationRow[] }): string {
  const lines: string[] = [];
  lines.push(`### S1 — claim → start → result round trip, one device, ${settings.rate} claims/s`);
  lines.push("");
  lines.push(`Latency from each claim's intended send time on a fixed schedule (coordinated-omission safe), ${settings.rounds} interleaved round(s) of ${settings.durationMs / 1000} s after ${settings.warmupMs / 1000} s of discarded warm-up, merged. All times in µs.`);
  lines.push("");
  lines.push("| system | claims | p50 | p99 | p99.9 | max | mean | p99 per round | service p50 / p99 | server CPU-µs/op | load CPU-µs/op | DEVICE_BUSY retries |");
  lines.push("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|");
  for (const row of roundTrip) {
    lines.push(`| ${row.system} | ${row.ops} | ${us(row.latency.p50)} | ${us(row.latency.p99)} | ${us(row.latency.p999)} | ${us(row.latency.max)} | ${us(row.latency.mean)} | ${row.perRoundP99.map(us).join(", ")} | ${us(row.service.p50)} / ${us(row.service.p99)} | ${us(row.serverCpuUsPerOp)} | ${us(row.loadCpuUsPerOp)} | ${row.busyRetries} |`);
  }
  const relay = roundTrip.find((row) => row.system === "relay");
  const baton = roundTrip.find((row) => row.system === "baton");
  if (relay && baton) {
    lines.push(`| **Baton / relay** | | **${ratio(baton.latency.p50, relay.latency.p50)}** | **${ratio(baton.latency.p99, relay.latency.p99)}** | ${ratio(baton.latency.p999, relay.latency.p999)} | | ${ratio(baton.latency.mean, relay.latency.mean)} | | | ${ratio(baton.serverCpuUsPerOp, relay.serverCpuUsPerOp)} | | |`);
    lines.push("");
    lines.push(`Target: Baton p99 within 1.5× the relay's → **${baton.latency.p99 <= 1.5 * relay.latency.p99 ? "met" : "NOT met"}** (${ratio(baton.latency.p99, relay.latency.p99)}).`);
  }
  lines.push("");
  lines.push(`#### S1 — maximum closed-loop throughput, one device`);
  lines.push("");
  lines.push(`One owner, the next claim sent as soon as the previous result arrives; ${settings.saturateRounds} interleaved round(s) of ${settings.saturateMs / 1000} s. Latency here is service time (from the actual send).`);
  lines.push("");
  lines.push("| system | claims/s | claims | p50 | p99 | p99.9 | server CPU-µs/op |");
  lines.push("|---|---:|---:|---:|---:|---:|---:|");
  for (const row of saturation) {
    lines.push(`| ${row.system} | ${us(row.opsPerSecond)} | ${row.ops} | ${us(row.service.p50)} | ${us(row.service.p99)} | ${us(row.service.p999)} | ${us(row.serverCpuUsPerOp)} |`);
  }
  const relaySat = saturation.find((row) => row.system === "relay");
  const batonSat = saturation.find((row) => row.system === "baton");
  if (relaySat && batonSat) {
    lines.push("");
    lines.push(`Target: saturated throughput at least 0.9× the relay's → **${batonSat.opsPerSecond >= 0.9 * relaySat.opsPerSecond ? "met" : "NOT met"}** (${ratio(batonSat.opsPerSecond, relaySat.opsPerSecond)}).`);
  }
  return lines.join("\n");
}

export const s1RoundTrip: Scenario = {
  id: "S1",
  title: "claim round trip",
  options: { rate: { type: "string" }, rounds: { type: "string" } },
  usage: ["--rate 300       S1: claims per second on the fixed schedule", "--rounds 3       S1: interleaved fixed-rate rounds per system"],
  run,
};
