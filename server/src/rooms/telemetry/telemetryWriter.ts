/**
 * Keeps the telemetry samples a channel asked to store (`storeEveryMs`, already downsampled by
 * the hub) — batched off the hot path, like history rows: samples are collected and appended
 * in one write at most once a second, never awaited by the room; a failed write is logged and
 * dropped (telemetry is a glimpse, not a record). The last batch is written at dispose.
 */
import type { TelemetrySampleRecord, TelemetrySampleStore } from "../../ports/telemetry.ts";
import type { ChannelWrite } from "./telemetryHub.ts";

/** How long samples wait to be written together. */
export const TELEMETRY_WRITE_EVERY_MS = 1_000;
/** A batch never grows past this (a store that is down must not grow memory without bound). */
const MAX_PENDING = 1_000;

export class TelemetryWriter {
  private pending: TelemetrySampleRecord[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly deviceId: () => string,
    private readonly store: TelemetrySampleStore,
    private readonly failed: (error: unknown) => void,
  ) {}

  keep(writes: readonly ChannelWrite[]): void {
    for (const write of writes) {
      if (this.pending.length >= MAX_PENDING) this.pending.shift();
      this.pending.push({ deviceId: this.deviceId(), channel: write.spec.name, at: write.at, value: write.value });
    }
    if (!this.timer && this.pending.length > 0) {
      this.timer = setTimeout(() => this.flush(), TELEMETRY_WRITE_EVERY_MS);
      this.timer.unref?.();
    }
  }

  /** Writes what is pending now; resolves when every write so far has ended. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) this.writing = this.writing.then(() => this.store.append(batch)).catch(this.failed);
    return this.writing;
  }
}
