import { afterEach, describe, expect, it, vi } from "vitest";
import { createMemoryStore } from "../adapters/memory/memoryStore.ts";
import { startRetention } from "./retention.ts";

const DAY = 86_400_000;
const silentLogger = { info: () => {}, error: () => {} };

describe("retention job", () => {
  afterEach(() => vi.useRealTimers());

  it("purges what is older than the configured days at start and then on every interval", async () => {
    vi.useFakeTimers();
    const store = createMemoryStore();
    let now = 100 * DAY;
    const save = (runId: string, storedAt: number) => store.results.saveDelivered({ deviceId: "d", runId, epoch: 1, userId: "u", sessionType: "t", output: {}, storedAt });
    await save("old", now - 31 * DAY);
    await save("recent", now - 29 * DAY);
    const stop = startRetention(store, 30, () => now, silentLogger, 1_000);
    await vi.advanceTimersByTimeAsync(0);
    expect(await store.results.findByRunId("d", "old")).toBeUndefined();
    expect(await store.results.findByRunId("d", "recent")).toBeDefined();
    now += 2 * DAY; // "recent" is now 31 days old
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await store.results.findByRunId("d", "recent")).toBeUndefined();
    stop();
  });

  it("keeps everything when retention is 0 days", async () => {
    const store = createMemoryStore();
    await store.results.saveDelivered({ deviceId: "d", runId: "ancient", epoch: 1, userId: "u", sessionType: "t", output: {}, storedAt: 0 });
    startRetention(store, 0, () => 1_000 * DAY, silentLogger)();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await store.results.findByRunId("d", "ancient")).toBeDefined();
  });
});
