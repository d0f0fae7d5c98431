/**
 * `npm run bench` — Baton against a bare `ws` relay, side by side in one run.
 * What is measured and why: bench/README.md. Latest figures: docs/BENCHMARKS.md.
 *
 *   npm run bench                      full run (under 2 min): prints markdown, updates docs/BENCHMARKS.md
 *   npm run bench -- --quick           short smoke run (~20 s); does not touch the docs
 *   npm run bench -- --no-docs         full run, print only
 *   npm run bench -- --rate 300 --rounds 3 --fanout 200,1000
 *   npm run bench -- --trace-gc        Baton runs with --trace-gc; its output goes to a file in the temp dir
 *   npm run bench -- --cpu-prof        Baton writes a V8 CPU profile (.cpuprofile) to the temp dir on exit
 *
 * Layout: this orchestrator starts both servers in their own processes (Baton exactly as
 * `npm start` does, with the rate limiter opened up), forks the load processes
 * (bench/load/*.ts), tells them what to do phase by phase, reads each server's CPU time
 * from /proc around every measured phase, and stops every child it started.
 */
import { writeFileSync, readFileSync, existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { mergeEncoded, summarize } from "./lib/histogram.ts";
import { hrtimeUs, type DriverCommand, type DriverMessage, type RoundTripReport, type SpectatorCommand, type SpectatorMessage } from "./lib/ipc.ts";
import { cpuTimeUs, CPU_TICK_US, freePort, LoadProcess, REPO_ROOT, startServer, stopAll, wasInterrupted, type ServerProcess } from "./lib/processes.ts";
import { analyseFanout } from "./lib/fanout.ts";
import { renderReport, updateBenchmarksDoc, type BenchResults, type FanoutRow, type RoundTripRow, type SaturationRow } from "./report.ts";
import type { SystemName, Target } from "./lib/wire.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    "no-docs": { type: "boolean", default: false },
    rate: { type: "string" },
    rounds: { type: "string" },
    fanout: { type: "string" },
    "trace-gc": { type: "boolean", default: false },
    "cpu-prof": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(`usage: npm run bench -- [--quick] [--no-docs] [--rate 300] [--rounds 3] [--fanout 200,1000] [--trace-gc] [--cpu-prof]
  Baton against a bare ws relay, side by side (bench/README.md); a full run updates docs/BENCHMARKS.md`);
  process.exit(0);
}
const quick = values.quick!;
const settings = {
  /** Claims per second on the fixed schedule: well below either system's saturation. */
  rate: Number(values.rate ?? 300),
  rounds: Number(values.rounds ?? (quick ? 1 : 3)),
  warmupMs: quick ? 1_000 : 2_000,
  /** Closed-loop claims before the first round, discarded (JIT warm-up of both servers). */
  jitWarmupMs: quick ? 1_000 : 2_000,
  durationMs: quick ? 3_000 : 8_000,
  saturateRounds: quick ? 1 : 2,
  saturateMs: quick ? 2_000 : 3_000,
  fanoutSizes: (values.fanout ?? (quick ? "200" : "200,1000")).split(",").filter(Boolean).map(Number),
  /** Claims in a fan-out run, each followed by a release: two changes per claim. */
  fanoutClaims: quick ? 20 : 50,
  spectatorsPerProcess: 500,
};
const SYSTEMS: SystemName[] = ["relay", "baton"];
const ROUND_TRIP_DEVICE = "scale-1";
const FANOUT_DEVICE = "lab-1";

type Driver = LoadProcess<DriverCommand, DriverMessage>;
type Spectators = LoadProcess<SpectatorCommand, SpectatorMessage>;

function log(message: string) {
  console.error(`bench: ${message}`);
}

async function startServers(): Promise<Record<SystemName, ServerProcess>> {
  const [relayPort, batonPort] = [await freePort(), await freePort()];
  const gcLog = values["trace-gc"] ? path.join(os.tmpdir(), `baton-bench-gc-${process.pid}.log`) : undefined;
  if (gcLog) log(`Baton's GC trace goes to ${gcLog}`);
  const nodeArgs = [...(gcLog ? ["--trace-gc"] : []), ...(values["cpu-prof"] ? ["--cpu-prof", "--cpu-prof-dir", os.tmpdir()] : [])];
  if (values["cpu-prof"]) log(`Baton's CPU profile will be written to ${os.tmpdir()} when it exits`);
  const [relay, baton] = await Promise.all([
    startServer("relay", "bench/baseline/relay.ts", ["--port", String(relayPort)], {}, relayPort),
    startServer("baton", "server/src/index.ts", [], {
      BATON_ENV: "development",
      // A fresh SQLite store per run, not the repository's ./data.
      BATON_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "baton-bench-data-")),
      BATON_HOST: "127.0.0.1",
      BATON_PORT: String(batonPort),
      // The limiters (20/s per user connection, 50/s for the device by default) would
      // otherwise be what we measure.
      BATON_RATE_LIMIT_PER_SECOND: "1000000",
      BATON_RATE_LIMIT_BURST: "1000000",
      BATON_DEVICE_RATE_LIMIT_PER_SECOND: "1000000",
      BATON_DEVICE_RATE_LIMIT_BURST: "1000000",
      // A spectator process's 500 connections share one user token (tabs of a few viewers).
      BATON_MAX_CONNECTIONS_PER_USER: "2000",
      BATON_MAX_SPECTATORS: "2000",
      BATON_SQLITE_SYNCHRONOUS: process.env.BENCH_SQLITE_SYNCHRONOUS ?? "full",
    }, batonPort, { nodeArgs, logFile: gcLog }),
  ]);
  log(`relay pid ${relay.pid} on ${relay.baseUrl}, baton pid ${baton.pid} on ${baton.baseUrl}`);
  return { relay, baton };
}

function targetFor(server: ServerProcess, system: SystemName, deviceId: string): Target {
  return { system, baseUrl: server.baseUrl, deviceId, deviceSecret: `dev-secret-${deviceId}` };
}

async function startDriver(system: SystemName, target: Target): Promise<Driver> {
  const driver: Driver = new LoadProcess(`${system} driver`, "bench/load/driver.ts", { target });
  await driver.next(["ready"], 20_000);
  return driver;
}

/** Runs one measured phase and reads the server's CPU time at its start and end. */
async function measured(driver: Driver, server: ServerProcess, command: DriverCommand, timeoutMs: number) {
  const measuring = driver.next(["measuring"], timeoutMs);
  const done = driver.next(["roundTrip"], timeoutMs);
  driver.send(command);
  await measuring;
  const cpuFrom = cpuTimeUs(server.pid);
  const report = (await done) as RoundTripReport;
  const serverCpuUs = cpuTimeUs(server.pid) - cpuFrom;
  if (report.errors.length > 0) throw new Error(`${driver.name}: ${report.errors.length} error(s): ${report.errors.slice(0, 3).join(" | ")}`);
  return { report, serverCpuUs };
}

async function roundTrips(servers: Record<SystemName, ServerProcess>) {
  const drivers = {} as Record<SystemName, Driver>;
  for (const system of SYSTEMS) drivers[system] = await startDriver(system, targetFor(servers[system], system, ROUND_TRIP_DEVICE));
  const fixed = Object.fromEntries(SYSTEMS.map((s) => [s, { latency: [] as string[], service: [] as string[], ops: 0, serverCpuUs: 0, loadCpuUs: 0, busy: 0, perRoundP99: [] as number[] }]));
  const saturated = Object.fromEntries(SYSTEMS.map((s) => [s, { service: [] as string[], ops: 0, elapsedMs: 0, serverCpuUs: 0 }]));
  const timeout = settings.warmupMs + settings.durationMs + 30_000;
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
      log(`round ${round + 1}/${settings.rounds} ${system}: ${report.ops} claims at ${settings.rate}/s, p99 ${into.perRoundP99.at(-1)} µs`);
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
      log(`saturate ${round + 1}/${settings.saturateRounds} ${system}: ${Math.round((report.ops * 1000) / report.elapsedMs)} claims/s`);
    }
  }
  await Promise.all(SYSTEMS.map((system) => drivers[system].stop({ cmd: "stop" })));
  const roundTripRows: RoundTripRow[] = SYSTEMS.map((system) => {
    const f = fixed[system]!;
    return {
      system, rate: settings.rate, ops: f.ops,
      latency: summarize(mergeEncoded(f.latency)), service: summarize(mergeEncoded(f.service)),
      perRoundP99: f.perRoundP99,
      serverCpuUsPerOp: f.serverCpuUs / f.ops, loadCpuUsPerOp: f.loadCpuUs / f.ops, busyRetries: f.busy,
    };
  });
  const saturationRows: SaturationRow[] = SYSTEMS.map((system) => {
    const s = saturated[system]!;
    return { system, opsPerSecond: (s.ops * 1000) / s.elapsedMs, ops: s.ops, service: summarize(mergeEncoded(s.service)), serverCpuUsPerOp: s.serverCpuUs / s.ops };
  });
  return { roundTripRows, saturationRows };
}

async function fanoutOnce(server: ServerProcess, system: SystemName, spectatorCount: number): Promise<FanoutRow> {
  const target = targetFor(server, system, FANOUT_DEVICE);
  const driver = await startDriver(system, target);
  const groups: Spectators[] = [];
  try {
    const processes = Math.ceil(spectatorCount / settings.spectatorsPerProcess);
    for (let p = 0; p < processes; p++) {
      const count = Math.min(settings.spectatorsPerProcess, spectatorCount - p * settings.spectatorsPerProcess);
      groups.push(new LoadProcess(`${system} spectators ${p + 1}`, "bench/load/spectators.ts", { target, count, offset: p * settings.spectatorsPerProcess }));
    }
    const joined = await Promise.all(groups.map((group) => group.next(["ready"], 60_000)));
    const connected = joined.reduce((sum, ready) => sum + ready.connected, 0);
    await sleep(300);
    await Promise.all(groups.map((group) => group.request({ cmd: "collect" }, ["patches"], 10_000))); // drop join-time frames
    // A claim's patches must all land before its release is sent, and the release's before the next claim.
    const holdMs = spectatorCount >= 1000 ? 50 : 25;
    const cpuFrom = cpuTimeUs(server.pid);
    const report = await driver.request({ cmd: "fanout", ops: settings.fanoutClaims, spacingMs: holdMs * 2, holdMs }, ["fanout"], settings.fanoutClaims * holdMs * 2 + 30_000);
    const serverCpuUs = cpuTimeUs(server.pid) - cpuFrom;
    const endUs = hrtimeUs();
    await sleep(100);
    const collected = await Promise.all(groups.map((group) => group.request({ cmd: "collect" }, ["patches"], 30_000)));
    if (report.errors.length > 0) throw new Error(`${system} fan-out: ${report.errors.slice(0, 3).join(" | ")}`);
    const changes = report.claimSentAtUs.flatMap((at, i) => [at, report.releaseSentAtUs[i]!]);
    const analysis = analyseFanout(changes, endUs, collected.flatMap((c) => c.perClient));
    log(`fan-out ${system} to ${connected}: last spectator p99 ${summarize(analysis.toLast).p99} µs (${analysis.missed} missed, ${analysis.overlapping} overlapping)`);
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

function machine() {
  const cpus = os.cpus();
  return {
    nproc: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    loadAverage: os.loadavg().map((value) => value.toFixed(2)).join(" "),
  };
}

async function main() {
  const started = Date.now();
  const before = machine();
  log(`${before.nproc} CPUs (${before.cpuModel}), node ${before.node}, load average ${before.loadAverage}`);
  const servers = await startServers();
  const { roundTripRows, saturationRows } = await roundTrips(servers);
  const fanoutRows: FanoutRow[] = [];
  for (const size of settings.fanoutSizes) {
    for (const system of SYSTEMS) fanoutRows.push(await fanoutOnce(servers[system], system, size));
  }
  await stopAll();
  const results: BenchResults = {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    machine: before,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    settings: { ...settings, cpuTickUs: CPU_TICK_US },
    durationSeconds: Math.round((Date.now() - started) / 1000),
    roundTrip: roundTripRows,
    saturation: saturationRows,
    fanout: fanoutRows,
  };
  const markdown = renderReport(results);
  console.log(markdown);
  if (!quick && !values["no-docs"]) {
    const docPath = path.join(REPO_ROOT, "docs/BENCHMARKS.md");
    const current = existsSync(docPath) ? readFileSync(docPath, "utf8") : "";
    writeFileSync(docPath, updateBenchmarksDoc(current, markdown));
    log(`updated ${path.relative(REPO_ROOT, docPath)}`);
  }
  log(`done in ${results.durationSeconds} s`);
}

main().catch(async (error) => {
  if (wasInterrupted()) return; // the signal handler is already stopping everything
  console.error(`bench: FAILED: ${(error as Error).stack ?? error}`);
  await stopAll(1_000);
  process.exit(1);
});
