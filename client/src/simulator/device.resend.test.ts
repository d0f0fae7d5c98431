/**
 * The simulated device's answer to RATE_LIMITED (docs/PROTOCOL.md §7.3), against the scripted
 * fake room: held reports go out again after the back-off, oldest first, once per period,
 * and not at all once acknowledged. The timing rules themselves are in resend.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { SimulatedDevice } from "./device.ts";
import { useFakeRoom } from "./fakeRoomFixture.ts";

const fixture = useFakeRoom({ speed: 100, heartbeatIntervalMs: 0, autoReady: false, reconnect: false, resendBackoff: { baseDelayMs: 40, maxDelayMs: 200 }, seed: 1 });
const start = fixture.start;

const rateLimited = (request: string) => ({ code: "RATE_LIMITED", message: "Too many messages; this one was dropped.", request });
const sentOf = (d: SimulatedDevice, type: string) => d.sent.filter((message) => message.type === type).map((message) => (message.payload as { runId: string }).runId);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("after RATE_LIMITED", () => {
  it("re-sends every held report after the back-off, oldest first, once per back-off period", async () => {
    const d = await start();
    d.complete({ epoch: 1, runId: "r-1" });
    d.fail("DEVICE_FAILED", "jammed", { epoch: 1, runId: "r-2" });
    const scheduled = d.waitFor("resendScheduled");
    const resent = d.waitFor("reportsResent");
    const mark = d.sent.length;
    fixture.room.send("error", rateLimited("result"));
    fixture.room.send("error", rateLimited("failed")); // a second refusal within the period: no second re-send
    expect(await scheduled).toMatchObject({ request: "result", attempt: 1 });
    expect((await scheduled).delayMs).toBeGreaterThanOrEqual(20); // never at once: the room's bucket is empty
    expect(await resent).toEqual({ runIds: ["r-1", "r-2"] });
    const after = d.sent.slice(mark).map((message) => `${message.type} ${(message.payload as { runId: string }).runId}`);
    expect(after).toEqual(["result r-1", "failed r-2"]);
    await sleep(120);
    expect(sentOf(d, "result")).toEqual(["r-1", "r-1"]);
  });

  it("re-sends only what is still unacknowledged, and nothing once everything is", async () => {
    const d = await start();
    d.complete({ epoch: 1, runId: "r-1" });
    d.complete({ epoch: 1, runId: "r-2" });
    fixture.room.send("error", rateLimited("progress")); // about another frame: a report may have been dropped silently with it
    await d.waitFor("resendScheduled");
    fixture.room.send("ack", { runId: "r-1" });
    expect(await d.waitFor("reportsResent")).toEqual({ runIds: ["r-2"] });
    fixture.room.send("ack", { runId: "r-2" });
    await d.waitFor("ack");
    fixture.room.send("error", rateLimited("heartbeat"));
    await d.waitFor("resendScheduled");
    await sleep(120);
    expect(sentOf(d, "result")).toEqual(["r-1", "r-2", "r-2"]);
  });

  it("backs off further while the room keeps refusing, and starts again from the base after an ack", async () => {
    const d = await start({ resendBackoff: { baseDelayMs: 40, maxDelayMs: 1_000 } });
    d.complete({ epoch: 1, runId: "r-1" });
    const attempts: Array<{ attempt: number; delayMs: number }> = [];
    d.events.on("resendScheduled", ({ attempt, delayMs }) => attempts.push({ attempt, delayMs }));
    for (let i = 0; i < 3; i++) {
      const resent = d.waitFor("reportsResent");
      fixture.room.send("error", rateLimited("result"));
      await resent;
    }
    expect(attempts.map((entry) => entry.attempt)).toEqual([1, 2, 3]);
    expect(attempts[2].delayMs).toBeGreaterThanOrEqual(80); // [c/2, c] with c = 160
    fixture.room.send("ack", { runId: "r-1" });
    await d.waitFor("ack");
    d.complete({ epoch: 1, runId: "r-3" });
    const next = d.waitFor("resendScheduled");
    fixture.room.send("error", rateLimited("result"));
    expect(await next).toMatchObject({ attempt: 1 });
    expect((await next).delayMs).toBeLessThanOrEqual(40);
  });

  it("drops a pending re-send when the connection goes (the next welcome re-sends everything)", async () => {
    const d = await start();
    d.complete({ epoch: 1, runId: "r-1" });
    const scheduled = d.waitFor("resendScheduled");
    fixture.room.send("error", rateLimited("result"));
    await scheduled;
    d.drop({ reconnect: false });
    await sleep(120);
    expect(sentOf(d, "result")).toEqual(["r-1"]);
  });
});
