/**
 * S5 — scale-out: two Baton processes on Redis (RedisPresence + RedisDriver, `REDIS_URL`)
 * against one process, both on one PostgreSQL store. Method: bench/README.md §5.
 *
 * - **Claim round trip** (S1's driver, fixed rate, coordinated-omission safe): one process —
 *   device and owner on it; two processes — the device joins through A, the owner
 *   matchmakes through B and is sent to A (the room's process, by its public address).
 *   Interleaved round by round.
 * - **Joins**: a user's matchmaking + WebSocket join up to JOIN_ROOM, through the room's own
 *   process (local) and through the other one (remote: B asks A over Redis for the seat),
 *   alternating, one at a time.
 *
 * Needs Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379; keys under a prefix of its
 * own) and PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test;
 * a schema of its own, dropped afterwards).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { deleteRedisKeys, REDIS_URL } from "../lib/redisKeys.ts";
import { BENCH_DEVICE_SECRET, writeBenchDeviceFile } from "../lib/deviceFile.ts";
import { mergeEncoded, newHistogram, recordMs, summarize, type LatencySummary } from "../lib/histogram.ts";
import { stopChild, type ServerProcess } from "../lib/processes.ts";
import { batonUser, devToken, type Target } from "../lib/wire.ts";
import { measured, ratio, startDriver, us, type Driver } from "./common.ts";
import type { BenchContext, Scenario } from "./types.ts";

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
type Layout = "one process" | "two processes";
const LAYOUTS: Layout[] = ["one process", "two processes"];

function settingsFor(context: BenchContext) {
  const { smoke, quick, args } = context;
  return {
    rate: Number(args["s5-rate"] ?? 100),
    rounds: smoke || quick ? 1 : 3,
    warmupMs: smoke ? 500 : 2_000,
    durationMs: smoke ? 1_500 : quick ? 3_000 : 8_000,
    joins: smoke ? 10 : quick ? 50 : 200,
  };
}

export interface ClusterRoundTripRow { layout: Layout; ops: number; latency: LatencySummary; service: LatencySummary; serverCpuUsPerOp: number }
export interface JoinRow { kind: "local" | "remote"; latency: LatencySummary }

async function dropSchema(schema: string) {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Matchmaking + WebSocket join through `viaUrl`, up to JOIN_ROOM; then leave. */
async function timeJoins(target: Target, viaUrls: { local: string; remote: string }, count: number) {
  const histograms = { local: newHistogram(), remote: newHistogram() };
  const token = await devToken(viaUrls.local, "bench-s5-joiner");
  for (let n = 0; n < count * 2; n++) {
    const kind = n % 2 === 0 ? "local" : "remote";
    const from = performance.now();
    const user = await batonUser({ ...target, userBaseUrl: viaUrls[kind] }, "bench-s5-joiner", token);
    recordMs(histograms[kind], performance.now() - from);
    await user.close();
  }
  return { local: summarize(histograms.local), remote: summarize(histograms.remote) };
}

export const s5Cluster: Scenario = {
  id: "S5",
  title: "two processes on Redis against one",
  options: { "s5-rate": { type: "string" } },
  usage: ["--s5-rate 100       S5: claims per second of the round-trip rounds"],
  async run(context) {
    const settings = settingsFor(context);
    const schemaOne = `baton_bench_${randomBytes(5).toString("hex")}`;
    const schemaTwo = `baton_bench_${randomBytes(5).toString("hex")}`;
    const prefix = `baton-bench-s5-${randomBytes(4).toString("hex")}:`;
    const { file, deviceIds } = await writeBenchDeviceFile(mkdtempSync(path.join(os.tmpdir(), "baton-bench-s5-")), "s5-", 2);
    const [deviceOne, deviceTwo] = deviceIds as [string, string];
    const store = (schema: string) => ({ DATABASE_URL, BATON_DATABASE_SCHEMA: schema, BATON_DEVICES_FILE: file });
    const servers: ServerProcess[] = [];
    const drivers: Driver[] = [];
    try {
      const one = await context.startBaton("baton-s5-one", store(schemaOne));
      servers.push(one);
      // Every process of a cluster signs and checks user tokens with the same secret (a
      // development process otherwise makes its own, and B would refuse A's tokens).
      const cluster = { ...store(schemaTwo), REDIS_URL, BATON_REDIS_KEY_PREFIX: prefix, BATON_JWT_SECRET: randomBytes(32).toString("hex") };
      // One after the other: the first migrates the schema and imports the devices.
      const a = await context.startBaton("baton-s5-a", cluster);
      servers.push(a);
      const b = await context.startBaton("baton-s5-b", cluster);
      servers.push(b);
      context.log(`S5: one process pid ${one.pid}; cluster A pid ${a.pid} ${a.baseUrl}, B pid ${b.pid} ${b.baseUrl}`);

      const targets: Record<Layout, Target> = {
        "one process": { system: "baton", baseUrl: one.baseUrl, deviceId: deviceOne, deviceSecret: BENCH_DEVICE_SECRET },
        "two processes": { system: "baton", baseUrl: a.baseUrl, userBaseUrl: b.baseUrl, deviceId: deviceTwo, deviceSecret: BENCH_DEVICE_SECRET },
      };
      const roomServer: Record<Layout, ServerProcess> = { "one process": one, "two processes": a };
      const driverOf = {} as Record<Layout, Driver>;
      for (const layout of LAYOUTS) {
        driverOf[layout] = await startDriver("baton", targets[layout]);
        drivers.push(driverOf[layout]);
      }
      const into = Object.fromEntries(LAYOUTS.map((l) => [l, { latency: [] as string[], service: [] as string[], ops: 0, cpuUs: 0 }])) as Record<Layout, { latency: string[]; service: string[]; ops: number; cpuUs: number }>;
      for (const layout of LAYOUTS) await measured(driverOf[layout], roomServer[layout], { cmd: "saturate", warmupMs: 0, durationMs: settings.warmupMs }, settings.warmupMs + 30_000);
      for (let round = 0; round < settings.rounds; round++) {
        for (const layout of round % 2 === 0 ? LAYOUTS : [...LAYOUTS].reverse()) {
          const { report, serverCpuUs } = await measured(driverOf[layout], roomServer[layout], { cmd: "fixedRate", rate: settings.rate, warmupMs: settings.warmupMs, durationMs: settings.durationMs }, settings.warmupMs + settings.durationMs + 30_000);
          const row = into[layout];
          row.latency.push(report.latency!);
          row.service.push(report.service);
          row.ops += report.ops;
          row.cpuUs += serverCpuUs;
          context.log(`S5 round ${round + 1}/${settings.rounds} ${layout}: ${report.ops} claims, p99 ${summarize(mergeEncoded([report.latency!])).p99} µs`);
        }
      }
      const roundTrips: ClusterRoundTripRow[] = LAYOUTS.map((layout) => ({
        layout, ops: into[layout].ops,
        latency: summarize(mergeEncoded(into[layout].latency)), service: summarize(mergeEncoded(into[layout].service)),
        serverCpuUsPerOp: into[layout].cpuUs / Math.max(1, into[layout].ops),
      }));
      const joinFigures = await timeJoins(targets["two processes"], { local: a.baseUrl, remote: b.baseUrl }, settings.joins);
      const joins: JoinRow[] = [{ kind: "local", latency: joinFigures.local }, { kind: "remote", latency: joinFigures.remote }];
      return { markdown: render(roundTrips, joins, settings), data: { settings, roundTrips, joins } };
    } finally {
      await Promise.all(drivers.map((driver) => driver.stop({ cmd: "stop" })));
      await Promise.all(servers.map((server) => stopChild(server.child, 5_000)));
      await Promise.all([dropSchema(schemaOne), dropSchema(schemaTwo), deleteRedisKeys(prefix)].map((p) => p.catch((error) => context.log(`S5 clean-up: ${(error as Error).message}`))));
    }
  },
};

function render(rows: ClusterRoundTripRow[], joins: JoinRow[], settings: ReturnType<typeof settingsFor>): string {
  const lines = [
    `### S5 — two processes on Redis against one, PostgreSQL store, ${settings.rate} claims/s`,
    "",
    `Claim → start → result round trip at a fixed rate, latency from the intended send time; ${settings.rounds} interleaved round(s) of ${settings.durationMs / 1000} s after ${settings.warmupMs / 1000} s of warm-up. Two processes: the device on A, the owner matchmade through B. All times in µs.`,
    "",
    "| layout | claims | p50 | p99 | p99.9 | service p50 / p99 | room process CPU-µs/op |",
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) lines.push(`| ${r.layout} | ${r.ops} | ${us(r.latency.p50)} | ${us(r.latency.p99)} | ${us(r.latency.p999)} | ${us(r.service.p50)} / ${us(r.service.p99)} | ${us(r.serverCpuUsPerOp)} |`);
  const [one, two] = rows as [ClusterRoundTripRow, ClusterRoundTripRow];
  lines.push(`| **two / one** | | **${ratio(two.latency.p50, one.latency.p50)}** | **${ratio(two.latency.p99, one.latency.p99)}** | ${ratio(two.latency.p999, one.latency.p999)} | | ${ratio(two.serverCpuUsPerOp, one.serverCpuUsPerOp)} |`);
  lines.push("");
  lines.push(`Target: claim round trip with two processes within 1.1× of one → **${two.latency.p99 <= one.latency.p99 * 1.1 ? "met" : "NOT met"}** (p99 ${ratio(two.latency.p99, one.latency.p99)}).`);
  lines.push("");
  lines.push("| join (matchmaking + WebSocket, to JOIN_ROOM) | joins | p50 | p99 | max |");
  lines.push("|---|---:|---:|---:|---:|");
  for (const j of joins) lines.push(`| ${j.kind === "local" ? "local: through the room's process (A)" : "remote: through the other process (B)"} | ${j.latency.count} | ${us(j.latency.p50)} | ${us(j.latency.p99)} | ${us(j.latency.max)} |`);
  return lines.join("\n");
}
