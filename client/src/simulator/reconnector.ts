/**
 * Schedules reconnect attempts under a BackoffPolicy: one pending attempt at most, attempts
 * counted until one succeeds, and a give-up after `maxAttempts` failures in a row or on an
 * error that retrying cannot fix. An attempt never comes sooner than the failed one's
 * `Retry-After`. It does not know how to connect; it is handed `attempt`.
 */
import { reconnectDelayMs, type BackoffPolicy } from "./backoff.ts";

export interface ReconnectorHooks {
  /** One connection attempt; resolves when connected, rejects on failure. */
  attempt(): Promise<unknown>;
  /** True for errors that retrying cannot fix (bad secret, unknown device). */
  isPermanent(error: Error): boolean;
  /** The least the server asked to wait after this error (its `Retry-After`), in ms; 0 when it did not. */
  retryAfterMs?(error: Error): number;
  onScheduled(attempt: number, delayMs: number, lastError?: Error): void;
  onConnected(attempts: number): void;
  onGaveUp(attempts: number, reason: string, error?: Error): void;
  /** Called after a failed attempt, before the next is scheduled (clean up a half-open join). */
  onAttemptFailed?(error: Error): void;
}

export class Reconnector {
  private attempts = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly policy: BackoffPolicy, private readonly hooks: ReconnectorHooks, private readonly random: () => number = Math.random) {}

  get pending(): boolean {
    return this.timer !== null;
  }

  /** Schedules the next attempt, unless one is pending or the attempts are used up. */
  schedule(lastError?: Error): void {
    this.stopped = false;
    if (this.timer) return;
    if (this.attempts >= this.policy.maxAttempts) {
      return this.giveUp(this.policy.maxAttempts === 0 ? "reconnecting is off" : `${this.policy.maxAttempts} reconnect attempt(s) failed`, lastError);
    }
    this.attempts++;
    // The back-off, but never sooner than the server asked (Retry-After).
    const delayMs = Math.max(reconnectDelayMs(this.attempts, this.policy, this.random), lastError ? this.hooks.retryAfterMs?.(lastError) ?? 0 : 0);
    this.hooks.onScheduled(this.attempts, delayMs, lastError);
    this.timer = setTimeout(() => {
      this.timer = null;
      const attempts = this.attempts;
      this.hooks.attempt().then(
        () => {
          this.attempts = 0;
          this.hooks.onConnected(attempts);
        },
        (error: Error) => {
          if (this.stopped) return;
          if (this.hooks.isPermanent(error)) return this.giveUp(error.message, error);
          this.hooks.onAttemptFailed?.(error);
          this.schedule(error);
        },
      );
    }, delayMs);
  }

  /** Cancels a pending attempt and forgets the count (a deliberate connect or close took over). */
  cancel(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.attempts = 0;
  }

  /** Stops trying; `attempts` in the report is how many attempts were made. */
  giveUp(reason: string, error?: Error): void {
    const attempts = this.attempts;
    this.cancel();
    this.hooks.onGaveUp(attempts, reason, error);
  }
}
