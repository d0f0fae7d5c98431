/**
 * The instruments' declarations and plans: each declaration passes the protocol's own
 * `hello` schema, each input schema compiles in strict ajv (as the server compiles it, but
 * stricter) and accepts/refuses the inputs it should, and plans produce the seed's outputs.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import { HelloPayload } from "@baton/protocol";
import { INSTRUMENTS, INSTRUMENT_NAMES, getInstrument, seededRandom, type InstrumentName, type Json } from "./instruments.ts";

const WEIGHING_OUTPUT_SCHEMA = createRequire(import.meta.url).resolve("@baton/protocol/instruments/weighing.output.schema.json");

const ajv = new Ajv({ strict: true, allErrors: true });

function validator(instrument: InstrumentName) {
  return ajv.compile(INSTRUMENTS[instrument].sessionTypes[0]!.inputSchema);
}

const samples: Record<InstrumentName, { valid: Json[]; invalid: Array<[string, Json]> }> = {
  scale: {
    valid: [{}, { userAge: 25, userGender: "male" }, { userAge: 130, userGender: "female", heightCm: 170 }],
    invalid: [
      ["age not an integer", { userAge: 25.5 }],
      ["age out of range", { userAge: 0 }],
      ["age a string", { userAge: "25" }],
      ["unknown gender", { userGender: "robot" }],
      ["extra property", { userAge: 25, shoeSize: 42 }],
    ],
  },
  printer: {
    valid: [{ fileName: "model.stl" }, { fileName: "model.stl", material: "PLA", quality: "high" }, { fileName: "x", material: "ABS", quality: "draft" }],
    invalid: [
      ["missing fileName", { material: "PLA", quality: "high" }],
      ["empty fileName", { fileName: "" }],
      ["unknown material", { fileName: "a.stl", material: "wood" }],
      ["unknown quality", { fileName: "a.stl", quality: "ultra" }],
      ["extra property", { fileName: "a.stl", infill: 20 }],
    ],
  },
  lab: {
    valid: [{ sampleType: "water", testType: "pH" }, { sampleType: "soil", testType: "conductivity" }],
    invalid: [
      ["missing testType", { sampleType: "water" }],
      ["missing sampleType", { testType: "pH" }],
      ["unknown test", { sampleType: "water", testType: "radioactivity" }],
      ["extra property", { sampleType: "water", testType: "pH", volumeMl: 5 }],
    ],
  },
};

describe.each(INSTRUMENT_NAMES)("instrument %s", (name) => {
  const instrument = INSTRUMENTS[name];

  it("declares its session types in a valid hello", () => {
    const hello = HelloPayload.safeParse({ firmware: instrument.firmware, sessionTypes: instrument.sessionTypes });
    expect(hello.success, hello.success ? "" : JSON.stringify(hello.error.issues)).toBe(true);
  });

  it("declares an output schema that labels every output with a title, and that its outputs match", () => {
    const outputSchema = instrument.sessionTypes[0]!.outputSchema!;
    expect(outputSchema).toBeDefined();
    // Strict ajv, with the display keywords allowed: a typo in a keyword fails here, not on a device.
    const strict = new Ajv({ strict: true, allErrors: true, keywords: ["x-unit", "x-decimals"] });
    const validate = strict.compile(outputSchema);
    const properties = outputSchema.properties as Record<string, { title?: unknown }>;
    for (const [key, property] of Object.entries(properties)) expect(typeof property.title, key).toBe("string");
    for (const [index, input] of samples[name].valid.entries()) {
      for (let seed = 1; seed <= 20; seed += 1) {
        const { output } = instrument.plan(instrument.sessionTypes[0]!.name, name === "lab" ? { ...input, testType: ["pH", "conductivity", "turbidity", "dissolvedOxygen"][(seed + index) % 4] } : input, seededRandom(seed));
        expect(validate(output), `${JSON.stringify(output)}: ${strict.errorsText(validate.errors)}`).toBe(true);
      }
    }
  });

  it("has a closed input schema (additionalProperties: false)", () => {
    expect(instrument.sessionTypes[0]!.inputSchema.additionalProperties).toBe(false);
  });

  it("accepts the valid sample inputs", () => {
    const validate = validator(name);
    for (const input of samples[name].valid) expect(validate(input), `${JSON.stringify(input)}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  });

  it.each(samples[name].invalid)("refuses %s", (_label, input) => {
    expect(validator(name)(input)).toBe(false);
  });

  it("plans a job whose output is a map and whose times are positive", () => {
    const plan = instrument.plan(instrument.sessionTypes[0]!.name, samples[name].valid.at(-1)!, seededRandom(1));
    expect(plan.durationMs).toBeGreaterThan(0);
    expect(plan.progressIntervalMs).toBeGreaterThan(0);
    expect(plan.durationMs).toBeLessThan(instrument.sessionTypes[0]!.maxDurationMs);
    expect(typeof plan.output).toBe("object");
    expect(typeof plan.progressMessage(0.5)).toBe("string");
  });

  it("is deterministic for a given seed", () => {
    const input = samples[name].valid.at(-1)!;
    const a = instrument.plan(instrument.sessionTypes[0]!.name, input, seededRandom(42)).output;
    const b = instrument.plan(instrument.sessionTypes[0]!.name, input, seededRandom(42)).output;
    expect(a).toEqual(b);
  });
});

describe("outputs follow the seed", () => {
  it("scale: weight in kg with one decimal, bmi only with a height", () => {
    const plain = INSTRUMENTS.scale.plan("weighing", { userAge: 25, userGender: "male" }, seededRandom(7));
    expect(plain.output).toMatchObject({ unit: "kg", stable: true });
    expect(Number.isInteger((plain.output.weight as number) * 10)).toBe(true);
    expect(plain.output.bmi).toBeUndefined();
    const withHeight = INSTRUMENTS.scale.plan("weighing", { heightCm: 180 }, seededRandom(7));
    expect(withHeight.output.bmi).toBeCloseTo((withHeight.output.weight as number) / 1.8 ** 2, 1);
    // Every scale has one output shape, the C ones included (test/e2e/firmware.e2e.test.ts).
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(readFileSync(WEIGHING_OUTPUT_SCHEMA, "utf8")));
    expect(validate(plain.output), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(withHeight.output), JSON.stringify(validate.errors)).toBe(true);
    // The declared output schema is that file without its four document keys, titles and units
    // included — as the C scales declare it (firmware/tests/test_scale_output.c).
    const { $schema: _schema, $id: _id, title: _title, description: _description, ...declarable } = JSON.parse(readFileSync(WEIGHING_OUTPUT_SCHEMA, "utf8"));
    expect(INSTRUMENTS.scale.sessionTypes[0]!.outputSchema).toEqual(declarable);
    expect(plain.durationMs).toBe(1_500);
  });

  it("printer: print time, filament and status; a long job with a report every second", () => {
    const plan = INSTRUMENTS.printer.plan("printing", { fileName: "model.stl", material: "PLA", quality: "high" }, seededRandom(3));
    expect(plan.output).toMatchObject({ status: "completed", fileName: "model.stl", material: "PLA" });
    expect(plan.output.printTime).toBeGreaterThan(5_000);
    expect(plan.output.filamentUsed).toBeGreaterThan(0);
    expect(plan.durationMs).toBeGreaterThanOrEqual(20_000);
    expect(plan.progressIntervalMs).toBe(1_000);
    expect(INSTRUMENTS.printer.plan("printing", { fileName: "a" }, seededRandom(3), { durationMs: 5_000 }).durationMs).toBe(5_000);
  });

  it("lab: a pH test reports phLevel, temperature and quality", () => {
    const plan = INSTRUMENTS.lab.plan("analysis", { sampleType: "water", testType: "pH" }, seededRandom(5));
    expect(plan.output).toHaveProperty("phLevel");
    expect(plan.output).toHaveProperty("temperature");
    expect(["good", "fair", "poor"]).toContain(plan.output.quality);
    expect(plan.durationMs).toBe(3_000);
  });

  it("refuses an unknown instrument name", () => {
    expect(() => getInstrument("toaster")).toThrow(/unknown instrument/);
  });
});
