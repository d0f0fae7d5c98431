/**
 * `npm run bench -- --smoke` runs every registered scenario for a second or so and must
 * produce a complete report: every scenario present, none failed, every table filled. No
 * timing is asserted (the figures of a smoke run on a shared CI machine mean nothing); the
 * point is that the benchmark — its servers, load processes, baselines and report — works,
 * so that the full `npm run bench` does on the day it is needed.
 *
 * Needs the local Redis (127.0.0.1:6379) and Mosquitto (127.0.0.1:1883) for S1's anchors.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

interface SmokeReport { scenarios: { id: string; error?: string; markdown: string; data: any }[] }

/**
 * At most this many scenarios at once: each starts a relay, a Baton server and load
 * processes (all TypeScript through tsx, CPU-heavy for the first seconds), and five such
 * start-ups at once on two cores overran the scenarios' 30 s start deadlines under load.
 */
const SIDE_BY_SIDE = 3;
let running = 0;
const waiting: (() => void)[] = [];
async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= SIDE_BY_SIDE) await new Promise<void>((resolve) => waiting.push(resolve));
  running += 1;
  try {
    return await work();
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

/**
 * `npm run bench -- --smoke --only <id>` in its own process. The scenarios run side by side,
 * SIDE_BY_SIDE at a time (each is mostly waiting on its load processes; each works under a
 * Redis key prefix of its own), so the smoke takes about as long as its longest scenarios
 * instead of their sum (issue 17).
 */
function smokeRun(id: string): Promise<{ status: number | null; stdout: string; stderr: string; report: SmokeReport | null }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `baton-bench-smoke-${id}-`));
  const json = path.join(dir, "report.json");
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--conditions=@baton/source", "--import", "tsx", "bench/run.ts", "--smoke", "--only", id, "--json", json], {
      cwd: path.resolve(import.meta.dirname, ".."),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => child.kill("SIGKILL"), 300_000);
    child.on("close", (status) => {
      clearTimeout(killer);
      let report: SmokeReport | null = null;
      try {
        report = JSON.parse(readFileSync(json, "utf8")) as SmokeReport;
      } catch {
        report = null;
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ status, stdout, stderr, report });
    });
  });
}

const SMOKED = ["S1", "S2", "S3", "S4", "S5", "S6"];

it("smokes every scenario the benchmark registers", async () => {
  const help = await new Promise<string>((resolve) => {
    const child = spawn(process.execPath, ["--conditions=@baton/source", "--import", "tsx", "bench/run.ts", "--help"], { cwd: path.resolve(import.meta.dirname, "..") });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("close", () => resolve(out));
  });
  const registered = /^scenarios: (.*)$/m.exec(help)?.[1].match(/\bS\d+\b/g) ?? [];
  expect(registered).toEqual(SMOKED);
}, 60_000);

describe.concurrent("npm run bench -- --smoke: every scenario runs and reports (figures not checked)", () => {
  it.for(SMOKED)("%s", { timeout: 320_000 }, async (id: string) => {
    const run = await slot(() => smokeRun(id));
    expect(run.status, `bench --smoke --only ${id} failed:\n${run.stderr.slice(-4_000)}`).toBe(0);
    expect(run.report, `bench --smoke --only ${id} wrote no report`).not.toBeNull();
    const scenarios = run.report!.scenarios;
    expect(scenarios.map((scenario) => scenario.id)).toEqual([id]);
    const [scenario] = scenarios;
    expect(scenario.error, `${id} failed`).toBeUndefined();
    expect(scenario.markdown).toMatch(/^### /);
    // The markdown a full run would write into docs/BENCHMARKS.md
    expect(run.stdout).toContain(`### ${id}`);
    if (id === "S1") {
      const s1 = scenario.data;
      const s1Systems = s1.oneDevice.map((row: { system: string }) => row.system);
      expect(s1Systems).toEqual(["relay", "baton", "Redis request/reply", "MQTT 5 request/response"]);
      for (const row of [...s1.oneDevice, ...s1.saturated, ...s1.fleets]) expect(row.failed, `${row.system} failed`).toBeUndefined();
      for (const row of [...s1.oneDevice, ...s1.saturated, ...s1.fleets]) expect(row.ops, `${row.system} did no claims`).toBeGreaterThan(0);
      expect(new Set(s1.fleets.map((row: { system: string }) => row.system))).toEqual(new Set(s1Systems));
    }
    if (id === "S2") {
      const s2 = scenario.data;
      expect(s2.rows.map((row: { system: string }) => row.system).sort()).toEqual(["baton", "relay"]);
      for (const row of s2.rows) expect(row.changes).toBeGreaterThan(0);
    }
    if (id === "S6") {
      const s6 = scenario.data;
      expect(s6.rows.map((row: { system: string }) => row.system).sort()).toEqual(["baton", "relay"]);
      for (const row of s6.rows) expect(row.samples, `${row.system} sent no samples`).toBeGreaterThan(0);
      for (const row of s6.rows) expect(row.frames, `${row.system}'s spectators received nothing`).toBeGreaterThan(0);
    }
  });
});
