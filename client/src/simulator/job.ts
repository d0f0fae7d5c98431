/**
 * One job on the simulated instrument: plays a JobPlan in (scaled) time, calling back for
 * each progress report and when the measurement is ready. It sends nothing itself — the
 * device decides what goes on the wire (and whether it is connected) — and it keeps
 * running while the network is down, as real hardware does.
 *
 * With `autoProgress: false` no progress is reported on its own; with `autoComplete: false`
 * the job stops short of the result and waits for the test to call `device.complete()`.
 */
import type { JobPlan } from "./instruments.ts";
import type { StartMessage } from "@baton/protocol";

export type JobState = "running" | "awaitingCompletion" | "finished";

export interface JobSettings {
  /** Time divisor: 10 plays a 30 s print in 3 s. */
  speed: number;
  autoProgress: boolean;
  autoComplete: boolean;
  /** Never report progress more often than this (real time), whatever the speed. */
  minProgressIntervalMs: number;
}

export interface JobCallbacks {
  onProgress(progress: number, message: string): void;
  /** The instrument has its measurement (autoComplete) — the device sends the result. */
  onMeasured(output: Record<string, unknown>): void;
  /** autoComplete is off and the measurement is ready: the test decides when it goes out. */
  onAwaitingCompletion(): void;
}

export class Job {
  state: JobState = "running";
  /** Last progress fraction reported (or that would have been, while offline). */
  progress = 0;
  progressMessage = "";
  readonly startedAt = Date.now();
  private timers: NodeJS.Timeout[] = [];

  constructor(
    readonly start: StartMessage,
    readonly plan: JobPlan,
    private readonly settings: JobSettings,
    private readonly callbacks: JobCallbacks,
  ) {}

  get runId(): string {
    return this.start.runId;
  }

  get epoch(): number {
    return this.start.epoch;
  }

  /** Schedules the progress reports and the end of the job. */
  begin(): void {
    const realDuration = Math.max(1, this.plan.durationMs / this.settings.speed);
    const realInterval = Math.max(this.settings.minProgressIntervalMs, this.plan.progressIntervalMs / this.settings.speed);
    if (this.settings.autoProgress) {
      // Reports strictly before the end: the result itself says "done".
      for (let at = realInterval; at < realDuration - realInterval / 2; at += realInterval) {
        const fraction = round3(at / realDuration);
        this.timers.push(setTimeout(() => this.report(fraction), at));
      }
    }
    this.timers.push(setTimeout(() => this.measured(), realDuration));
  }

  /** Records and reports a progress fraction (also used by the manual `device.progress`). */
  report(fraction: number, message?: string): void {
    if (this.state === "finished") return;
    this.progress = Math.min(1, Math.max(0, fraction));
    this.progressMessage = message ?? this.plan.progressMessage(this.progress);
    this.callbacks.onProgress(this.progress, this.progressMessage);
  }

  /** Stops all timers; the job is over, whatever the reason. */
  finish(): void {
    this.state = "finished";
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }

  private measured(): void {
    if (this.state !== "running") return;
    if (this.settings.autoComplete) {
      this.callbacks.onMeasured(this.plan.output);
    } else {
      this.state = "awaitingCompletion";
      this.callbacks.onAwaitingCompletion();
    }
  }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
