/**
 * `npm run bench -- --smoke` runs every registered scenario for a second or so and must
 * produce a complete report: every scenario present, none failed, every table filled. No
 * timing is asserted (the figures of a smoke run on a shared CI machine mean nothing); the
 * point is that the benchmark — its servers, load processes, baselines and report — works,
 * so that the full `npm run bench` does on the day it is needed.
 *
 * Needs the local Redis (127.0.0.1:6379) and Mosquitto (127.0.0.1:1883) for S1's anchors.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, it } from "vitest";

it("runs every scenario of the benchmark and writes a complete report (figures not checked)", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "baton-bench-smoke-"));
  try {
    const json = path.join(dir, "report.json");
    const run = spawnSync(process.execPath, ["--conditions=@baton/source", "--import", "tsx", "bench/run.ts", "--smoke", "--json", json], {
      cwd: path.resolve(import.meta.dirname, ".."),
      encoding: "utf8",
      timeout: 540_000,
    });
    expect(run.status, `bench --smoke failed:\n${run.stderr.slice(-4_000)}`).toBe(0);
    const report = JSON.parse(readFileSync(json, "utf8")) as { scenarios: { id: string; error?: string; markdown: string; data: any }[] };
    const byId = new Map(report.scenarios.map((scenario) => [scenario.id, scenario]));
    expect([...byId.keys()]).toEqual(expect.arrayContaining(["S1", "S2"]));
    for (const scenario of report.scenarios) {
      expect(scenario.error, `${scenario.id} failed`).toBeUndefined();
      expect(scenario.markdown).toMatch(/^### /);
    }
    const s1 = byId.get("S1")!.data;
    const s1Systems = s1.oneDevice.map((row: { system: string }) => row.system);
    expect(s1Systems).toEqual(["relay", "baton", "Redis request/reply", "MQTT 5 request/response"]);
    for (const row of [...s1.oneDevice, ...s1.saturated, ...s1.fleets]) expect(row.failed, `${row.system} failed`).toBeUndefined();
    for (const row of [...s1.oneDevice, ...s1.saturated, ...s1.fleets]) expect(row.ops, `${row.system} did no claims`).toBeGreaterThan(0);
    expect(new Set(s1.fleets.map((row: { system: string }) => row.system))).toEqual(new Set(s1Systems));
    const s2 = byId.get("S2")!.data;
    expect(s2.rows.map((row: { system: string }) => row.system).sort()).toEqual(["baton", "relay"]);
    for (const row of s2.rows) expect(row.changes).toBeGreaterThan(0);
    // The markdown a full run would write into docs/BENCHMARKS.md
    expect(run.stdout).toContain("### S1");
    expect(run.stdout).toContain("### S2");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 600_000);
