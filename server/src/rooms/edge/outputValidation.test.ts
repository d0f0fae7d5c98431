/**
 * The soft check of results against a declared output schema (inputValidation.ts
 * `checkRunOutput`): a sentence when the output breaks it, null when it matches or when no
 * schema is declared, and the input work budget bounds it — a huge output is not checked
 * (said so), never run through ajv.
 */
import { describe, expect, it } from "vitest";
import type { SessionTypeSpec } from "@baton/protocol";
import { checkDeclaredSchemas, checkRunOutput } from "./inputValidation.ts";

const weighing = (outputSchema?: Record<string, unknown>): SessionTypeSpec => ({ name: "weighing", maxDurationMs: 1_000, inputSchema: { type: "object" }, ...(outputSchema ? { outputSchema } : {}) });
const SCHEMA = { type: "object", properties: { weight: { type: "number", exclusiveMinimum: 0, title: "Weight", "x-unit": "kg" } }, required: ["weight"] };

describe("checkRunOutput", () => {
  it("is null when the output matches, or when the type declares no output schema", () => {
    expect(checkRunOutput(weighing(SCHEMA), { weight: 72.4 })).toBeNull();
    expect(checkRunOutput(weighing(), { anything: "goes" })).toBeNull();
  });

  it("says where the output breaks the schema, naming it output", () => {
    expect(checkRunOutput(weighing(SCHEMA), { weight: 0 })).toBe("output.weight must be > 0");
    expect(checkRunOutput(weighing(SCHEMA), {})).toBe("output must have required property 'weight'");
  });

  it("does not run ajv on an output past the work budget, and says so", () => {
    const huge = { weight: 1, samples: Array.from({ length: 200_000 }, (_, index) => index) };
    expect(checkRunOutput(weighing(SCHEMA), huge)).toMatch(/^output is too large to check against the outputSchema of session type "weighing" \(at most \d+ units\)$/);
  });

  it("accepts the display keywords at hello and refuses them malformed, naming outputSchema", () => {
    expect(checkDeclaredSchemas([weighing(SCHEMA)])).toBeNull();
    expect(checkDeclaredSchemas([weighing({ properties: { weight: { "x-decimals": -1 } } })])).toBe('Session type "weighing": outputSchema.properties.weight: x-decimals must be a whole number from 0 to 10');
  });
});
