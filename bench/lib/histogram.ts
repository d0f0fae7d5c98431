/**
 * Latency histograms (hdr-histogram-js) in whole microseconds, and the one summary shape
 * every benchmark reports. Load processes ship their histograms to the orchestrator as
 * compressed base64, so rounds can be merged without losing the tail.
 */
import * as hdr from "hdr-histogram-js";

export type Histogram = hdr.Histogram;

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export function newHistogram(): Histogram {
  // 1 µs … 60 s at 3 significant digits: µs resolution where the figures live (100s of µs).
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
}

/** Records a latency given in milliseconds (performance.now() differences) as µs. */
export function recordMs(histogram: Histogram, milliseconds: number) {
  histogram.recordValue(Math.max(1, Math.round(milliseconds * 1000)));
}

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function mergeEncoded(encoded: readonly string[]): Histogram {
  const merged = newHistogram();
  for (const one of encoded) merged.add(hdr.decodeFromCompressedBase64(one));
  return merged;
}

export function summarize(histogram: Histogram): LatencySummary {
  return {
    count: histogram.totalCount,
    p50: histogram.getValueAtPercentile(50),
    p99: histogram.getValueAtPercentile(99),
    p999: histogram.getValueAtPercentile(99.9),
    max: histogram.maxValue,
    mean: Math.round(histogram.mean),
  };
}
