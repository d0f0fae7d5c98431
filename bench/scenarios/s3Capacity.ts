/**
 * S3 — capacity: what idle clients cost one Baton process, against a bare `ws` server (the
 * relay) holding the same connections. Method: bench/README.md §3.
 *
 * Per system, in its own fresh server process: 1,000 devices connect (one room each on
 * Baton) and sit idle with their 5-second heartbeats — the server's CPU over an idle window
 * is "1,000 idle rooms"; then spectators spread over those rooms up to 19,000 connections
 * in all (the file limit of a process here is 20,000), held by several load processes — the
 * growth of the server's resident memory divided by the clients is "memory per idle client",
 * and the CPU of a second idle window is the cost of holding them all.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { BENCH_DEVICE_SECRET, rssBytes, writeBenchDeviceFile } from "../lib/deviceFile.ts";
import { cpuTimeUs, freePort, LoadProcess, startServer, stopChild, type ServerProcess } from "../lib/processes.ts";
import type { SystemName } from "../lib/wire.ts";
import type { IdleClientsEnv, IdleClientsMessage } from "../load/idleClients.ts";
import { SYSTEMS, us } from "./common.ts";
import type { BenchContext, Scenario } from "./types.ts";

type IdleClients = LoadProcess<{ cmd: "stop" }, IdleClientsMessage>;

/** Connections per load process: well under its own file limit, and few enough to connect quickly. */
const CLIENTS_PER_PROCESS = 5_000;

export interface CapacityRow {
  system: SystemName;
  devices: number;
  clients: number;
  failed: number;
  firstError: string | null;
  /** Server RSS (bytes): fresh, with the devices, with devices and clients. */
  rssFresh: number;
  rssDevices: number;
  rssClients: number;
  /** Server CPU over the idle windows, as % of one core. */
  idleRoomsCpuPercent: number;
  idleAllCpuPercent: number;
  idleWindowMs: number;
  connectSeconds: number;
}

function settingsFor(context: BenchContext) {
  const { smoke, quick, args } = context;
  const devices = Number(args["s3-rooms"] ?? (smoke ? 20 : 1_000));
  const total = Number(args["s3-clients"] ?? (smoke ? 220 : quick ? 3_000 : 19_000));
  return { devices, clients: Math.max(0, total - devices), idleWindowMs: smoke ? 2_000 : quick ? 5_000 : 10_000 };
}

async function startSystem(context: BenchContext, system: SystemName, deviceFile: string): Promise<ServerProcess> {
  if (system === "baton") {
    return context.startBaton("baton-s3", {
      BATON_DEVICES_FILE: deviceFile,
      BATON_MAX_CLIENTS: "19990",
      BATON_MAX_SPECTATORS: "20000",
      BATON_MAX_CONNECTIONS_PER_USER: "20000",
      // Importing 1,000 devices is 1,000 commits; an fsync each is start-up time, not capacity.
      BATON_SQLITE_SYNCHRONOUS: "normal",
      // 1,000 devices joining from one loopback address within a minute: in the field they
      // come from 1,000 addresses. The secret checks still run (scrypt, two at a time); only
      // the per-address failure budget and the check queue are widened so a slow check
      // under load is not taken for guessing.
      BATON_SECRET_FAILURES_PER_SOURCE: "1000",
      BATON_SECRET_CHECK_QUEUE: "10000",
      BATON_SECRET_CHECK_MAX_WAIT_MS: "60000",
    });
  }
  const port = await freePort();
  return startServer("relay-s3", "bench/baseline/relay.ts", ["--port", String(port)], {}, port);
}

async function holdIdle(name: string, env: IdleClientsEnv): Promise<{ process: IdleClients; connected: number; failed: number; firstError: string | null }> {
  const load: IdleClients = new LoadProcess(name, "bench/load/idleClients.ts", env as unknown as Record<string, unknown>);
  const ready = await load.next(["ready"], 600_000);
  return { process: load, ...(ready as Extract<IdleClientsMessage, { type: "ready" }>) };
}

async function cpuPercentOver(pid: number, windowMs: number): Promise<number> {
  const from = cpuTimeUs(pid);
  await sleep(windowMs);
  return ((cpuTimeUs(pid) - from) / (windowMs * 1000)) * 100;
}

async function measureSystem(context: BenchContext, system: SystemName, settings: ReturnType<typeof settingsFor>, deviceFile: string, deviceIds: string[]): Promise<CapacityRow> {
  const server = await startSystem(context, system, deviceFile);
  const loads: IdleClients[] = [];
  try {
    await sleep(1_000);
    const rssFresh = rssBytes(server.pid);
    const connectFrom = Date.now();
    const devices = await holdIdle(`${system} idle devices`, { system, baseUrl: server.baseUrl, role: "device", deviceIds, deviceSecret: BENCH_DEVICE_SECRET, count: deviceIds.length, offset: 0 });
    loads.push(devices.process);
    context.log(`S3 ${system}: ${devices.connected} devices connected${devices.failed ? ` (${devices.failed} failed: ${devices.firstError})` : ""}`);
    await sleep(2_000);
    const rssDevices = rssBytes(server.pid);
    const idleRoomsCpuPercent = await cpuPercentOver(server.pid, settings.idleWindowMs);

    const processes = Math.ceil(settings.clients / CLIENTS_PER_PROCESS);
    const groups = await Promise.all(Array.from({ length: processes }, (_, p) => {
      const count = Math.min(CLIENTS_PER_PROCESS, settings.clients - p * CLIENTS_PER_PROCESS);
      return holdIdle(`${system} idle clients ${p + 1}`, { system, baseUrl: server.baseUrl, role: "spectator", deviceIds, count, offset: p * CLIENTS_PER_PROCESS });
    }));
    loads.push(...groups.map((g) => g.process));
    const connectSeconds = (Date.now() - connectFrom) / 1000;
    const clients = groups.reduce((sum, g) => sum + g.connected, 0);
    const failed = devices.failed + groups.reduce((sum, g) => sum + g.failed, 0);
    const firstError = devices.firstError ?? groups.find((g) => g.firstError)?.firstError ?? null;
    context.log(`S3 ${system}: ${clients} idle clients connected in ${connectSeconds.toFixed(0)} s${failed ? ` (${failed} failed: ${firstError})` : ""}`);
    await sleep(3_000);
    const rssClients = rssBytes(server.pid);
    const idleAllCpuPercent = await cpuPercentOver(server.pid, settings.idleWindowMs);
    return {
      system, devices: devices.connected, clients, failed, firstError,
      rssFresh, rssDevices, rssClients, idleRoomsCpuPercent, idleAllCpuPercent, idleWindowMs: settings.idleWindowMs, connectSeconds,
    };
  } finally {
    await Promise.all(loads.map((load) => load.stop({ cmd: "stop" })));
    await stopChild(server.child, 5_000);
  }
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

function render(rows: CapacityRow[], settings: ReturnType<typeof settingsFor>): string {
  const lines = [
    `### S3 — capacity: ${settings.devices} idle device rooms and up to ${us(settings.devices + settings.clients)} connections in one process`,
    "",
    `Each system in a fresh process of its own: ${us(settings.devices)} devices connect (heartbeat every 5 s), then spectators spread over their rooms, held by load processes of ≤ ${us(CLIENTS_PER_PROCESS)} connections each. CPU over ${settings.idleWindowMs / 1000} s idle windows; memory is the growth of the server's resident set.`,
    "",
    "| system | devices | clients | failed | RSS fresh / with devices / with all (MB) | memory per device room (KB) | memory per idle client (KB) | CPU, idle rooms only (% of a core) | CPU, all connected and idle (% of a core) | connect time (s) |",
    "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|",
  ];
  for (const row of rows) {
    const perDevice = row.devices > 0 ? (row.rssDevices - row.rssFresh) / row.devices : 0;
    const perClient = row.clients > 0 ? (row.rssClients - row.rssDevices) / row.clients : 0;
    lines.push(`| ${row.system} | ${us(row.devices)} | ${us(row.clients)} | ${row.failed} | ${mb(row.rssFresh)} / ${mb(row.rssDevices)} / ${mb(row.rssClients)} | ${kb(perDevice)} | ${kb(perClient)} | ${row.idleRoomsCpuPercent.toFixed(1)} | ${row.idleAllCpuPercent.toFixed(1)} | ${row.connectSeconds.toFixed(0)} |`);
  }
  const baton = rows.find((r) => r.system === "baton");
  if (baton) {
    const total = baton.devices + baton.clients;
    const perClient = baton.clients > 0 ? (baton.rssClients - baton.rssDevices) / baton.clients / 1024 : 0;
    lines.push("");
    lines.push(`Targets: ${us(19_000)} connected clients in one process → **${total >= 19_000 ? "met" : "NOT met"}** (${us(total)}); ≤ 16 KB per idle client → **${perClient <= 16 ? "met" : "NOT met"}** (${perClient.toFixed(1)} KB); ${us(1_000)} idle rooms under 5 % of a core → **${baton.devices >= 1_000 && baton.idleRoomsCpuPercent < 5 ? "met" : baton.devices < 1_000 ? "not measured at 1,000" : "NOT met"}** (${baton.idleRoomsCpuPercent.toFixed(1)} % with ${us(baton.devices)}).`);
    if (baton.firstError) lines.push(`First connection failure: \`${baton.firstError.slice(0, 300)}\`.`);
  }
  return lines.join("\n");
}

export const s3Capacity: Scenario = {
  id: "S3",
  title: "capacity: idle clients, memory per client, idle rooms",
  options: { "s3-clients": { type: "string" }, "s3-rooms": { type: "string" } },
  usage: ["--s3-clients 19000   S3: connections in all, devices included (default 19000; --quick 3000)", "--s3-rooms 1000     S3: idle device rooms"],
  async run(context) {
    const settings = settingsFor(context);
    const { file, deviceIds } = await writeBenchDeviceFile(mkdtempSync(path.join(os.tmpdir(), "baton-bench-s3-")), "cap-", settings.devices);
    const rows: CapacityRow[] = [];
    for (const system of SYSTEMS) rows.push(await measureSystem(context, system, settings, file, deviceIds));
    return { markdown: render(rows, settings), data: { settings, rows } };
  },
};
