import { describe, expect, it } from "vitest";
import { BUSY, BoundedWorkQueue } from "./boundedWorkQueue.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("bounded work queue", () => {
  it("runs at most `concurrency` tasks at once and refuses past the queue length", async () => {
    const queue = new BoundedWorkQueue({ concurrency: 2, queueLength: 3, maxWaitMs: 5_000, perKeyQueueLength: 10 });
    let running = 0;
    let peak = 0;
    const task = async () => {
      running++;
      peak = Math.max(peak, running);
      await sleep(20);
      running--;
      return "done";
    };
    const results = await Promise.all(Array.from({ length: 8 }, (_, index) => queue.run(`k${index}`, task)));
    expect(peak).toBe(2);
    expect(results.filter((result) => result === "done")).toHaveLength(5);
    expect(results.filter((result) => result === BUSY)).toHaveLength(3);
  });

  it("refuses a task that waited past its deadline", async () => {
    const queue = new BoundedWorkQueue({ concurrency: 1, queueLength: 10, maxWaitMs: 30 });
    const slow = queue.run("a", () => sleep(200).then(() => "slow"));
    expect(await queue.run("b", async () => "late")).toBe(BUSY);
    expect(await slow).toBe("slow");
    expect(queue.load).toEqual({ running: 0, waiting: 0 });
  });

  it("serves waiting keys round-robin, so a flood on one key does not starve another", async () => {
    const queue = new BoundedWorkQueue({ concurrency: 1, queueLength: 20, maxWaitMs: 5_000, perKeyQueueLength: 10 });
    const order: string[] = [];
    const task = (key: string) => async () => {
      order.push(key);
      await sleep(5);
    };
    const flood = Array.from({ length: 6 }, () => queue.run("flooded", task("flooded")));
    const other = queue.run("other", task("other"));
    await Promise.all([...flood, other]);
    // The first flooded task was already running; "other" is served right after the next one.
    expect(order.indexOf("other")).toBeLessThanOrEqual(2);
  });

  it("limits how many tasks one key may have waiting", async () => {
    const queue = new BoundedWorkQueue({ concurrency: 1, queueLength: 20, maxWaitMs: 5_000, perKeyQueueLength: 2 });
    const results = await Promise.all(Array.from({ length: 5 }, () => queue.run("same", () => sleep(5).then(() => "ok"))));
    expect(results).toEqual(["ok", "ok", "ok", BUSY, BUSY]);
  });
});
