/**
 * What the example instruments measure while they work (issue 24): the channels each declares
 * in `hello` and a physical model that produces their samples — a printer's nozzle and bed
 * heating to the material's temperature and holding it with a little noise while the layers
 * count up, a scale's raw weight swinging and settling on the measured value, a pH meter's
 * titration curve. Pure: time and randomness come in, values go out.
 */
import type { TelemetryChannelInput, TelemetrySampleValue } from "@baton/protocol";
import type { InstrumentName, Json } from "./instruments.ts";

/** The job the instrument is running, as the model needs it (null while idle). */
export interface JobMoment {
  /** 0…1 of the job's (scaled) duration. */
  fraction: number;
  /** Real ms since the job started. */
  elapsedMs: number;
  input: Json;
  /** The measurement the job will report (a scale settles on its weight). */
  output: Json;
}

export interface TelemetryModel {
  channels: TelemetryChannelInput[];
  /** The values to send now; `dtMs` since the previous call. Null: nothing to say. */
  sample(job: JobMoment | null, dtMs: number): Record<string, TelemetrySampleValue> | null;
}

const AMBIENT_C = 24;
const NOZZLE_C = { PLA: 210, PETG: 240, ABS: 250 } as const;
const BED_C = { PLA: 60, PETG: 80, ABS: 100 } as const;

/** First-order approach of `value` to `target` with time constant `tauMs`. */
const approach = (value: number, target: number, dtMs: number, tauMs: number) => target + (value - target) * Math.exp(-dtMs / tauMs);
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

function printerModel(random: () => number): TelemetryModel {
  let nozzle = AMBIENT_C;
  let bed = AMBIENT_C;
  return {
    channels: [
      { name: "nozzle", unit: "°C", type: "number", maxRateHz: 10 },
      { name: "bed", unit: "°C", type: "number", maxRateHz: 2 },
      { name: "layer", unit: "", type: "number", maxRateHz: 2 },
    ],
    sample(job, dtMs) {
      const material = (job?.input.material as keyof typeof NOZZLE_C | undefined) ?? "PLA";
      // Heats fast while printing (a 3 s time constant at speed 1), cools slowly when idle.
      nozzle = approach(nozzle, job ? NOZZLE_C[material] : AMBIENT_C, dtMs, job ? 3_000 : 20_000) + (random() - 0.5) * (job ? 1.6 : 0.3);
      bed = approach(bed, job ? BED_C[material] : AMBIENT_C, dtMs, job ? 8_000 : 40_000) + (random() - 0.5) * 0.4;
      return { nozzle: round(nozzle, 1), bed: round(bed, 1), layer: job ? Math.max(1, Math.round(job.fraction * 120)) : 0 };
    },
  };
}

function scaleModel(random: () => number): TelemetryModel {
  return {
    // A person's weight is theirs: only the holder sees it settle.
    channels: [{ name: "weight", unit: "kg", type: "number", maxRateHz: 10, visibility: "owner" }],
    sample(job) {
      if (!job) return null; // nothing on the platform
      const target = typeof job.output.weight === "number" ? job.output.weight : 70;
      // A damped swing around the final weight, as a person steadies on the platform.
      const t = job.elapsedMs / 1000;
      const swing = target * 0.08 * Math.exp(-t * 3) * Math.cos(t * 14) + (random() - 0.5) * 0.05 * Math.exp(-t);
      return { weight: round(Math.max(0, target + swing - target * 0.08 * Math.exp(-t * 6)), 2) };
    },
  };
}

function labModel(random: () => number): TelemetryModel {
  let temperature = 21;
  return {
    channels: [
      { name: "ph", unit: "pH", type: "number", maxRateHz: 5 },
      { name: "temperature", unit: "°C", type: "number", maxRateHz: 1 },
    ],
    sample(job, dtMs): Record<string, TelemetrySampleValue> {
      temperature = approach(temperature, typeof job?.output.temperature === "number" ? job.output.temperature : 21, dtMs, 5_000) + (random() - 0.5) * 0.05;
      if (!job || job.input.testType !== "pH") return { temperature: round(temperature, 2) };
      // A titration: acid at first, a steep rise around the equivalence point, then the sample's level.
      const final = typeof job.output.phLevel === "number" ? job.output.phLevel : 7;
      const curve = 3 + (final - 3) / (1 + Math.exp(-(job.fraction - 0.55) * 14));
      return { ph: round(curve + (random() - 0.5) * 0.04, 2), temperature: round(temperature, 2) };
    },
  };
}

export function telemetryModelOf(instrument: InstrumentName, random: () => number): TelemetryModel {
  switch (instrument) {
    case "printer": return printerModel(random);
    case "scale": return scaleModel(random);
    case "lab": return labModel(random);
  }
}
