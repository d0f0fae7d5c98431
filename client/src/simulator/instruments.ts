/**
 * The three example instruments of the seed document — a weighing scale, a 3D printer and
 * a lab pH/conductivity meter — as the device would declare them in `hello` (session type,
 * JSON Schema of the input, JSON Schema of the output with titles and units, maximum
 * duration) and as it would behave when running a job
 * (how long it takes, how often it reports progress, what it measures).
 *
 * Pure: randomness comes in as a function, time is only described (the job runner plays it).
 * The schemas use the draft-07 keywords ajv supports by default (the server compiles them
 * with a default Ajv), and no `$schema` key, so either draft accepts them.
 */
import type { SessionTypeSpec } from "@baton/protocol";

export type InstrumentName = "scale" | "printer" | "lab";
export const INSTRUMENT_NAMES: readonly InstrumentName[] = ["scale", "printer", "lab"];

export type Json = Record<string, unknown>;

/** How one job plays out, in instrument time (the runner divides every duration by `speed`). */
export interface JobPlan {
  /** From `start` to the result, at speed 1. */
  durationMs: number;
  /** A progress report is due every this often, at speed 1. */
  progressIntervalMs: number;
  /** What the display says at this fraction of the job (sent as the progress `message`). */
  progressMessage(fraction: number): string;
  /** The measurement; the runner sends it as the result `output`. */
  output: Json;
}

export interface Instrument {
  name: InstrumentName;
  firmware: string;
  /** Declared in `hello`: exactly one session type per example instrument. */
  sessionTypes: SessionTypeSpec[];
  /** The physical reset after a job (person steps off, bed cleared, probe rinsed), at speed 1. */
  resetMs: number;
  /** Plans a job. The input has already passed the server's schema check; defaults are applied here. */
  plan(sessionType: string, input: Json, random: () => number, options?: { durationMs?: number }): JobPlan;
}

// ---------------------------------------------------------------- scale: "weighing"

const scale: Instrument = {
  name: "scale",
  firmware: "baton-sim-scale/1.0.0",
  resetMs: 2_000,
  sessionTypes: [{
    name: "weighing",
    inputSchema: {
      type: "object",
      properties: {
        userAge: { type: "integer", minimum: 1, maximum: 130 },
        userGender: { type: "string", enum: ["female", "male", "other"] },
        // BMI needs a height, which a scale cannot measure: without it the output has no bmi.
        heightCm: { type: "integer", minimum: 50, maximum: 250 },
      },
      additionalProperties: false,
    },
    // The one output shape of every scale (shared/instruments/weighing.output.schema.json),
    // with the titles and units the dashboard and demo:claim show.
    outputSchema: {
      type: "object",
      properties: {
        weight: { type: "number", exclusiveMinimum: 0, title: "Weight", "x-unit": "kg", "x-decimals": 1 },
        unit: { const: "kg", title: "Unit of weight" },
        stable: { const: true, title: "Stable", description: "The reading settled before it was reported." },
        bmi: { type: "number", exclusiveMinimum: 0, title: "BMI", "x-unit": "kg/m²", "x-decimals": 1, description: "Body mass index; only when the run's input gave heightCm." },
      },
      required: ["weight", "unit", "stable"],
      additionalProperties: false,
    },
    maxDurationMs: 30_000,
  }],
  plan(_sessionType, input, random, options) {
    const weight = round(45 + random() * 65, 1);
    const output: Json = { weight, unit: "kg", stable: true };
    if (typeof input.heightCm === "number") {
      // One output shape for every scale (shared/instruments/weighing.output.schema.json).
      output.bmi = round(weight / (input.heightCm / 100) ** 2, 1);
    }
    return {
      durationMs: options?.durationMs ?? 1_500,
      progressIntervalMs: 500,
      progressMessage: (fraction) => (fraction < 1 ? "settling" : "stable"),
      output,
    };
  },
};

// ---------------------------------------------------------------- printer: "printing"

const NOMINAL_PRINT_SECONDS = { draft: 2_400, normal: 4_800, high: 7_200 } as const;
const FILAMENT_GRAMS_PER_HOUR = { PLA: 20, PETG: 24, ABS: 18 } as const;

const printer: Instrument = {
  name: "printer",
  firmware: "baton-sim-printer/1.0.0",
  resetMs: 5_000,
  sessionTypes: [{
    name: "printing",
    inputSchema: {
      type: "object",
      properties: {
        fileName: { type: "string", minLength: 1, maxLength: 128 },
        material: { type: "string", enum: ["PLA", "PETG", "ABS"] },
        quality: { type: "string", enum: ["draft", "normal", "high"] },
      },
      required: ["fileName"],
      additionalProperties: false,
    },
    outputSchema: {
      type: "object",
      properties: {
        printTime: { type: "integer", minimum: 0, title: "Print time", "x-unit": "s", description: "How long the print took, as a real printer would report it." },
        filamentUsed: { type: "number", minimum: 0, title: "Filament used", "x-unit": "g", "x-decimals": 1 },
        status: { type: "string", enum: ["completed"], title: "Status" },
        fileName: { type: "string", title: "File" },
        material: { type: "string", enum: ["PLA", "PETG", "ABS"], title: "Material" },
        quality: { type: "string", enum: ["draft", "normal", "high"], title: "Quality" },
      },
      required: ["printTime", "filamentUsed", "status", "fileName", "material", "quality"],
      additionalProperties: false,
    },
    // A real print can take hours; the simulated one is short, but the declaration is honest.
    maxDurationMs: 6 * 3600 * 1000,
    // Progress comes every second; ten silent seconds mean the printer is stuck.
    stepTimeoutMs: 10_000,
  }],
  plan(_sessionType, input, random, options) {
    const quality = (input.quality as keyof typeof NOMINAL_PRINT_SECONDS | undefined) ?? "normal";
    const material = (input.material as keyof typeof FILAMENT_GRAMS_PER_HOUR | undefined) ?? "PLA";
    // The output reports the print a real printer would have made (seconds, grams), not the
    // compressed simulation time, so dashboards show plausible numbers.
    const printTime = Math.round(NOMINAL_PRINT_SECONDS[quality] * (0.8 + random() * 0.4));
    const filamentUsed = round((printTime / 3600) * FILAMENT_GRAMS_PER_HOUR[material], 1);
    const layers = 120;
    return {
      durationMs: options?.durationMs ?? 30_000,
      progressIntervalMs: 1_000,
      progressMessage: (fraction) => (fraction < 1 ? `layer ${Math.max(1, Math.round(fraction * layers))}/${layers}` : "cooling down"),
      output: { printTime, filamentUsed, status: "completed", fileName: input.fileName, material, quality },
    };
  },
};

// ---------------------------------------------------------------- lab: "analysis"

const TEST_TYPES = ["pH", "conductivity", "turbidity", "dissolvedOxygen"] as const;
type TestType = (typeof TEST_TYPES)[number];

const lab: Instrument = {
  name: "lab",
  firmware: "baton-sim-lab/1.0.0",
  resetMs: 3_000,
  sessionTypes: [{
    name: "analysis",
    inputSchema: {
      type: "object",
      properties: {
        sampleType: { type: "string", enum: ["water", "wastewater", "soil", "buffer"] },
        testType: { type: "string", enum: [...TEST_TYPES] },
      },
      required: ["sampleType", "testType"],
      additionalProperties: false,
    },
    // One measurement per test type; only that one's property is in the output.
    outputSchema: {
      type: "object",
      properties: {
        sampleType: { type: "string", title: "Sample" },
        testType: { type: "string", enum: [...TEST_TYPES], title: "Test" },
        phLevel: { type: "number", minimum: 0, maximum: 14, title: "pH", "x-decimals": 2 },
        conductivityUsPerCm: { type: "number", minimum: 0, title: "Conductivity", "x-unit": "µS/cm" },
        turbidityNtu: { type: "number", minimum: 0, title: "Turbidity", "x-unit": "NTU", "x-decimals": 2 },
        dissolvedOxygenMgPerL: { type: "number", minimum: 0, title: "Dissolved oxygen", "x-unit": "mg/L", "x-decimals": 2 },
        temperature: { type: "number", title: "Sample temperature", "x-unit": "°C", "x-decimals": 1 },
        quality: { type: "string", enum: ["good", "fair", "poor"], title: "Quality", description: "Against drinking-water guide values." },
      },
      required: ["sampleType", "testType", "temperature", "quality"],
      additionalProperties: false,
    },
    maxDurationMs: 60_000,
  }],
  plan(_sessionType, input, random, options) {
    const testType = input.testType as TestType;
    const temperature = round(20 + random() * 8, 1);
    const output: Json = { sampleType: input.sampleType, testType, temperature };
    let quality: "good" | "fair" | "poor";
    switch (testType) {
      case "pH": {
        const phLevel = round(5.5 + random() * 3, 2);
        output.phLevel = phLevel;
        quality = phLevel >= 6.5 && phLevel <= 8.5 ? "good" : phLevel >= 6 && phLevel <= 9 ? "fair" : "poor";
        break;
      }
      case "conductivity": {
        const conductivity = Math.round(50 + random() * 1450);
        output.conductivityUsPerCm = conductivity;
        quality = conductivity < 800 ? "good" : conductivity < 1200 ? "fair" : "poor";
        break;
      }
      case "turbidity": {
        const turbidity = round(random() * 10, 2);
        output.turbidityNtu = turbidity;
        quality = turbidity < 1 ? "good" : turbidity < 5 ? "fair" : "poor";
        break;
      }
      case "dissolvedOxygen": {
        const oxygen = round(3 + random() * 7, 2);
        output.dissolvedOxygenMgPerL = oxygen;
        quality = oxygen >= 6.5 ? "good" : oxygen >= 4 ? "fair" : "poor";
        break;
      }
    }
    output.quality = quality;
    return {
      durationMs: options?.durationMs ?? 3_000,
      progressIntervalMs: 1_000,
      progressMessage: (fraction) => (fraction < 0.34 ? "calibrating" : fraction < 1 ? "measuring" : "done"),
      output,
    };
  },
};

export const INSTRUMENTS: Readonly<Record<InstrumentName, Instrument>> = { scale, printer, lab };

export function getInstrument(name: string): Instrument {
  if (!(INSTRUMENT_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown instrument "${name}" (choose ${INSTRUMENT_NAMES.join(", ")})`);
  }
  return INSTRUMENTS[name as InstrumentName];
}

/** Deterministic randomness (mulberry32) so a test can pin the outputs with `seed`. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
