import { expect, it } from "vitest";
import { GroupCommit } from "./groupCommit.ts";

it("commits the writes of one turn of the event loop as one group, each settling with its own outcome", async () => {
  const groups: number[][] = [];
  const commit = new GroupCommit<number, string>((writes) => {
    groups.push(writes);
    return writes.map((write) => (write < 0 ? { ok: false, error: new Error(`refused ${write}`) } : { ok: true, value: `stored ${write}` }));
  });
  const first = [commit.submit(1), commit.submit(-2), commit.submit(3)];
  const settled = await Promise.allSettled(first);
  expect(groups).toEqual([[1, -2, 3]]);
  expect(settled.map((outcome) => (outcome.status === "fulfilled" ? outcome.value : (outcome.reason as Error).message))).toEqual(["stored 1", "refused -2", "stored 3"]);
  await commit.submit(4);
  expect(groups).toEqual([[1, -2, 3], [4]]);
});

it("fails every write of a group whose transaction did not commit", async () => {
  const commit = new GroupCommit<number, number>(() => {
    throw new Error("disk full");
  });
  const settled = await Promise.allSettled([commit.submit(1), commit.submit(2)]);
  expect(settled.map((outcome) => outcome.status)).toEqual(["rejected", "rejected"]);
});

it("runs one flush at a time: writes submitted during a slow flush go together into the next", async () => {
  const groups: number[][] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const commit = new GroupCommit<number, number>(async (writes) => {
    groups.push(writes);
    if (groups.length === 1) await gate;
    return writes.map((value) => ({ ok: true, value }));
  });
  const a = commit.submit(1);
  await new Promise((resolve) => setImmediate(resolve)); // the first flush is now in flight
  const later = [commit.submit(2), commit.submit(3)];
  await new Promise((resolve) => setImmediate(resolve));
  expect(groups).toEqual([[1]]);
  release();
  expect(await Promise.all([a, ...later])).toEqual([1, 2, 3]);
  expect(groups).toEqual([[1], [2, 3]]);
  await commit.drain();
});
