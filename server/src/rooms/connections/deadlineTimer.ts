/**
 * A room's one timer: the earliest deadline of its core, none at all while nothing is
 * pending, so an idle room costs nothing. Device rooms and pool rooms both keep one.
 */
export class DeadlineTimer {
  private timer: NodeJS.Timeout | null = null;

  /** `fire` should be guarded (roomTimers.ts): it runs outside any message handler. */
  constructor(private readonly clock: () => number, private readonly fire: () => void) {}

  /** Replaces the timer by one at `at` (epoch ms), or by none when `at` is null. */
  arm(at: number | null): void {
    this.clear();
    if (at === null) return;
    const delay = Math.max(0, at - this.clock());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.fire();
    }, Math.min(delay, 2 ** 31 - 1));
  }

  /** Whether a deadline is armed (an idle room has none). */
  get pending(): boolean {
    return this.timer !== null;
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
