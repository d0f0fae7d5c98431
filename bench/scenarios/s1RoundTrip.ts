/**
 * S1 — claim → start → result round trip: Baton against the bare `ws` relay (the floor) and
 * two broker anchors doing request/response on the local brokers — Redis (RPUSH/BLPOP lists,
 * 127.0.0.1:6379) and Mosquitto (MQTT 5 request/response, QoS 0, 127.0.0.1:1883).
 *
 *   one device:  fixed rate (coordinated-omission safe) in interleaved rounds, then closed loop
 *   many devices (100 and 1,000): 1,000 claims/s spread over the devices, each device on its
 *                own fixed schedule, one interleaved round per system
 *
 * Method: bench/README.md §1. Load: bench/load/fleet.ts (owners and devices; for the anchors
 * the owners) and bench/load/responder.ts (the anchors' devices).
 */
import { execFileSync } from "node:child_process";
import { mergeEncoded, summarize, type LatencySummary } from "../lib/histogram.ts";
import type { FleetCommand, FleetMessage, FleetSystem, RoundTripReport } from "../lib/ipc.ts";
import { cpuTimeUs, LoadProcess } from "../lib/processes.ts";
import { benchDeviceId } from "../lib/devices.ts";
import { ratio, rotated, systemsUnderTest, us } from "./common.ts";
import type { BenchContext, Scenario } from "./types.ts";

const ONE_DEVICE = "scale-1";
const DEVICES_PER_PROCESS = 500;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const MQTT_URL = process.env.BENCH_MQTT_URL ?? "mqtt://127.0.0.1:1883";

type Fleet = LoadProcess<FleetCommand, FleetMessage>;

/** One system as S1 drives it: how to reach it and which processes' CPU is its server side. */
interface S1System {
  label: string;
  kind: FleetSystem;
  baseUrl?: string;
  brokerUrl?: string;
  /** The processes doing the server's work: Baton or the relay; for an anchor the broker (if found) and the responder. */
  serverPids: () => number[];
  note?: string;
}

export interface S1Row {
  system: string;
  devices: number;
  rate: number;
  ops: number;
  latency: LatencySummary | null;
  service: LatencySummary;
  perRoundP99: number[];
  serverCpuUsPerOp: number;
  loadCpuUsPerOp: number;
  busyRetries: number;
  opsPerSecond: number;
  /** Many devices only: the system did not get through the round (why). */
  failed?: string;
}

function settingsFor(context: BenchContext) {
  const { quick, smoke, args } = context;
  const short = quick || smoke;
  return {
    /** Claims per second on the fixed schedule at one device: well below either system's saturation. */
    rate: Number(args.rate ?? (smoke ? 50 : 300)),
    rounds: Number(args.rounds ?? (short ? 1 : 3)),
    warmupMs: smoke ? 300 : quick ? 1_000 : 2_000,
    /** Closed-loop claims before the first round, discarded (JIT warm-up of every server). */
    jitWarmupMs: smoke ? 300 : quick ? 1_000 : 2_000,
    durationMs: smoke ? 1_000 : quick ? 3_000 : 8_000,
    saturateRounds: short ? 1 : 2,
    saturateMs: smoke ? 500 : quick ? 2_000 : 3_000,
    /** Device counts for the many-devices part, and their total rate. */
    fleets: String(args.devices ?? (smoke ? "10" : quick ? "100" : "100,1000")).split(",").filter(Boolean).map(Number),
    fleetRate: Number(args["fleet-rate"] ?? (smoke ? 20 : 1_000)),
    fleetWarmupMs: smoke ? 500 : 2_000,
    fleetDurationMs: smoke ? 1_000 : quick ? 4_000 : 8_000,
    anchors: args["no-anchors"] !== true,
  };
}

function pidOf(program: string): number | null {
  try {
    const pids = execFileSync("pidof", [program]).toString().trim().split(/\s+/).map(Number).filter(Boolean);
    return pids.length === 1 ? pids[0]! : null;
  } catch {
    return null;
  }
}

async function startFleets(system: S1System, deviceIds: string[]): Promise<Fleet[]> {
  const fleets: Fleet[] = [];
  for (let from = 0; from < deviceIds.length; from += DEVICES_PER_PROCESS) {
    const ids = deviceIds.slice(from, from + DEVICES_PER_PROCESS);
    fleets.push(new LoadProcess(`${system.label} fleet ${fleets.length + 1}`, "bench/load/fleet.ts", {
      fleet: { system: system.kind, baseUrl: system.baseUrl, brokerUrl: system.brokerUrl, deviceIds: ids },
    }));
  }
  await Promise.all(fleets.map((fleet) => fleet.next(["ready"], 120_000)));
  return fleets;
}

/** Runs one phase on every fleet process of a system at once; server CPU from the moment all are measuring. */
async function phase(system: S1System, fleets: Fleet[], command: (share: number) => FleetCommand, timeoutMs: number) {
  const measuring = Promise.all(fleets.map((fleet) => fleet.next(["measuring"], timeoutMs)));
  const done = Promise.all(fleets.map((fleet) => fleet.next(["roundTrip"], timeoutMs)));
  fleets.forEach((fleet) => fleet.send(command(1 / fleets.length)));
  await measuring;
  const pids = system.serverPids();
  const cpuFrom = pids.map(cpuTimeUs);
  const reports = (await done) as RoundTripReport[];
  const serverCpuUs = pids.reduce((sum, pid, index) => sum + cpuTimeUs(pid) - cpuFrom[index]!, 0);
  const errors = reports.flatMap((report) => report.errors);
  if (errors.length > 0) throw new Error(`${system.label}: ${errors.length} error(s): ${errors.slice(0, 3).join(" | ")}`);
  return {
    ops: reports.reduce((sum, report) => sum + report.ops, 0),
    elapsedMs: Math.max(...reports.map((report) => report.elapsedMs)),
    latency: reports.map((report) => report.latency).filter((latency): latency is string => latency !== null),
    service: reports.map((report) => report.service),
    loadCpuUs: reports.reduce((sum, report) => sum + report.loadCpuUs, 0),
    busyRetries: reports.reduce((sum, report) => sum + report.busyRetries, 0),
    serverCpuUs,
  };
}

async function run(context: BenchContext) {
  const settings = settingsFor(context);
  const systems: S1System[] = (await systemsUnderTest(context)).map((system) => ({
    label: system.label, kind: system.protocol, baseUrl: system.server.baseUrl, serverPids: () => [system.server.pid],
  }));
  const responders = new Map<FleetSystem, LoadProcess<{ cmd: "stop" }, { type: "ready" } | { type: "failed"; error: string }>>();
  const anchorNotes: string[] = [];
  if (settings.anchors) {
    for (const [kind, brokerUrl, program] of [["redis", REDIS_URL, "redis-server"], ["mqtt", MQTT_URL, "mosquitto"]] as const) {
      const responder = new LoadProcess<{ cmd: "stop" }, { type: "ready" } | { type: "failed"; error: string }>(`${kind} responder`, "bench/load/responder.ts", { fleet: { system: kind, brokerUrl, deviceIds: [] } });
      try {
        await responder.next(["ready"], 20_000);
      } catch (error) {
        anchorNotes.push(`${kind} anchor not measured: ${(error as Error).message}`);
        await responder.stop({ cmd: "stop" });
        continue;
      }
      responders.set(kind, responder);
      const brokerPid = pidOf(program);
      if (brokerPid === null) anchorNotes.push(`${kind}: the broker's process (${program}) was not found alone, so its CPU is not counted — the responder's only`);
      systems.push({ label: kind === "redis" ? "Redis request/reply" : "MQTT 5 request/response", kind, brokerUrl, serverPids: () => [...(brokerPid ? [brokerPid] : []), responder.pid] });
    }
  }
  const oneDevice: S1Row[] = [];
  const saturated: S1Row[] = [];
  const fleetRows: S1Row[] = [];
  try {
    // ---- one device: fixed rate, interleaved rounds; then closed loop
    const fleets = new Map<string, Fleet[]>();
    for (const system of systems) fleets.set(system.label, await startFleets(system, [ONE_DEVICE]));
    const fixed = new Map(systems.map((system) => [system.label, { latency: [] as string[], service: [] as string[], ops: 0, serverCpuUs: 0, loadCpuUs: 0, busy: 0, perRoundP99: [] as number[], elapsedMs: 0 }]));
    const closed = new Map(systems.map((system) => [system.label, { service: [] as string[], ops: 0, elapsedMs: 0, serverCpuUs: 0, loadCpuUs: 0 }]));
    for (const system of systems) await phase(system, fleets.get(system.label)!, () => ({ cmd: "saturate", warmupMs: 0, durationMs: settings.jitWarmupMs }), settings.jitWarmupMs + 30_000);
    for (let round = 0; round < settings.rounds; round++) {
      for (const system of rotated(systems, round)) {
        const result = await phase(system, fleets.get(system.label)!, () => ({ cmd: "fixedRate", rate: settings.rate, warmupMs: settings.warmupMs, durationMs: settings.durationMs }), settings.warmupMs + settings.durationMs + 30_000);
        const into = fixed.get(system.label)!;
        into.latency.push(...result.latency);
        into.service.push(...result.service);
        into.ops += result.ops;
        into.serverCpuUs += result.serverCpuUs;
        into.loadCpuUs += result.loadCpuUs;
        into.busy += result.busyRetries;
        into.elapsedMs += result.elapsedMs;
        into.perRoundP99.push(summarize(mergeEncoded(result.latency)).p99);
        context.log(`S1 one device, round ${round + 1}/${settings.rounds}, ${system.label}: ${result.ops} claims at ${settings.rate}/s, p99 ${into.perRoundP99.at(-1)} µs, ${Math.round(result.serverCpuUs / result.ops)} server CPU-µs/op`);
      }
    }
    for (let round = 0; round < settings.saturateRounds; round++) {
      for (const system of rotated(systems, round)) {
        const result = await phase(system, fleets.get(system.label)!, () => ({ cmd: "saturate", warmupMs: 500, durationMs: settings.saturateMs }), settings.saturateMs + 30_000);
        const into = closed.get(system.label)!;
        into.service.push(...result.service);
        into.ops += result.ops;
        into.elapsedMs += result.elapsedMs;
        into.serverCpuUs += result.serverCpuUs;
        into.loadCpuUs += result.loadCpuUs;
        context.log(`S1 closed loop ${round + 1}/${settings.saturateRounds}, ${system.label}: ${Math.round((result.ops * 1000) / result.elapsedMs)} claims/s, ${Math.round(result.serverCpuUs / result.ops)} server CPU-µs/op`);
      }
    }
    await Promise.all([...fleets.values()].flat().map((fleet) => fleet.stop({ cmd: "stop" })));
    for (const system of systems) {
      const f = fixed.get(system.label)!;
      oneDevice.push({
        system: system.label, devices: 1, rate: settings.rate, ops: f.ops,
        latency: summarize(mergeEncoded(f.latency)), service: summarize(mergeEncoded(f.service)), perRoundP99: f.perRoundP99,
        serverCpuUsPerOp: f.serverCpuUs / f.ops, loadCpuUsPerOp: f.loadCpuUs / f.ops, busyRetries: f.busy, opsPerSecond: (f.ops * 1000) / f.elapsedMs,
      });
      const c = closed.get(system.label)!;
      saturated.push({
        system: system.label, devices: 1, rate: 0, ops: c.ops, latency: null, service: summarize(mergeEncoded(c.service)), perRoundP99: [],
        serverCpuUsPerOp: c.serverCpuUs / c.ops, loadCpuUsPerOp: c.loadCpuUs / c.ops, busyRetries: 0, opsPerSecond: (c.ops * 1000) / c.elapsedMs,
      });
    }

    // ---- many devices: fleetRate claims/s spread over N devices, one round per system
    for (const count of settings.fleets) {
      const deviceIds = Array.from({ length: count }, (_, index) => benchDeviceId(index));
      for (const [index, system] of rotated(systems, count).entries()) {
        void index;
        let started: Fleet[] = [];
        try {
          started = await startFleets(system, deviceIds);
          const result = await phase(system, started, (share) => ({ cmd: "fixedRate", rate: settings.fleetRate * share, warmupMs: settings.fleetWarmupMs, durationMs: settings.fleetDurationMs }), settings.fleetWarmupMs + settings.fleetDurationMs + 60_000);
          const latency = summarize(mergeEncoded(result.latency));
          fleetRows.push({
            system: system.label, devices: count, rate: settings.fleetRate, ops: result.ops, latency, service: summarize(mergeEncoded(result.service)), perRoundP99: [latency.p99],
            serverCpuUsPerOp: result.serverCpuUs / result.ops, loadCpuUsPerOp: result.loadCpuUs / result.ops, busyRetries: result.busyRetries, opsPerSecond: (result.ops * 1000) / result.elapsedMs,
          });
          context.log(`S1 ${count} devices, ${system.label}: ${result.ops} claims, p99 ${latency.p99} µs, ${Math.round(result.serverCpuUs / result.ops)} server CPU-µs/op`);
        } catch (error) {
          // One system failing at this size (answers later than 5 s: far past saturation) is a finding, not the end of the run.
          const message = (error as Error).message.slice(0, 300);
          context.log(`S1 ${count} devices, ${system.label}: FAILED ${message}`);
          fleetRows.push({ system: system.label, devices: count, rate: settings.fleetRate, ops: 0, latency: null, service: summarize(mergeEncoded([])), perRoundP99: [], serverCpuUsPerOp: 0, loadCpuUsPerOp: 0, busyRetries: 0, opsPerSecond: 0, failed: message });
        } finally {
          await Promise.all(started.map((fleet) => fleet.stop({ cmd: "stop" })));
        }
      }
    }
  } finally {
    await Promise.all([...responders.values()].map((responder) => responder.stop({ cmd: "stop" })));
  }
  const data = { settings, oneDevice, saturated, fleets: fleetRows, anchorNotes };
  return { markdown: render(data), data };
}

function latencyRow(row: S1Row): string {
  const l = row.latency!;
  return `| ${row.system} | ${row.ops} | ${us(l.p50)} | ${us(l.p99)} | ${us(l.p999)} | ${us(l.max)} | ${row.perRoundP99.map(us).join(", ")} | ${us(row.service.p50)} / ${us(row.service.p99)} | ${us(row.serverCpuUsPerOp)} | ${us(row.loadCpuUsPerOp)} | ${row.busyRetries} |`;
}

function render({ settings, oneDevice, saturated, fleets, anchorNotes }: { settings: ReturnType<typeof settingsFor>; oneDevice: S1Row[]; saturated: S1Row[]; fleets: S1Row[]; anchorNotes: string[] }): string {
  const lines: string[] = [];
  const header = "| system | claims | p50 | p99 | p99.9 | max | p99 per round | service p50 / p99 | server CPU-µs/op | load CPU-µs/op | DEVICE_BUSY retries |";
  const rule = "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|";
  lines.push(`### S1 — claim → start → result round trip, one device, ${settings.rate} claims/s`);
  lines.push("");
  lines.push(`Latency from each claim's intended send time on a fixed schedule (coordinated-omission safe), ${settings.rounds} interleaved round(s) of ${settings.durationMs / 1000} s after ${settings.warmupMs / 1000} s of discarded warm-up, merged. All times in µs. The relay is the floor; Redis (RPUSH/BLPOP) and Mosquitto (MQTT 5, QoS 0) request/response are anchors — their "server CPU" is the broker's process plus the responder standing in for the device.`);
  lines.push("");
  lines.push(header);
  lines.push(rule);
  for (const row of oneDevice) lines.push(latencyRow(row));
  const relay = oneDevice.find((row) => row.system === "relay");
  const baton = oneDevice.find((row) => row.system === "baton");
  if (relay?.latency && baton?.latency) {
    lines.push(`| **Baton / relay** | | **${ratio(baton.latency.p50, relay.latency.p50)}** | **${ratio(baton.latency.p99, relay.latency.p99)}** | ${ratio(baton.latency.p999, relay.latency.p999)} | | | | ${ratio(baton.serverCpuUsPerOp, relay.serverCpuUsPerOp)} | | |`);
    lines.push("");
    lines.push(`Target: Baton p99 within 1.5× the relay's → **${baton.latency.p99 <= 1.5 * relay.latency.p99 ? "met" : "NOT met"}** (${ratio(baton.latency.p99, relay.latency.p99)}).`);
  }
  for (const before of oneDevice.filter((row) => row.system.startsWith("baton@"))) {
    if (baton?.latency && before.latency) lines.push(`Before/after (this run): ${before.system} → baton: p99 ${us(before.latency.p99)} → ${us(baton.latency.p99)} µs, server CPU ${us(before.serverCpuUsPerOp)} → ${us(baton.serverCpuUsPerOp)} µs/claim (${ratio(baton.serverCpuUsPerOp, before.serverCpuUsPerOp)}).`);
  }
  lines.push("");
  lines.push(`#### S1 — maximum closed-loop throughput, one device`);
  lines.push("");
  lines.push(`One owner, the next claim sent as soon as the previous answer arrives; ${settings.saturateRounds} interleaved round(s) of ${settings.saturateMs / 1000} s. Latency here is service time (from the actual send).`);
  lines.push("");
  lines.push("| system | claims/s | claims | p50 | p99 | p99.9 | server CPU-µs/op |");
  lines.push("|---|---:|---:|---:|---:|---:|---:|");
  for (const row of saturated) lines.push(`| ${row.system} | ${us(row.opsPerSecond)} | ${row.ops} | ${us(row.service.p50)} | ${us(row.service.p99)} | ${us(row.service.p999)} | ${us(row.serverCpuUsPerOp)} |`);
  const relaySat = saturated.find((row) => row.system === "relay");
  const batonSat = saturated.find((row) => row.system === "baton");
  if (relaySat && batonSat) {
    lines.push("");
    lines.push(`Target: saturated throughput at least 0.9× the relay's → **${batonSat.opsPerSecond >= 0.9 * relaySat.opsPerSecond ? "met" : "NOT met"}** (${ratio(batonSat.opsPerSecond, relaySat.opsPerSecond)}).`);
  }
  for (const before of saturated.filter((row) => row.system.startsWith("baton@"))) {
    if (batonSat) lines.push(`Before/after (this run): ${before.system} → baton: ${us(before.opsPerSecond)} → ${us(batonSat.opsPerSecond)} claims/s, server CPU ${us(before.serverCpuUsPerOp)} → ${us(batonSat.serverCpuUsPerOp)} µs/claim (${ratio(batonSat.serverCpuUsPerOp, before.serverCpuUsPerOp)}).`);
  }
  if (fleets.length > 0) {
    lines.push("");
    lines.push(`#### S1 — many devices, ${settings.fleetRate} claims/s in total`);
    lines.push("");
    lines.push(`Each device on its own fixed schedule (its share of ${settings.fleetRate}/s, start times spread evenly), latency from the intended send time; one round of ${settings.fleetDurationMs / 1000} s per system after ${settings.fleetWarmupMs / 1000} s of warm-up, systems in rotating order; at most ${DEVICES_PER_PROCESS} devices per load process.`);
    lines.push("");
    lines.push("| devices | " + header.slice(2));
    lines.push("|---:" + rule);
    for (const row of fleets) lines.push(row.failed ? `| ${row.devices} | ${row.system} | **failed**: ${row.failed.replace(/\|/g, "/")} | | | | | | | | | |` : `| ${row.devices} ` + latencyRow(row));
    for (const count of [...new Set(fleets.map((row) => row.devices))]) {
      const r = fleets.find((row) => row.devices === count && row.system === "relay");
      const b = fleets.find((row) => row.devices === count && row.system === "baton");
      if (r?.latency && b?.latency && !r.failed && !b.failed) lines.push(`| ${count} | **Baton / relay** | | **${ratio(b.latency.p50, r.latency.p50)}** | **${ratio(b.latency.p99, r.latency.p99)}** | ${ratio(b.latency.p999, r.latency.p999)} | | | | ${ratio(b.serverCpuUsPerOp, r.serverCpuUsPerOp)} | | |`);
    }
  }
  if (anchorNotes.length > 0) {
    lines.push("");
    for (const note of anchorNotes) lines.push(`Note: ${note}.`);
  }
  return lines.join("\n");
}

export const s1RoundTrip: Scenario = {
  id: "S1",
  title: "claim round trip",
  options: { rate: { type: "string" }, rounds: { type: "string" }, devices: { type: "string" }, "fleet-rate": { type: "string" }, "no-anchors": { type: "boolean" } },
  usage: [
    "--rate 300        S1: claims per second on the fixed schedule at one device",
    "--rounds 3        S1: interleaved fixed-rate rounds per system",
    "--devices 100,1000 S1: device counts for the many-devices part",
    "--fleet-rate 1000 S1: total claims per second over the many devices",
    "--no-anchors      S1: leave out Redis and MQTT",
  ],
  run,
};
