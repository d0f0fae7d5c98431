/** Helpers shared by the scenarios: drivers, measured phases, number formatting. */
import type { DriverCommand, DriverMessage, RoundTripReport } from "../lib/ipc.ts";
import { cpuTimeUs, LoadProcess, type ServerProcess } from "../lib/processes.ts";
import type { SystemName, Target } from "../lib/wire.ts";
import type { BenchContext } from "./types.ts";

export type Driver = LoadProcess<DriverCommand, DriverMessage>;

export const SYSTEMS: SystemName[] = ["relay", "baton"];

/** One server under test: its label in the report, the protocol it speaks, its process. */
export interface System {
  label: string;
  protocol: SystemName;
  server: ServerProcess;
}

/** The relay, Baton, and (with `--compare`) Baton as of another ref. */
export async function systemsUnderTest(context: BenchContext): Promise<System[]> {
  const servers = await context.servers();
  const systems: System[] = [
    { label: "relay", protocol: "relay", server: servers.relay },
    { label: "baton", protocol: "baton", server: servers.baton },
  ];
  const before = await context.comparison();
  if (before) systems.push({ label: before.label, protocol: "baton", server: before.server });
  return systems;
}

/** Round-robin order for round `round`: rotated each round, so no system always follows the same one. */
export function rotated<T>(items: T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

export const us = (value: number) => Math.round(value).toLocaleString("en-US");
export const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : "—");

export function targetFor(server: ServerProcess, system: SystemName, deviceId: string): Target {
  return { system, baseUrl: server.baseUrl, deviceId, deviceSecret: `dev-secret-${deviceId}` };
}

export async function startDriver(label: string, target: Target): Promise<Driver> {
  const driver: Driver = new LoadProcess(`${label} driver`, "bench/load/driver.ts", { target });
  await driver.next(["ready"], 20_000);
  return driver;
}

/** Runs one measured phase and reads the server's CPU time at its start and end. */
export async function measured(driver: Driver, server: ServerProcess, command: DriverCommand, timeoutMs: number) {
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
