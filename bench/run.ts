/**
 * `npm run bench` — every benchmark scenario, each beside its baseline in the same run.
 * What is measured and why: bench/README.md. Latest figures: docs/BENCHMARKS.md.
 *
 *   npm run bench                      full run: prints markdown, updates docs/BENCHMARKS.md
 *   npm run bench -- --quick           shorter run; does not touch the docs
 *   npm run bench -- --smoke           shortest run of every scenario (CI: checks the report is complete, not timings)
 *   npm run bench -- --only S1,S2      selected scenarios only (never touches the docs)
 *   npm run bench -- --json out.json   also writes the figures as JSON
 *   npm run bench -- --compare main    also runs Baton as of a git ref, interleaved: before/after figures from one run
 *   npm run bench -- --no-docs         full run, print only
 *   npm run bench -- --trace-gc        Baton runs with --trace-gc; its output goes to a file in the temp dir
 *   npm run bench -- --cpu-prof        Baton writes a V8 CPU profile (.cpuprofile) to the temp dir on exit
 *
 * Layout: the scenarios are in bench/scenarios/, one file each, listed in SCENARIOS below.
 * This orchestrator parses the options (its own and the scenarios'), starts the shared Baton
 * and relay servers on first use, runs the selected scenarios in order, and stops every
 * child it started. Load processes live in bench/load/, baselines in bench/baseline/.
 */
import { writeFileSync, readFileSync, existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { CPU_TICK_US, freePort, REPO_ROOT, startServer, stopAll, wasInterrupted, type ServerProcess } from "./lib/processes.ts";
import type { SystemName } from "./lib/wire.ts";
import { exportRef } from "./lib/checkout.ts";
import { writeBenchDevicesFile } from "./lib/devices.ts";

/** Devices in the bench registry besides the development ones (S1 at 1,000 devices). */
const BENCH_DEVICES = 1_000;
import { renderReport, updateBenchmarksDoc, type BenchResults, type MachineInfo, type ScenarioOutcome } from "./report.ts";
import type { BenchContext, Scenario } from "./scenarios/types.ts";
import { s1RoundTrip } from "./scenarios/s1RoundTrip.ts";
import { s2FanOut } from "./scenarios/s2FanOut.ts";
import { s3Capacity } from "./scenarios/s3Capacity.ts";
import { s4Churn } from "./scenarios/s4Churn.ts";
import { s5Cluster } from "./scenarios/s5Cluster.ts";
import { s6Telemetry } from "./scenarios/s6Telemetry.ts";

/** The scenario registry: `npm run bench` runs these, in this order. One line per scenario. */
const SCENARIOS: Scenario[] = [
  s1RoundTrip,
  s2FanOut,
  s3Capacity,
  s4Churn,
  s5Cluster,
  s6Telemetry,
];

const options: ParseArgsConfig["options"] = {
  quick: { type: "boolean", default: false },
  smoke: { type: "boolean", default: false },
  only: { type: "string" },
  json: { type: "string" },
  compare: { type: "string" },
  "no-docs": { type: "boolean", default: false },
  "trace-gc": { type: "boolean", default: false },
  "cpu-prof": { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
};
for (const scenario of SCENARIOS) Object.assign(options, scenario.options ?? {});
const { values } = parseArgs({ options });

if (values.help) {
  console.log(`usage: npm run bench -- [--quick | --smoke] [--only S1,S2] [--compare <git ref>] [--json file] [--no-docs] [--trace-gc] [--cpu-prof] [scenario options]
  every scenario beside its baseline, in one run (bench/README.md); a full run of all scenarios updates docs/BENCHMARKS.md
scenarios: ${SCENARIOS.map((s) => `${s.id} (${s.title})`).join(", ")}
scenario options:
${SCENARIOS.flatMap((s) => s.usage ?? []).map((line) => `  ${line}`).join("\n")}`);
  process.exit(0);
}

const quick = values.quick === true;
const smoke = values.smoke === true;
const only = typeof values.only === "string" ? new Set(values.only.split(",").map((id) => id.trim().toUpperCase())) : null;
const selected = SCENARIOS.filter((scenario) => !only || only.has(scenario.id.toUpperCase()));
if (only && selected.length !== only.size) {
  console.error(`bench: unknown scenario in --only ${values.only} (known: ${SCENARIOS.map((s) => s.id).join(", ")})`);
  process.exit(2);
}

function log(message: string) {
  console.error(`bench: ${message}`);
}

const batonNodeArgs = (() => {
  const args: string[] = [];
  if (values["trace-gc"]) args.push("--trace-gc");
  if (values["cpu-prof"]) args.push("--cpu-prof", "--cpu-prof-dir", os.tmpdir());
  return args;
})();

/** The bench's device registry (bench/lib/devices.ts), written once per run. */
let devicesFile: string | null = null;
function benchDevicesFile(): string {
  devicesFile ??= writeBenchDevicesFile(path.join(mkdtempSync(path.join(os.tmpdir(), "baton-bench-devices-")), "devices.json"), BENCH_DEVICES);
  return devicesFile;
}

async function startBaton(name: string, env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<ServerProcess> {
  const port = await freePort();
  const gcLog = values["trace-gc"] ? path.join(os.tmpdir(), `baton-bench-gc-${process.pid}-${name}.log`) : undefined;
  if (gcLog) log(`${name}'s GC trace goes to ${gcLog}`);
  if (values["cpu-prof"]) log(`${name}'s CPU profile will be written to ${os.tmpdir()} when it exits`);
  return startServer(name, "server/src/index.ts", [], {
    BATON_ENV: "development",
    // A fresh SQLite store per server, not the repository's ./data.
    BATON_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "baton-bench-data-")),
    BATON_HOST: "127.0.0.1",
    BATON_PORT: String(port),
    // Lines as production writes them (JSON on stdout), not development's pino-pretty worker.
    BATON_LOG_FORMAT: "json",
    // The limiters (20/s per user connection, 50/s for the device by default) would
    // otherwise be what we measure.
    BATON_RATE_LIMIT_PER_SECOND: "1000000",
    BATON_RATE_LIMIT_BURST: "1000000",
    BATON_DEVICE_RATE_LIMIT_PER_SECOND: "1000000",
    BATON_DEVICE_RATE_LIMIT_BURST: "1000000",
    // Hundreds of contenders and spectators fetch their development token from 127.0.0.1 at once.
    BATON_HTTP_RATE_LIMIT_PER_SECOND: "1000000",
    BATON_HTTP_RATE_LIMIT_BURST: "1000000",
    // A spectator process's 500 connections share one user token (tabs of a few viewers).
    BATON_MAX_CONNECTIONS_PER_USER: "2000",
    BATON_MAX_SPECTATORS: "2000",
    // Many bench devices connect from 127.0.0.1 at once; in-flight secret checks count against this.
    BATON_SECRET_FAILURES_PER_SOURCE: "1000",
    BATON_SQLITE_SYNCHRONOUS: process.env.BENCH_SQLITE_SYNCHRONOUS ?? "full",
    // The development devices and bench-0 … bench-999, all with dev-secret-<id>.
    BATON_DEVICES_FILE: benchDevicesFile(),
    ...env,
  }, port, { nodeArgs: batonNodeArgs, logFile: gcLog, cwd, timeoutMs: 90_000 });
}

let compared: Promise<{ label: string; server: ServerProcess } | null> | null = null;
/** With `--compare <ref>`: Baton as of that ref, started on first use (bench/lib/checkout.ts). */
function comparison() {
  compared ??= (async () => {
    if (typeof values.compare !== "string") return null;
    const { dir, commit } = exportRef(values.compare);
    const label = `baton@${commit}`;
    const server = await startBaton(label, {}, dir);
    log(`${label} (${values.compare}) pid ${server.pid} on ${server.baseUrl}, from ${dir}`);
    return { label, server };
  })();
  return compared;
}

let shared: Promise<Record<SystemName, ServerProcess>> | null = null;
function servers(): Promise<Record<SystemName, ServerProcess>> {
  shared ??= (async () => {
    const relayPort = await freePort();
    const [relay, baton] = await Promise.all([
      startServer("relay", "bench/baseline/relay.ts", ["--port", String(relayPort)], {}, relayPort),
      startBaton("baton"),
    ]);
    log(`relay pid ${relay.pid} on ${relay.baseUrl}, baton pid ${baton.pid} on ${baton.baseUrl}`);
    return { relay, baton };
  })();
  return shared;
}

function machine(): MachineInfo {
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
  log(`${before.nproc} CPUs (${before.cpuModel}), node ${before.node}, load average ${before.loadAverage}; scenarios ${selected.map((s) => s.id).join(", ")}`);
  const context: BenchContext = { quick, smoke, args: values, log, servers, startBaton, comparison };
  const outcomes: ScenarioOutcome[] = [];
  for (const scenario of selected) {
    const from = Date.now();
    log(`${scenario.id} (${scenario.title}) …`);
    try {
      const result = await scenario.run(context);
      outcomes.push({ id: scenario.id, title: scenario.title, ...result });
    } catch (error) {
      if (wasInterrupted()) return;
      log(`${scenario.id} FAILED: ${(error as Error).stack ?? error}`);
      outcomes.push({ id: scenario.id, title: scenario.title, markdown: "", data: null, error: String((error as Error).message ?? error) });
    }
    log(`${scenario.id} done in ${Math.round((Date.now() - from) / 1000)} s`);
  }
  await stopAll();
  const results: BenchResults = {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    machine: before,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    cpuTickUs: CPU_TICK_US,
    durationSeconds: Math.round((Date.now() - started) / 1000),
    scenarios: outcomes,
  };
  const markdown = renderReport(results);
  console.log(markdown);
  if (typeof values.json === "string") writeFileSync(values.json, JSON.stringify(results, null, 2));
  const failed = outcomes.filter((outcome) => outcome.error);
  if (!quick && !smoke && !only && !values["no-docs"] && failed.length === 0) {
    const docPath = path.join(REPO_ROOT, "docs/BENCHMARKS.md");
    const current = existsSync(docPath) ? readFileSync(docPath, "utf8") : "";
    writeFileSync(docPath, updateBenchmarksDoc(current, markdown));
    log(`updated ${path.relative(REPO_ROOT, docPath)}`);
  }
  log(`done in ${results.durationSeconds} s${failed.length ? `; FAILED: ${failed.map((f) => f.id).join(", ")}` : ""}`);
  if (failed.length) process.exitCode = 1;
}

main().catch(async (error) => {
  if (wasInterrupted()) return; // the signal handler is already stopping everything
  console.error(`bench: FAILED: ${(error as Error).stack ?? error}`);
  await stopAll(1_000);
  process.exit(1);
});
