/**
 * `TelemetrySampleStore` (ports/telemetry.ts) in process memory, for unit tests.
 */
import type { TelemetrySampleRecord, TelemetrySampleStore } from "../../ports/telemetry.ts";

export function createMemoryTelemetry(): TelemetrySampleStore & { purgeOlderThan(cutoff: number): number } {
  let samples: TelemetrySampleRecord[] = [];
  return {
    async append(records) {
      samples.push(...records.map((record) => ({ ...record })));
    },
    async list(deviceId, channel, options = {}) {
      return samples
        .filter((sample) => sample.deviceId === deviceId && sample.channel === channel && sample.at >= (options.since ?? -Infinity))
        .sort((a, b) => a.at - b.at)
        .slice(0, options.limit ?? 1_000)
        .map((sample) => ({ ...sample }));
    },
    purgeOlderThan(cutoff) {
      const before = samples.length;
      samples = samples.filter((sample) => sample.at >= cutoff);
      return before - samples.length;
    },
  };
}
