/**
 * Recent run and session durations of one device, for the queue's ETA (session/eta.ts).
 * Read only while people wait and the history changed since the last read — off the effect
 * chain, so it never delays a command; the room projects again when they arrive.
 */
import { NO_SAMPLES, type DurationSamples } from "../../session/index.ts";

export class EtaSamples {
  current: DurationSamples = NO_SAMPLES;
  private stale = true;
  private loading = false;

  constructor(private readonly load: () => Promise<DurationSamples>, private readonly loaded: () => void) {}

  /** A session or run ended: the next read will be fresh. */
  markStale(): void {
    this.stale = true;
  }

  /** Reads the samples again if someone waits and they are stale. */
  refresh(someoneWaits: boolean): void {
    if (!this.stale || this.loading || !someoneWaits) return;
    this.stale = false;
    this.loading = true;
    this.load()
      .then((samples) => {
        this.current = samples;
        this.loaded();
      })
      .catch(() => { this.stale = true; })
      .finally(() => { this.loading = false; });
  }
}
