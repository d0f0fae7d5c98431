/**
 * S4 — claim/release churn: 10 contenders per device claim whenever the device is free;
 * the winner releases at once. Baton against a Redis `SET NX PX` lock with a fencing counter
 * and a "free" publish (bench/load/contenders.ts), interleaved round by round, counting
 * double grants (must be 0). Method: bench/README.md §4.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { deleteRedisKeys, REDIS_URL } from "../lib/redisKeys.ts";
import { BENCH_DEVICE_SECRET, writeBenchDeviceFile } from "../lib/deviceFile.ts";
import { mergeEncoded, summarize, type LatencySummary } from "../lib/histogram.ts";
import { cpuTimeUs, LoadProcess, stopChild } from "../lib/processes.ts";
import type { ContendersCommand, ContendersEnv, ContendersMessage } from "../load/contenders.ts";
import { ratio, us } from "./common.ts";
import type { BenchContext, Scenario } from "./types.ts";

type Contenders = LoadProcess<ContendersCommand, ContendersMessage>;
type ChurnSystem = "redis" | "baton";
const CHURN_SYSTEMS: ChurnSystem[] = ["redis", "baton"];
const CONTENDERS_PER_DEVICE = 10;

export interface ChurnRow {
  system: ChurnSystem;
  devices: number;
  contenders: number;
  grantsPerSecond: number;
  grants: number;
  claims: number;
  busy: number;
  latency: LatencySummary;
  serverCpuUsPerGrant: number | null;
  doubleGrants: number;
  doubleGrantExamples: string[];
}

function settingsFor(context: BenchContext) {
  const { smoke, quick, args } = context;
  return {
    devices: Number(args["s4-devices"] ?? (smoke ? 2 : quick ? 5 : 20)),
    rounds: smoke ? 1 : quick ? 1 : 3,
    warmupMs: smoke ? 500 : 1_000,
    durationMs: smoke ? 1_500 : quick ? 3_000 : 5_000,
  };
}

/** The redis-server's pid (for its CPU time), when it runs on this machine and /proc shows it. */
async function redisPid(): Promise<number | null> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const info = await redis.info("server");
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    cpuTimeUs(pid);
    return pid;
  } catch {
    return null;
  } finally {
    redis.disconnect();
  }
}

export const s4Churn: Scenario = {
  id: "S4",
  title: "claim/release churn against a Redis lock",
  options: { "s4-devices": { type: "string" } },
  usage: [`--s4-devices 20     S4: devices, ${CONTENDERS_PER_DEVICE} contenders each`],
  async run(context) {
    const settings = settingsFor(context);
    const { file, deviceIds } = await writeBenchDeviceFile(mkdtempSync(path.join(os.tmpdir(), "baton-bench-s4-")), "churn-", settings.devices);
    const baton = await context.startBaton("baton-s4", {
      BATON_DEVICES_FILE: file,
      BATON_SECRET_FAILURES_PER_SOURCE: "1000",
      BATON_SECRET_CHECK_QUEUE: "10000",
      BATON_SECRET_CHECK_MAX_WAIT_MS: "60000",
    });
    const keyPrefix = `baton-bench-s4-${randomBytes(4).toString("hex")}:`;
    const redisServerPid = await redisPid();
    const loads = {} as Record<ChurnSystem, Contenders>;
    const into = Object.fromEntries(CHURN_SYSTEMS.map((s) => [s, { grants: 0, claims: 0, busy: 0, elapsedMs: 0, latency: [] as string[], cpuUs: 0, doubleGrants: [] as string[] }])) as Record<ChurnSystem, { grants: number; claims: number; busy: number; elapsedMs: number; latency: string[]; cpuUs: number; doubleGrants: string[] }>;
    try {
      for (const system of CHURN_SYSTEMS) {
        const env: ContendersEnv = { system, baseUrl: baton.baseUrl, redisUrl: REDIS_URL, keyPrefix, deviceIds, deviceSecret: BENCH_DEVICE_SECRET, contendersPerDevice: CONTENDERS_PER_DEVICE };
        loads[system] = new LoadProcess(`${system} contenders`, "bench/load/contenders.ts", env as unknown as Record<string, unknown>);
        await loads[system].next(["ready"], 120_000);
      }
      for (let round = 0; round < settings.rounds; round++) {
        for (const system of round % 2 === 0 ? CHURN_SYSTEMS : [...CHURN_SYSTEMS].reverse()) {
          const pid = system === "baton" ? baton.pid : redisServerPid;
          const done = loads[system].next(["churn"], settings.warmupMs + settings.durationMs + 60_000);
          loads[system].send({ cmd: "run", warmupMs: settings.warmupMs, durationMs: settings.durationMs });
          await new Promise((resolve) => setTimeout(resolve, settings.warmupMs));
          const cpuFrom = pid ? cpuTimeUs(pid) : 0;
          const report = (await done) as Extract<ContendersMessage, { type: "churn" }>;
          const cpu = pid ? cpuTimeUs(pid) - cpuFrom : 0;
          if (report.errors.length > 0) throw new Error(`${system} contenders: ${report.errors.slice(0, 3).join(" | ")}`);
          const row = into[system];
          row.grants += report.grants; row.claims += report.claims; row.busy += report.busy; row.elapsedMs += report.elapsedMs;
          row.latency.push(report.latency); row.cpuUs += cpu; row.doubleGrants.push(...report.doubleGrants);
          context.log(`S4 round ${round + 1}/${settings.rounds} ${system}: ${Math.round((report.grants * 1000) / report.elapsedMs)} grants/s, ${report.doubleGrants.length} double grants`);
        }
      }
    } finally {
      await Promise.all(Object.values(loads).map((load) => load.stop({ cmd: "stop" })));
      await stopChild(baton.child, 5_000);
      await deleteRedisKeys(keyPrefix).catch(() => {});
    }
    const rows: ChurnRow[] = CHURN_SYSTEMS.map((system) => {
      const r = into[system];
      const pid = system === "baton" ? baton.pid : redisServerPid;
      return {
        system, devices: settings.devices, contenders: settings.devices * CONTENDERS_PER_DEVICE,
        grantsPerSecond: (r.grants * 1000) / r.elapsedMs, grants: r.grants, claims: r.claims, busy: r.busy,
        latency: summarize(mergeEncoded(r.latency)),
        serverCpuUsPerGrant: pid ? r.cpuUs / Math.max(1, r.grants) : null,
        doubleGrants: r.doubleGrants.length, doubleGrantExamples: r.doubleGrants.slice(0, 5),
      };
    });
    return { markdown: render(rows, settings), data: { settings, rows } };
  },
};

function render(rows: ChurnRow[], settings: ReturnType<typeof settingsFor>): string {
  const lines = [
    `### S4 — claim/release churn, ${settings.devices} devices × ${CONTENDERS_PER_DEVICE} contenders`,
    "",
    `Closed loop: every contender claims as soon as it sees the device free; the winner releases at once. ${settings.rounds} interleaved round(s) of ${settings.durationMs / 1000} s after ${settings.warmupMs / 1000} s of discarded warm-up. Grant latency is from sending the winning claim to knowing it won (Baton: the state patch naming the contender; Redis: the script's answer). All times in µs.`,
    "",
    "| system | grants/s | grants | claims | lost claims | grant p50 | grant p99 | grant p99.9 | server CPU-µs/grant | double grants |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    lines.push(`| ${r.system === "redis" ? "Redis SET NX PX" : "baton"} | ${us(r.grantsPerSecond)} | ${r.grants} | ${r.claims} | ${r.busy} | ${us(r.latency.p50)} | ${us(r.latency.p99)} | ${us(r.latency.p999)} | ${r.serverCpuUsPerGrant === null ? "—" : us(r.serverCpuUsPerGrant)} | ${r.doubleGrants} |`);
  }
  const [redis, baton] = [rows.find((r) => r.system === "redis")!, rows.find((r) => r.system === "baton")!];
  lines.push("");
  lines.push(`Target: Baton's cycles/s at least the Redis lock's → **${baton.grantsPerSecond >= redis.grantsPerSecond ? "met" : "NOT met"}** (${ratio(baton.grantsPerSecond, redis.grantsPerSecond)}); double grants 0 → **${baton.doubleGrants === 0 && redis.doubleGrants === 0 ? "met" : "NOT met"}** (Baton ${baton.doubleGrants}, Redis ${redis.doubleGrants}).`);
  for (const example of [...baton.doubleGrantExamples, ...redis.doubleGrantExamples]) lines.push(`- double grant: ${example}`);
  lines.push("The Redis server is shared with other work on this machine: its CPU per grant includes whatever else it served in the window.");
  return lines.join("\n");
}
