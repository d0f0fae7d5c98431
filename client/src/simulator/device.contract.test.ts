/**
 * The socket device (device.ts) follows the rules where the simulator and the firmware used
 * to differ (issue 10), against the scripted fake room. The rules themselves are the contract
 * vectors (shared/device-contract/, run against deviceCore.ts — the machine device.ts is the
 * shell of — and the C firmware).
 */
import { describe, expect, it } from "vitest";
import { useFakeRoom } from "./fakeRoomFixture.ts";
import { MAX_HELD_REPORTS } from "./heldReports.ts";

const fixture = useFakeRoom({ speed: 100, heartbeatIntervalMs: 0, autoReady: false, reconnect: false, seed: 1 });
const start = () => fixture.start();

describe("the simulated device, where it used to differ from the firmware", () => {
  it("ignores an older second welcome on the same connection instead of leaving", async () => {
    const d = await start();
    fixture.room.send("welcome", { epoch: 5, phase: "idle" });
    await d.next("welcome");
    const stale = d.waitFor("staleIgnored");
    fixture.room.send("welcome", { epoch: 4, phase: "idle" });
    expect(await stale).toMatchObject({ type: "welcome", epoch: 4 });
    expect(d.connected).toBe(true);
  });

  it(`holds at most ${MAX_HELD_REPORTS} reports, giving up the oldest`, async () => {
    const d = await start();
    for (let i = 1; i <= MAX_HELD_REPORTS + 1; i++) d.complete({ epoch: 1, runId: `r-${i}` });
    expect(d.heldResultRunIds).toEqual(["r-2", "r-3", "r-4", "r-5"]);
  });

  it("forgets a report the room refuses for good, keeps one refused for another reason", async () => {
    const d = await start();
    d.complete({ epoch: 1, runId: "r-1" });
    d.complete({ epoch: 1, runId: "r-2" });
    fixture.room.send("error", { code: "INVALID_MESSAGE", message: "", request: "result" });
    fixture.room.send("error", { code: "STALE_EPOCH", message: "", request: "result" });
    const deadline = Date.now() + 2_000;
    while (d.received.filter((message) => message.type === "error").length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(d.heldResultRunIds).toEqual(["r-2"]);
  });

  it("keeps a failure across a reboot (the firmware persists it) and re-sends it while the room runs that run", async () => {
    const d = await start();
    d.fail("DEVICE_FAILED", "jammed", { epoch: 1, runId: "r-9" });
    await fixture.room.next("failed", 0); // the first copy arrived before the reboot
    fixture.room.welcome = { epoch: 1, phase: "running", runId: "r-9" };
    const mark = fixture.room.received.length;
    await d.reboot();
    expect(await fixture.room.next("failed", mark)).toMatchObject({ runId: "r-9", code: "DEVICE_FAILED", message: "jammed" }); // its own, not "lost the run"
  });
});
