/**
 * Plays an instrument's telemetry model (instrumentTelemetry.ts) in real time: every
 * `intervalMs` it asks the model for the values of the moment and hands them to `send`
 * (the device sends them only while it is online). Beside the device's machine, as telemetry
 * is beside the server's session core: it never touches a run.
 */
import type { TelemetrySampleValue } from "@baton/protocol";
import type { JobMoment, TelemetryModel } from "./instrumentTelemetry.ts";

export class TelemetryPlayer {
  private timer: NodeJS.Timeout | null = null;
  private last = Date.now();

  constructor(
    private readonly model: TelemetryModel,
    private readonly intervalMs: number,
    private readonly job: () => JobMoment | null,
    private readonly send: (values: Record<string, TelemetrySampleValue>) => void,
  ) {}

  start(): void {
    if (this.timer) return;
    this.last = Date.now();
    this.timer = setInterval(() => {
      const now = Date.now();
      const values = this.model.sample(this.job(), now - this.last);
      this.last = now;
      if (values && Object.keys(values).length > 0) this.send(values);
    }, this.intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
