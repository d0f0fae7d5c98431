/**
 * The device contract vectors (shared/device-contract/vectors/*.json) against the simulator's
 * device core. The C firmware runs the same files (firmware/tests/test_contract.c, in
 * `npm run test:firmware`); contractMutation.test.ts proves a wrong vector fails both.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadProfile, loadVectors, repoRoot, runScenario } from "./vectors.ts";

const profile = loadProfile();

describe("device contract vectors (TypeScript simulator core)", () => {
  for (const vector of loadVectors()) {
    describe(`${vector.file} (§${vector.section})`, () => {
      for (const scenario of vector.scenarios) {
        it(scenario.name, () => {
          expect(runScenario(scenario, profile)).toBeUndefined();
        });
      }
    });
  }
});

describe("the contract vectors and docs/PROTOCOL.md §7.9", () => {
  const protocol = readFileSync(path.join(repoRoot, "docs/PROTOCOL.md"), "utf8");
  const table = protocol.slice(protocol.indexOf("### 7.9 Contract vectors"), protocol.indexOf("## 8."));

  it("list the same files, both ways", () => {
    const documented = new Set([...table.matchAll(/`([a-z0-9-]+\.json)`/g)].map((match) => match[1]!).filter((name) => name !== "device.json"));
    expect([...documented].sort()).toEqual(loadVectors().map((vector) => vector.file).sort());
  });

  it("cover every device-behaviour section from §7.1 to §7.6", () => {
    const sections = new Set(loadVectors().map((vector) => vector.section));
    for (const section of ["7.1", "7.2", "7.3", "7.4", "7.5", "7.6"]) expect(sections, `no vector for §${section}`).toContain(section);
  });
});
