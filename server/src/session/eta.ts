/**
 * When each waiting user can expect the device, learned from history: the median duration
 * of the device's recent runs of the session type they queued with (the median, because one
 * forgotten session that ran into its cap must not move everyone's estimate), falling back
 * to the type's declared `maxDurationMs` while there is no history. A user who queued
 * without a run is expected to hold the device as long as the device's recent sessions
 * lasted (median), falling back to the longest declared run.
 *
 * The samples come from the store's history (ports/history.ts); the room loads them and
 * passes them in, so this stays pure. Estimates are recomputed with every change, so they
 * follow the session in flight as it progresses.
 */
import { lineOf } from "./line.ts";
import type { CoreState, QueueEntry } from "./types.ts";

export interface DurationSamples {
  /** Durations (ms) of recent finished runs, by session type, newest first. */
  runs: Record<string, number[]>;
  /** Durations (ms) of recent ended sessions, newest first. */
  sessions: number[];
}

export const NO_SAMPLES: DurationSamples = { runs: {}, sessions: [] };

/** The median of `values` (the mean of the middle two for an even count), or null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : Math.round((sorted[middle - 1] + sorted[middle]) / 2);
}

/** Groups (sessionType, duration) rows, newest first, into samples. */
export function samplesFrom(runs: readonly { sessionType: string; durationMs: number }[], sessions: readonly number[]): DurationSamples {
  const byType: Record<string, number[]> = {};
  for (const run of runs) (byType[run.sessionType] ??= []).push(run.durationMs);
  return { runs: byType, sessions: [...sessions] };
}

/** The expected length of one run of `sessionType` on this device. */
export function expectedRunMs(state: CoreState, sessionType: string, samples: DurationSamples): number {
  const learned = median(samples.runs[sessionType] ?? []);
  if (learned !== null) return learned;
  return state.device.sessionTypes.find((spec) => spec.name === sessionType)?.maxDurationMs ?? longestDeclaredRun(state);
}

function longestDeclaredRun(state: CoreState): number {
  return state.device.sessionTypes.reduce((longest, spec) => Math.max(longest, spec.maxDurationMs), 0);
}

/** How long someone who takes the device with `entry`'s wishes is expected to hold it. */
export function expectedHoldMs(state: CoreState, entry: Pick<QueueEntry, "sessionType" | "releaseOnComplete">, samples: DurationSamples): number {
  if (entry.sessionType !== undefined && entry.releaseOnComplete) return expectedRunMs(state, entry.sessionType, samples);
  const session = median(samples.sessions);
  const run = entry.sessionType !== undefined ? expectedRunMs(state, entry.sessionType, samples) : 0;
  return Math.max(run, session ?? longestDeclaredRun(state));
}

/** How much longer the session in flight is expected to hold the device (0 when free). */
export function remainingOfCurrentMs(state: CoreState, samples: DurationSamples, now: number): number {
  const session = state.session;
  if (!session) return 0;
  const run = session.run;
  const runLeft = run ? Math.max(0, Math.min(run.hardDeadline, run.startedAt + expectedRunMs(state, run.sessionType, samples)) - now) : 0;
  if (session.releaseOnComplete) return runLeft;
  const typical = median(samples.sessions) ?? longestDeclaredRun(state);
  let left = Math.max(runLeft, session.startedAt + typical - now);
  if (session.expiresAt > 0) left = Math.min(left, Math.max(0, session.expiresAt - now));
  return Math.max(0, left);
}

/**
 * The estimated start time (ms since the Unix epoch) of every waiting user, by user id:
 * the session in flight's expected rest, plus the expected holds of everyone ahead (an open
 * offer counts as taken; its window is the ceiling on the wait before it).
 */
export function estimatedStarts(state: CoreState, samples: DurationSamples, now: number): Map<string, number> {
  const starts = new Map<string, number>();
  let at = now + remainingOfCurrentMs(state, samples, now);
  for (const entry of lineOf(state)) {
    const offered = state.offer?.entry === entry;
    starts.set(entry.user.userId, offered ? now : at);
    at += expectedHoldMs(state, entry, samples);
  }
  return starts;
}
