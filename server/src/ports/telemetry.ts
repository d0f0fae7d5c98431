/**
 * Port: telemetry samples a channel asked to keep (issue 24; `storeEveryMs` in `hello`,
 * PROTOCOL.md §16) — already downsampled by the room to one per interval per channel, and
 * appended in batches off the hot path (rooms/telemetry/telemetryWriter.ts). Purged with the
 * rest of the history by retention.
 */
import type { TelemetrySampleValue } from "@baton/protocol";

export interface TelemetrySampleRecord {
  deviceId: string;
  channel: string;
  /** When the room took the sample (ms since the Unix epoch). */
  at: number;
  value: TelemetrySampleValue;
}

export interface TelemetrySampleStore {
  /** Appends samples (any devices and channels); duplicates are kept as given. */
  append(samples: readonly TelemetrySampleRecord[]): Promise<void>;
  /** One channel's samples at or after `since`, oldest first, at most `limit` (default 1,000). */
  list(deviceId: string, channel: string, options?: { since?: number; limit?: number }): Promise<TelemetrySampleRecord[]>;
}
