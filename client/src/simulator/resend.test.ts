/** The RATE_LIMITED re-send rule with a fake clock: back-off, one re-send per period, reset on ack. */
import { describe, expect, it } from "vitest";
import { NO_RESEND, planRateLimited, planResendDue, resendAfterAck, resendAfterDisconnect, type ResendState } from "./resend.ts";

const policy = { baseDelayMs: 1_000, maxDelayMs: 8_000 };
const top = () => 1; // jitter at the top of [c/2, c]: the delay equals the ceiling

/** RATE_LIMITED at `now`, then the timer at its due time: returns the state after the re-send. */
function cycle(state: ResendState, now: number, held: string[]): { state: ResendState; delayMs: number; sent: string[] } {
  const limited = planRateLimited(state, now, policy, top);
  if (limited.kind !== "schedule") throw new Error("expected a schedule");
  const due = planResendDue(limited.state, now + limited.delayMs, held);
  return { state: due.state, delayMs: limited.delayMs, sent: due.kind === "resend" ? due.runIds : [] };
}

describe("planRateLimited", () => {
  it("schedules a re-send after the base back-off", () => {
    expect(planRateLimited(NO_RESEND, 5_000, policy, top)).toEqual({ kind: "schedule", delayMs: 1_000, state: { attempts: 1, dueAtMs: 6_000 } });
  });

  it("keeps a floor of half the back-off under the jitter (never an immediate re-send)", () => {
    expect(planRateLimited(NO_RESEND, 0, policy, () => 0)).toMatchObject({ delayMs: 500 });
  });

  it("does not schedule a second re-send while one is pending", () => {
    const first = planRateLimited(NO_RESEND, 0, policy, top);
    const again = planRateLimited(first.state, 300, policy, top);
    expect(again).toEqual({ kind: "alreadyScheduled", dueAtMs: 1_000, state: first.state });
  });

  it("doubles the back-off while the room keeps refusing, up to the cap", () => {
    let state = NO_RESEND;
    let now = 0;
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const step = cycle(state, now, ["r-1"]);
      delays.push(step.delayMs);
      now += step.delayMs;
      state = step.state;
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  });
});

describe("planResendDue", () => {
  it("re-sends every held report, oldest first, at the due time", () => {
    const { state } = planRateLimited(NO_RESEND, 0, policy, top);
    expect(planResendDue(state, 1_000, ["r-1", "r-2"])).toEqual({ kind: "resend", runIds: ["r-1", "r-2"], state: { attempts: 1 } });
  });

  it("does nothing before the due time (a stray timer cannot re-send early)", () => {
    const { state } = planRateLimited(NO_RESEND, 0, policy, top);
    expect(planResendDue(state, 999, ["r-1"])).toEqual({ kind: "nothing", state });
  });

  it("does nothing when none is scheduled", () => {
    expect(planResendDue(NO_RESEND, 10_000, ["r-1"])).toEqual({ kind: "nothing", state: NO_RESEND });
  });

  it("sends nothing when everything was acknowledged meanwhile, and clears the schedule", () => {
    const { state } = planRateLimited(NO_RESEND, 0, policy, top);
    expect(planResendDue(state, 1_000, [])).toEqual({ kind: "nothing", state: { attempts: 1 } });
  });

  it("allows the next RATE_LIMITED to schedule again once the re-send went out (no spin: it waits twice as long)", () => {
    const first = cycle(NO_RESEND, 0, ["r-1"]);
    expect(first.sent).toEqual(["r-1"]);
    expect(planRateLimited(first.state, 1_000, policy, top)).toEqual({ kind: "schedule", delayMs: 2_000, state: { attempts: 2, dueAtMs: 3_000 } });
  });
});

describe("resendAfterAck / resendAfterDisconnect", () => {
  it("an ack resets the back-off to the base but keeps a pending re-send for the other held reports", () => {
    const second = cycle(cycle(NO_RESEND, 0, ["r-1"]).state, 1_000, ["r-1"]).state;
    const pending = planRateLimited(second, 5_000, policy, top).state;
    expect(pending).toEqual({ attempts: 3, dueAtMs: 9_000 });
    const acked = resendAfterAck(pending);
    expect(acked).toEqual({ attempts: 0, dueAtMs: 9_000 });
    expect(planResendDue(acked, 9_000, ["r-2"])).toMatchObject({ kind: "resend", runIds: ["r-2"] });
    expect(planRateLimited({ attempts: 0 }, 9_000, policy, top)).toMatchObject({ delayMs: 1_000 });
  });

  it("a disconnect drops the pending re-send (the next welcome re-sends everything)", () => {
    const { state } = planRateLimited(NO_RESEND, 0, policy, top);
    expect(resendAfterDisconnect(state)).toEqual({ attempts: 1 });
    expect(planResendDue(resendAfterDisconnect(state), 1_000, ["r-1"]).kind).toBe("nothing");
  });
});
