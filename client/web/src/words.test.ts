/** The status lines people read, from the facts the API and the room give. */
import { describe, expect, it } from "vitest";
import { availabilityOf, duration, endReasonText, percent, remaining, sessionEndSentence, statusLine, type SessionFacts } from "./words.ts";

const NOW = 1_800_000_000_000;
const free: SessionFacts = { online: true, phase: "idle", holderId: null, holderName: null, heldSince: null, progress: null };
const adaRunning: SessionFacts = { online: true, phase: "running", holderId: "ada", holderName: "Ada", heldSince: NOW - 3 * 60_000 - 5_000, progress: 0.4 };

describe("status lines", () => {
  it("says who holds the device, doing what, for how long — from each person's side", () => {
    expect(statusLine(adaRunning, "bob", NOW)).toBe("In use by Ada, running for 3 min");
    expect(statusLine({ ...adaRunning, phase: "claimed" }, "bob", NOW)).toBe("In use by Ada for 3 min");
    expect(statusLine(adaRunning, "ada", NOW)).toBe("You hold it — running for 3 min");
    expect(statusLine(free, "bob", NOW)).toBe("Free");
    expect(statusLine({ ...free, online: false }, "bob", NOW)).toBe("Offline — the device is not connected");
    expect(statusLine({ ...adaRunning, holderName: "" }, "bob", NOW)).toBe("In use by someone else, running for 3 min");
  });

  it("knows whose device it is", () => {
    expect(availabilityOf(adaRunning, "ada")).toBe("mine");
    expect(availabilityOf(adaRunning, null)).toBe("theirs");
    // Held while offline still belongs to the holder: the session waits for the device.
    expect(availabilityOf({ ...adaRunning, online: false }, "bob")).toBe("theirs");
  });

  it("writes durations, percentages and end reasons for people", () => {
    expect(duration(59_999)).toBe("less than a minute");
    expect(duration(60_000)).toBe("1 min");
    expect(duration(3_600_000)).toBe("1 h");
    expect(duration(3_900_000)).toBe("1 h 5 min");
    expect(duration(-5)).toBe("less than a minute");
    expect(remaining(59_999)).toBe("less than a minute more");
    expect(remaining(180_000)).toBe("another 3 min");
    expect(percent(0.384)).toBe("38 %");
    expect(percent(null)).toBe("0 %");
    expect(endReasonText("kicked")).toBe("an administrator took the device back");
    expect(endReasonText("something_new")).toBe("something new");
  });
});

describe("the end of one's own session", () => {
  it("says why in words, and when it ended while the server restarted or the page was disconnected; never a raw reason code", () => {
    expect(sessionEndSentence({ reason: "owner_lost", message: "Your session on device scale-1 ended (owner_lost)." }, null)).toBe("Your session ended: you were disconnected for longer than the device is kept for its holder.");
    expect(sessionEndSentence(null, { restarted: true })).toBe("Your session ended while the server restarted.");
    expect(sessionEndSentence({ reason: "device_lost" }, { restarted: true })).toBe("Your session ended while the server restarted: the device was offline for too long.");
    expect(sessionEndSentence({ reason: "max_duration" }, { restarted: false })).toBe("Your session ended while you were disconnected: it reached its maximum length.");
    expect(sessionEndSentence({ reason: "kicked", message: "An admin (Ada) took device scale-1 back: calibration." }, null)).toBe("Your session ended. An admin (Ada) took device scale-1 back: calibration.");
    expect(sessionEndSentence({ reason: "something_new" }, null)).toBe("Your session ended: something new.");
    for (const reason of ["released", "completed", "owner_lost", "idle_timeout", "max_duration", "device_lost", "run_failed", "cancelled"]) {
      expect(sessionEndSentence({ reason }, null)).not.toMatch(/_|\(/);
    }
  });
});
