/**
 * GET /metrics scraped before, during and after one session: counters and histograms move
 * by exactly what happened (one claim, one refused claim, one completed run, one release),
 * the gauges see the held device while it is held, and the store is timed.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";
import { joinDevice } from "../support/deviceSession.ts";

let baton: TestBaton;
beforeAll(async () => {
  baton = await startBaton({ timers: { ownerIdleTimeoutMs: 0 } });
});
afterAll(() => baton.shutdown());

/** Prometheus text → { 'name{labels}': value }. */
async function scrape(headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const response = await fetch(`${baton.httpUrl}/metrics`, { headers });
  expect(response.status).toBe(200);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}
const value = (samples: Map<string, number>, key: string) => samples.get(key) ?? 0;

it("moves counters and histograms by exactly one session's events", async () => {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
  const owner = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("olga"), deviceId });
  const rival = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("pete"), deviceId });
  await waitFor(() => owner.state.device.online);
  const before = await scrape();
  expect(value(before, "baton_connected_devices")).toBe(1);
  expect(value(before, "baton_connected_clients")).toBe(2);
  expect(value(before, "baton_active_sessions")).toBe(0);

  owner.claim({ sessionType: "weighing", input: { userAge: 30 } });
  const start = (await device.next("start")).payload;
  rival.claim({});
  expect((await rival.nextError()).code).toBe("DEVICE_BUSY");
  const during = await scrape();
  expect(value(during, "baton_active_sessions")).toBe(1);

  device.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 61 } });
  await owner.nextResult();
  owner.release();
  await waitFor(() => baton.events.some((event) => event.type === "session.ended" && event.deviceId === deviceId));
  const after = await scrape();

  const moved = (key: string) => value(after, key) - value(before, key);
  expect(moved("baton_sessions_started_total")).toBe(1);
  expect(moved('baton_sessions_ended_total{reason="released"}')).toBe(1);
  expect(moved('baton_runs_total{outcome="completed"}')).toBe(1);
  expect(moved('baton_run_duration_seconds_count{outcome="completed"}')).toBe(1);
  expect(moved("baton_session_duration_seconds_count")).toBe(1);
  expect(moved('baton_rejected_commands_total{code="DEVICE_BUSY"}')).toBe(1);
  expect(value(after, "baton_active_sessions")).toBe(0);
  // Each transition's writes were one timed commit (claim + run, the result, the release: the
  // refused claim writes nothing).
  expect(moved('baton_store_operation_seconds_count{operation="transitions.commit"}')).toBe(3);
  // Process metrics and event-loop lag come with the default collectors.
  expect(after.has("baton_nodejs_eventloop_lag_seconds")).toBe(true);
  expect(after.has("baton_process_resident_memory_bytes")).toBe(true);

  await Promise.all([owner.leave(), rival.leave()]);
  await device.leave();
});
