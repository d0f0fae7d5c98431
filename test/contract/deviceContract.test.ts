/**
 * The device contract vectors (shared/device-contract/vectors/*.json) against the simulator's
 * device core. The C firmware runs the same files (firmware/tests/test_contract.c, in
 * `npm run test:firmware`); contractMutation.test.ts proves a wrong vector fails both.
 */
import { describe, expect, it } from "vitest";
import { loadProfile, loadVectors, runScenario } from "./vectors.ts";

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
