/**
 * The last N samples of one telemetry channel, for late joiners (`telemetry_recent`): a
 * fixed-size ring, so a channel costs the same memory after an hour as after a minute.
 */
import type { TelemetrySample, TelemetrySampleValue } from "@baton/protocol";

export class SampleRing {
  private readonly samples: TelemetrySample[] = [];
  private next = 0;

  constructor(private readonly size: number) {}

  push(at: number, value: TelemetrySampleValue): void {
    if (this.samples.length < this.size) this.samples.push([at, value]);
    else this.samples[this.next] = [at, value];
    this.next = (this.next + 1) % this.size;
  }

  /** Oldest first. */
  toArray(): TelemetrySample[] {
    if (this.samples.length < this.size) return this.samples.slice();
    return [...this.samples.slice(this.next), ...this.samples.slice(0, this.next)];
  }

  get length(): number {
    return this.samples.length;
  }
}
