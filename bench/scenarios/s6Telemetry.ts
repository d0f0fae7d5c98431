/**
 * S6 — live telemetry (issue 24): D devices each sending a sample 10 times a second, S
 * spectators spread over them, Baton against the bare `ws` relay re-sending every sample to
 * everyone watching. Reported: samples sent, frames the spectators received, and the
 * server's CPU time per sample — what telemetry costs beside the session, against the floor.
 * Method: bench/README.md §6.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { cpuTimeUs, LoadProcess } from "../lib/processes.ts";
import { benchDeviceId } from "../lib/devices.ts";
import { ratio, rotated, systemsUnderTest, us, type System } from "./common.ts";
import type { BenchContext, Scenario } from "./types.ts";

type Command = { cmd: "run"; durationMs: number } | { cmd: "stop" };
type Message = { type: "ready"; connected: number } | { type: "failed"; error: string } | { type: "telemetry"; sent: number; frames: number; elapsedUs: number };
type TelemetryLoad = LoadProcess<Command, Message>;

/** Devices per load process: each process runs its devices' spectators too. */
const DEVICES_PER_PROCESS = 25;

export interface TelemetryRow {
  system: string;
  devices: number;
  spectators: number;
  rate: number;
  durationMs: number;
  samples: number;
  frames: number;
  serverCpuUs: number;
  serverCpuUsPerSample: number;
  /** Frames delivered per sample sent (spectators per device, less what coalescing saved). */
  framesPerSample: number;
}

function settingsFor(context: BenchContext) {
  const { quick, smoke, args } = context;
  return {
    devices: Number(args["telemetry-devices"] ?? (smoke ? 4 : quick ? 20 : 100)),
    spectators: Number(args["telemetry-spectators"] ?? (smoke ? 20 : quick ? 200 : 1_000)),
    rate: 10,
    durationMs: smoke ? 1_500 : quick ? 5_000 : 15_000,
    rounds: smoke ? 1 : 2,
  };
}

async function once(settings: ReturnType<typeof settingsFor>, system: System, context: BenchContext): Promise<TelemetryRow> {
  const deviceIds = Array.from({ length: settings.devices }, (_, index) => benchDeviceId(index));
  const spectatorsPerDevice = Math.max(1, Math.round(settings.spectators / settings.devices));
  const loads: TelemetryLoad[] = [];
  try {
    for (let start = 0; start < deviceIds.length; start += DEVICES_PER_PROCESS) {
      loads.push(new LoadProcess(`${system.label} telemetry ${start / DEVICES_PER_PROCESS + 1}`, "bench/load/telemetryLoad.ts", {
        system: system.protocol, baseUrl: system.server.baseUrl, deviceIds: deviceIds.slice(start, start + DEVICES_PER_PROCESS), spectatorsPerDevice, rate: settings.rate, offset: start,
      }));
    }
    const ready = await Promise.all(loads.map((load) => load.next(["ready"], 180_000)));
    const spectators = ready.reduce((sum, message) => sum + message.connected, 0);
    await sleep(500);
    const cpuFrom = cpuTimeUs(system.server.pid);
    const reports = await Promise.all(loads.map((load) => load.request({ cmd: "run", durationMs: settings.durationMs }, ["telemetry"], settings.durationMs + 60_000)));
    const serverCpuUs = cpuTimeUs(system.server.pid) - cpuFrom;
    const samples = reports.reduce((sum, report) => sum + report.sent, 0);
    const frames = reports.reduce((sum, report) => sum + report.frames, 0);
    if (samples === 0) throw new Error(`S6 ${system.label}: no samples were sent`);
    context.log(`S6 ${system.label}: ${samples} samples from ${settings.devices} devices to ${spectators} spectators, ${frames} frames received, ${Math.round(serverCpuUs / samples)} server CPU-µs/sample`);
    return {
      system: system.label, devices: settings.devices, spectators, rate: settings.rate, durationMs: settings.durationMs,
      samples, frames, serverCpuUs, serverCpuUsPerSample: serverCpuUs / samples, framesPerSample: frames / samples,
    };
  } finally {
    await Promise.all(loads.map((load) => load.stop({ cmd: "stop" })));
  }
}

async function run(context: BenchContext) {
  const settings = settingsFor(context);
  const systems = await systemsUnderTest(context);
  const rows: TelemetryRow[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    for (const system of rotated(systems, round)) rows.push(await once(settings, system, context));
  }
  const data = { settings, rows };
  return { markdown: render(data), data };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor((sorted.length - 1) / 2)]!;
}

function render({ settings, rows }: { settings: ReturnType<typeof settingsFor>; rows: TelemetryRow[] }): string {
  const lines: string[] = [];
  lines.push("### S6 — live telemetry beside the session");
  lines.push("");
  lines.push(`${settings.devices} devices each send a one-channel \`telemetry\` sample ${settings.rate} times a second for ${settings.durationMs / 1000} s; ${settings.spectators} spectators watch, spread evenly over the devices. Baton checks each sample against the channel the device declared, coalesces per channel (newest wins, at most one write per 50 ms window) and patches the state; the relay re-encodes every sample once and sends it to everyone watching its device. "Server CPU-µs/sample" is the server process's CPU time over the run divided by the samples sent; "frames/sample" is what the spectators received per sample sent.`);
  lines.push("");
  lines.push("| system | devices | spectators | samples | frames received | frames/sample | server CPU-µs/sample |");
  lines.push("|---|---:|---:|---:|---:|---:|---:|");
  for (const row of rows) {
    lines.push(`| ${row.system} | ${row.devices} | ${row.spectators} | ${row.samples} | ${row.frames} | ${row.framesPerSample.toFixed(1)} | ${us(row.serverCpuUsPerSample)} |`);
  }
  const relay = median(rows.filter((row) => row.system === "relay").map((row) => row.serverCpuUsPerSample));
  const baton = median(rows.filter((row) => row.system === "baton").map((row) => row.serverCpuUsPerSample));
  lines.push("");
  lines.push(`Cost per sample, Baton against the relay (medians of ${settings.rounds} round(s)): ${us(baton)} µs against ${us(relay)} µs → **${ratio(baton, relay)}**.`);
  return lines.join("\n");
}

export const s6Telemetry: Scenario = {
  id: "S6",
  title: "telemetry",
  options: { "telemetry-devices": { type: "string" }, "telemetry-spectators": { type: "string" } },
  usage: ["--telemetry-devices 100 --telemetry-spectators 1000   S6: devices sending 10 samples/s, and their spectators"],
  run,
};
