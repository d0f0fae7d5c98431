/**
 * Two users claim the same free device at the same instant, a hundred times over: each
 * time exactly one wins and the other is told who holds it.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { joinDevice } from "../support/deviceSession.ts";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";

let baton: TestBaton;
beforeAll(async () => {
  baton = await startBaton();
});
afterAll(() => baton.shutdown());

it("gives the device to exactly one of two simultaneous claimers, 100 times", async () => {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
  const alice = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("alice", "Alice"), deviceId });
  const bob = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("bob", "Bob"), deviceId });
  const names: Record<string, string> = { alice: "Alice", bob: "Bob" };
  const wins = { alice: 0, bob: 0 };

  for (let round = 0; round < 100; round++) {
    await waitFor(() => alice.state.session.phase === "idle" && bob.state.session.phase === "idle");
    const errorsBefore = alice.errors.length + bob.errors.length;
    // Alternate who sends first so neither socket is always ahead.
    const [first, second] = round % 2 === 0 ? [alice, bob] : [bob, alice];
    first.claim();
    second.claim();
    // Both sockets' patches: they carry the same broadcast, but each arrives on its own socket.
    await waitFor(() => alice.errors.length + bob.errors.length === errorsBefore + 1 && alice.state.session.ownerId !== "" && bob.state.session.ownerId !== "");
    const holder = alice.state.session.ownerId as "alice" | "bob";
    const loser = holder === "alice" ? bob : alice;
    const refusal = loser.errors.at(-1)!;
    expect(refusal.code).toBe("DEVICE_BUSY");
    expect(refusal.message).toContain(names[holder]);
    expect(bob.state.session.ownerId).toBe(holder);
    expect(alice.state.session.epoch).toBe(round + 1);
    wins[holder]++;
    (holder === "alice" ? alice : bob).release();
  }
  await waitFor(() => alice.state.session.phase === "idle");
  expect(wins.alice + wins.bob).toBe(100);
  expect(alice.errors.length + bob.errors.length).toBe(100);
  await Promise.all([alice.leave(), bob.leave(), device.leave()]);
});
