/**
 * Proves that the contract vectors bind both devices: a copy of the vectors with wrong
 * expectations must fail in the TypeScript runner *and* in the C runner
 * (firmware/build-host/test_contract, built by `npm run test:firmware`, pointed at the copy
 * with BATON_CONTRACT_DIR). Every scenario is mutated, so a runner that skipped a scenario,
 * a step kind or a payload comparison would be caught here.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CONTRACT_DIR, loadProfile, loadVectors, repoRoot, runScenario } from "./vectors.ts";

const C_RUNNER = path.join(process.env.BATON_FIRMWARE_BUILD_DIR ?? path.join(repoRoot, "firmware", "build-host"), "test_contract");
const copies: string[] = [];

type Json = Record<string, unknown> & { expect?: Json[]; payload?: Json; scenarios?: { steps: Json[] }[] };

/** A copy of shared/device-contract with `mutate` applied to every scenario of every vector file. */
function mutatedCopy(mutate: (steps: Json[]) => boolean): { dir: string; mutated: number } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "baton-contract-"));
  copies.push(dir);
  cpSync(CONTRACT_DIR, dir, { recursive: true });
  let mutated = 0;
  const vectorDir = path.join(dir, "vectors");
  for (const name of readdirSync(vectorDir)) {
    const file = path.join(vectorDir, name);
    const vector = JSON.parse(readFileSync(file, "utf8")) as Json;
    for (const scenario of vector.scenarios!) if (mutate(scenario.steps)) mutated++;
    writeFileSync(file, JSON.stringify(vector, null, 2));
  }
  return { dir, mutated };
}

function runC(dir: string): { status: number | null; failed: number } {
  if (!existsSync(C_RUNNER)) throw new Error(`${C_RUNNER} is missing: build the firmware first with \`npm run test:firmware\``);
  const run = spawnSync(C_RUNNER, [], { env: { ...process.env, BATON_CONTRACT_DIR: dir }, encoding: "utf8" });
  const summary = /^device contract: \d+ scenario\(s\) in \d+ file\(s\), (\d+) failed$/m.exec(run.stdout);
  return { status: run.status, failed: summary ? Number(summary[1]) : -1 };
}

function runTs(dir: string): number {
  const profile = loadProfile(dir);
  return loadVectors(dir).flatMap((vector) => vector.scenarios).filter((scenario) => runScenario(scenario, profile) !== undefined).length;
}

afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

describe("a wrong contract vector fails both runners", () => {
  it("the unmodified vectors pass the C runner", () => {
    expect(runC(CONTRACT_DIR)).toEqual({ status: 0, failed: 0 });
  });

  it("an extra expected output in the last step of every scenario", () => {
    const { dir, mutated } = mutatedCopy((steps) => {
      steps.at(-1)!.expect!.push({ connection: "giveUp" });
      return true;
    });
    expect(mutated).toBe(loadVectors().flatMap((vector) => vector.scenarios).length);
    expect(runTs(dir)).toBe(mutated);
    expect(runC(dir)).toMatchObject({ failed: mutated });
    expect(runC(dir).status).not.toBe(0);
  });

  it("a wrong runId in the first expected payload of every scenario that names one", () => {
    const { dir, mutated } = mutatedCopy((steps) => {
      const output = steps.flatMap((step) => step.expect!).find((out) => typeof out.payload?.runId === "string");
      if (!output) return false;
      output.payload!.runId = "not-this-run";
      return true;
    });
    expect(mutated).toBeGreaterThan(20);
    expect(runTs(dir)).toBe(mutated);
    expect(runC(dir)).toMatchObject({ failed: mutated });
  });

  it("a missing expected output (the first of each scenario that has one)", () => {
    const { dir, mutated } = mutatedCopy((steps) => {
      const step = steps.find((candidate) => candidate.expect!.length > 0);
      if (!step) return false;
      step.expect!.shift();
      return true;
    });
    expect(mutated).toBeGreaterThan(30);
    expect(runTs(dir)).toBe(mutated);
    expect(runC(dir)).toMatchObject({ failed: mutated });
  });
});
