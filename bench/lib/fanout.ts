/**
 * Turns the driver's change times and the spectators' patch arrival times into latencies.
 *
 * Changes are spaced so that each one's patches land before the next change is sent: the
 * window of change i is [sent_i, sent_{i+1}), and each spectator's first patch inside it is
 * that change reaching that spectator. A spectator with no patch in a window is "missed"; a
 * window with more than one patch for a spectator means a patch may have spilled over from
 * the previous change ("overlapping"), which would make the figures wrong — both are counted
 * and printed, and should be 0.
 */
import { newHistogram, type Histogram } from "./histogram.ts";

export interface FanoutAnalysis {
  /** Per change: time from sending it to the LAST spectator receiving its patch. */
  toLast: Histogram;
  /** Per change and spectator: time from sending it to that spectator receiving its patch. */
  each: Histogram;
  changes: number;
  missed: number;
  overlapping: number;
}

export function analyseFanout(changeSentAtUs: number[], endUs: number, perClient: number[][]): FanoutAnalysis {
  const toLast = newHistogram();
  const each = newHistogram();
  let missed = 0;
  let overlapping = 0;
  const cursors = perClient.map(() => 0);
  for (let i = 0; i < changeSentAtUs.length; i++) {
    const from = changeSentAtUs[i]!;
    const to = i + 1 < changeSentAtUs.length ? changeSentAtUs[i + 1]! : endUs;
    let last = -1;
    for (let c = 0; c < perClient.length; c++) {
      const times = perClient[c]!;
      let k = cursors[c]!;
      while (k < times.length && times[k]! < from) k++;
      let inWindow = 0;
      let first = -1;
      while (k < times.length && times[k]! < to) {
        if (inWindow === 0) first = times[k]!;
        inWindow++;
        k++;
      }
      cursors[c] = k;
      if (inWindow === 0) {
        missed++;
        continue;
      }
      if (inWindow > 1) overlapping++;
      const latency = Math.max(1, first - from);
      each.recordValue(latency);
      if (latency > last) last = latency;
    }
    if (last > 0) toLast.recordValue(last);
  }
  return { toLast, each, changes: changeSentAtUs.length, missed, overlapping };
}
