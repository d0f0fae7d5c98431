import { afterEach, describe, expect, it, vi } from "vitest";
import { DeadlineTimer } from "./deadlineTimer.ts";
import { UserConnections } from "./userConnections.ts";

describe("UserConnections", () => {
  it("counts tabs per user, and says when the last one of a user is gone", () => {
    const users = new UserConnections<string>();
    users.add("ada", "tab-1");
    users.add("ada", "tab-2");
    users.add("bob", "tab-3");
    expect([users.count(), users.countOf("ada"), users.has("bob")]).toEqual([3, 2, true]);
    expect(users.remove("ada", "tab-9")).toBe("absent");
    expect(users.remove("ada", "tab-1")).toBe("others");
    expect(users.remove("ada", "tab-2")).toBe("last");
    expect([users.has("ada"), [...users.of("ada")], users.count()]).toEqual([false, [], 1]);
  });
});

describe("DeadlineTimer", () => {
  afterEach(() => vi.useRealTimers());

  it("keeps one timer for the earliest deadline, none when there is none", () => {
    vi.useFakeTimers();
    let now = 1_000;
    const fired: number[] = [];
    const timer = new DeadlineTimer(() => now, () => fired.push(now));
    timer.arm(1_500);
    timer.arm(1_200); // replaces the first
    expect(timer.pending).toBe(true);
    now = 1_200;
    vi.advanceTimersByTime(200);
    expect(fired).toEqual([1_200]);
    expect(timer.pending).toBe(false);
    timer.arm(null);
    expect(timer.pending).toBe(false);
    timer.arm(5_000);
    timer.clear();
    vi.advanceTimersByTime(10_000);
    expect(fired).toEqual([1_200]);
  });
});
