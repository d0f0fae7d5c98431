/**
 * Live telemetry through the SDK and the simulator (issue 24): `device.telemetry` holds each
 * channel's newest value, unit and recent samples; the `telemetry` event fires per new value;
 * a late joiner's trace starts from the room's recent samples; the simulated scale's raw
 * weight (owner-only) reaches its holder alone while it settles, and a print's nozzle heats.
 */
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { BatonClient, type DeviceHandle, type TelemetryUpdate } from "@baton/client";
import { startSimulatedDevice } from "@baton/client/simulator";
import { DEV_DEVICES, startBaton, type TestBaton } from "../support/baton.ts";

let baton: TestBaton;
const open: (() => unknown)[] = [];

beforeAll(async () => {
  baton = await startBaton();
});
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((stop) => stop()));
});
afterAll(async () => {
  await baton.shutdown();
});

async function handle(userId: string, deviceId: string): Promise<DeviceHandle> {
  const device = new BatonClient(baton.httpUrl, { token: await baton.tokenFor(userId, userId) }).device(deviceId);
  open.push(() => device.leave());
  await device.ready();
  return device;
}

it("shows a printing printer's nozzle heating, with its unit, trace and events; a late joiner starts from the recent samples", async () => {
  const printer = await startSimulatedDevice({ url: baton.httpUrl, ...DEV_DEVICES.printer, instrument: "printer", speed: 10, jobDurationMs: 30_000, telemetryIntervalMs: 50 });
  open.push(() => printer.close());
  const pat = await handle("pat", DEV_DEVICES.printer.deviceId);
  const updates: TelemetryUpdate[] = [];
  pat.on("telemetry", (update) => updates.push(update));
  await pat.until((view) => view.telemetry.nozzle !== undefined);
  expect(pat.telemetry.nozzle!.unit).toBe("°C");
  const idle = pat.telemetry.nozzle!.value as number;
  expect(idle).toBeLessThan(60);

  await pat.claim({ sessionType: "printing", input: { fileName: "benchy.gcode", material: "PETG" } });
  await pat.until((view) => typeof view.telemetry.nozzle?.value === "number" && (view.telemetry.nozzle.value as number) > 150, { timeoutMs: 10_000 });
  expect(pat.telemetry.layer!.value as number).toBeGreaterThanOrEqual(1);
  expect(pat.telemetry.nozzle!.samples.length).toBeGreaterThan(5);
  const times = pat.telemetry.nozzle!.samples.map(([at]) => at);
  expect(times).toEqual([...times].sort((a, b) => a - b));
  expect(updates.some((update) => update.channel === "nozzle" && update.unit === "°C")).toBe(true);

  const late = await handle("lou", DEV_DEVICES.printer.deviceId);
  await late.until((view) => (view.telemetry.nozzle?.samples.length ?? 0) > 5);
  expect(late.telemetry.bed!.unit).toBe("°C");
  await pat.release();
});

it("sends the scale's raw weight to its holder alone while it settles, ending on the measured weight", async () => {
  const scale = await startSimulatedDevice({ url: baton.httpUrl, ...DEV_DEVICES.scale, instrument: "scale", jobDurationMs: 1_500, telemetryIntervalMs: 50, seed: 7 });
  open.push(() => scale.close());
  const holder = await handle("hana", DEV_DEVICES.scale.deviceId);
  const spectator = await handle("sid", DEV_DEVICES.scale.deviceId);
  await holder.until((view) => view.device.online);
  await holder.claim();
  const result = holder.run("weighing", {});
  await holder.until((view) => (view.telemetry.weight?.samples.length ?? 0) >= 5, { timeoutMs: 10_000 });
  expect(holder.telemetry.weight!.visibility).toBe("owner");
  expect(holder.telemetry.weight!.unit).toBe("kg");
  const output = (await result).output as { weight: number };
  const weights = holder.telemetry.weight!.samples.map(([, value]) => value as number);
  expect(Math.abs(weights.at(-1)! - output.weight)).toBeLessThan(output.weight * 0.05);
  expect(new Set(weights).size).toBeGreaterThan(2); // it moved while settling
  expect(spectator.telemetry.weight).toBeUndefined();
  // The raw weight reaches the spectator's state nowhere (the declared output schema's "kg" unit
  // is public, so look for the owner-only channel and the holder's own readings, not the unit).
  const seen = JSON.stringify(spectator.colyseusRoom!.state.toJSON());
  expect(JSON.stringify(holder.colyseusRoom!.state.toJSON())).toContain('"weight"');
  expect(seen).not.toMatch(/"readings":\{[^}]*"weight"/);
  for (const weight of weights) expect(seen).not.toContain(String(weight));
});
