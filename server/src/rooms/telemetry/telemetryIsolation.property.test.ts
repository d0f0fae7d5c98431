/**
 * Telemetry never changes a session decision (issue 24). Random interleavings of users'
 * commands, device reports, clock ticks and `hello`s are run twice through the room's own
 * routing (deviceMessageRoute.ts) and the pure core: once with telemetry messages (valid,
 * undeclared, mistyped, floods, garbage) and channel declarations mixed in, once without.
 * The core's state, effects and refusals must be identical at every step. A second property
 * checks the hub's own promises: the newest sample wins, a channel is never shown faster than
 * its rate, the recent samples stay within their ring.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DeviceToRoom, TelemetryLimits, UserToRoom, type TelemetryChannelInput } from "@baton/protocol";
import { reduce } from "../../session/reduce.ts";
import { initialState } from "../../session/core.ts";
import { DEFAULT_RULES } from "../../session/rules.ts";
import { ALICE, BOB, SESSION_TYPES, T0, TIMERS, sequentialRunIds, validateRequiredKeys } from "../../session/testing.ts";
import type { CoreState, Outcome, UserRef } from "../../session/types.ts";
import { userCommand } from "../edge/commands.ts";
import { routeDeviceMessage } from "./deviceMessageRoute.ts";
import { TelemetryHub } from "./telemetryHub.ts";

const CHANNELS: TelemetryChannelInput[] = [
  { name: "weight", unit: "g", maxRateHz: 10 },
  { name: "settled", type: "boolean", visibility: "owner" },
  { name: "stage", type: "string", maxRateHz: 1, storeEveryMs: 5_000 },
];

type Event =
  | { kind: "hello"; channels: number }
  | { kind: "user"; type: "claim" | "run" | "release" | "cancel"; user: number; validInput: boolean }
  | { kind: "report"; type: "accepted" | "progress" | "result" | "failed"; progress: number }
  | { kind: "tick"; ms: number }
  | { kind: "telemetry"; payload: unknown; repeat: number };

const telemetryPayload = fc.oneof(
  fc.record({ values: fc.record({ weight: fc.double({ min: -1e6, max: 1e6, noNaN: true }) }) }),
  fc.record({ values: fc.record({ settled: fc.boolean(), stage: fc.string({ maxLength: 10 }) }, { requiredKeys: [] }) }),
  fc.record({ values: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.oneof(fc.double(), fc.boolean(), fc.string())) }),
  fc.anything(),
);

const event: fc.Arbitrary<Event> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("hello" as const), channels: fc.integer({ min: 0, max: CHANNELS.length }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("user" as const), type: fc.constantFrom("claim" as const, "run" as const, "release" as const, "cancel" as const), user: fc.integer({ min: 0, max: 1 }), validInput: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("report" as const), type: fc.constantFrom("accepted" as const, "progress" as const, "result" as const, "failed" as const), progress: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("tick" as const), ms: fc.constantFrom(0, 50, 1_000, 15_000, 200_000) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("telemetry" as const), payload: telemetryPayload, repeat: fc.constantFrom(1, 1, 3, 60) }) },
);

const USERS: UserRef[] = [ALICE, BOB];

/** What the core answered to one event, in a form `toEqual` can compare. */
type Step = { state: CoreState; effects: Outcome["effects"]; rejection: Outcome["rejection"] } | { refusedAtEdge: unknown };

/** Runs the events through the room's routing: core-bound ones into `reduce`, telemetry into a hub. */
function play(events: readonly Event[], withTelemetry: boolean): { steps: Step[]; telemetryReachedTheCore: boolean } {
  let now = T0;
  let state = initialState("scale-1", now);
  const newRunId = sequentialRunIds();
  const hub = new TelemetryHub(() => now);
  const steps: Step[] = [];
  let telemetryReachedTheCore = false;
  const reduceOne = (command: Parameters<typeof reduce>[1]) => {
    const outcome = reduce(state, command, { now, newRunId, timers: TIMERS, validateInput: validateRequiredKeys, rules: DEFAULT_RULES });
    state = outcome.state;
    steps.push({ state: outcome.state, effects: outcome.effects, rejection: outcome.rejection });
  };
  const device = (type: string, payload: unknown) => {
    const route = routeDeviceMessage(type, payload, true);
    if (route.to === "telemetry") {
      hub.receive(payload);
      hub.takeDue(now);
      return;
    }
    if (route.declaresTelemetry) hub.declare(((payload as { telemetry?: unknown }).telemetry as never) ?? []);
    if ("refusal" in route.translation) steps.push({ refusedAtEdge: route.translation.refusal });
    else reduceOne(route.translation.command);
  };

  device(DeviceToRoom.HELLO, { firmware: "fw", sessionTypes: SESSION_TYPES });
  for (const next of events) {
    switch (next.kind) {
      case "hello":
        device(DeviceToRoom.HELLO, { firmware: "fw", sessionTypes: SESSION_TYPES, ...(withTelemetry ? { telemetry: CHANNELS.slice(0, next.channels) } : {}) });
        break;
      case "user": {
        const user = USERS[next.user]!;
        const input = next.validInput ? { sampleId: "S" } : { sampleId: 1 };
        const payload = next.type === "claim" ? { sessionType: "weigh", input } : next.type === "run" ? { sessionType: "weigh", input } : {};
        const translation = userCommand(next.type === "claim" ? UserToRoom.CLAIM : next.type === "run" ? UserToRoom.RUN : next.type === "release" ? UserToRoom.RELEASE : UserToRoom.CANCEL, payload, user);
        if ("refusal" in translation) steps.push({ refusedAtEdge: translation.refusal });
        else reduceOne(translation.command);
        break;
      }
      case "report": {
        const run = state.session?.run;
        const ids = { epoch: state.epoch, runId: run?.runId ?? "run-x" };
        const payload = next.type === "progress" ? { ...ids, progress: next.progress } : next.type === "result" ? { ...ids, output: { grams: 1 } } : next.type === "failed" ? { ...ids, code: "JAM", message: "" } : ids;
        device(next.type, payload);
        break;
      }
      case "tick":
        now += next.ms;
        reduceOne({ type: "tick" });
        break;
      case "telemetry":
        if (!withTelemetry) break;
        for (let index = 0; index < next.repeat; index++) {
          const before = state;
          device(DeviceToRoom.TELEMETRY, next.payload);
          if (state !== before) telemetryReachedTheCore = true;
        }
        break;
    }
  }
  return { steps, telemetryReachedTheCore };
}

describe("telemetry beside the session core", () => {
  it("never changes a state, an effect or a refusal of the core, whatever it sends and however it interleaves", () => {
    let withSamples = 0;
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 60 }), (events) => {
        if (events.some((next) => next.kind === "telemetry")) withSamples++;
        const withTelemetry = play(events, true);
        const without = play(events, false);
        expect(withTelemetry.telemetryReachedTheCore).toBe(false);
        expect(withTelemetry.steps).toEqual(without.steps);
      }),
      { numRuns: 300, seed: 24 },
    );
    // Not vacuous: most runs did mix telemetry in.
    expect(withSamples).toBeGreaterThan(200);
  });

  it("routes every device message but `telemetry` to the core, and `telemetry` never", () => {
    for (const type of Object.values(DeviceToRoom)) {
      expect(routeDeviceMessage(type, {}, true).to).toBe(type === DeviceToRoom.TELEMETRY ? "telemetry" : "core");
    }
    // A user's `telemetry` is refused at the edge like any device message a user sends.
    const fromUser = routeDeviceMessage(DeviceToRoom.TELEMETRY, { values: { weight: 1 } }, false);
    expect(fromUser.to === "core" && "refusal" in fromUser.translation && fromUser.translation.refusal.code).toBe("FORBIDDEN_MESSAGE");
  });
});

describe("the telemetry hub", () => {
  const sample = fc.record({ channel: fc.constantFrom("weight", "stage"), value: fc.integer({ min: 0, max: 1_000 }), gapMs: fc.constantFrom(0, 0, 1, 10, 50, 120, 1_000) });

  it("shows each channel's newest sample, never faster than its rate, and keeps a bounded ring", () => {
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 300 }), fc.constantFrom(0, 20, 50, 100), (samples, flushEveryMs) => {
        let now = T0;
        const hub = new TelemetryHub(() => now, { perSecond: 1e9, burst: 1e9, ringSize: 16 });
        hub.declare([
          { name: "weight", unit: "g", type: "number", maxRateHz: 10, visibility: "public" },
          { name: "stage", unit: "", type: "number", maxRateHz: 1, visibility: "public", storeEveryMs: 5_000 },
        ]);
        const newest = new Map<string, number>();
        const shownAt = new Map<string, number[]>();
        const storedAt: number[] = [];
        const flush = () => {
          for (const write of hub.takeDue(now)) {
            expect(write.value).toBe(newest.get(write.spec.name)); // the newest wins
            shownAt.set(write.spec.name, [...(shownAt.get(write.spec.name) ?? []), now]);
            if (write.store) storedAt.push(write.at);
          }
        };
        for (const next of samples) {
          now += next.gapMs;
          expect(hub.receive({ values: { [next.channel]: next.value } })).toBeNull();
          newest.set(next.channel, next.value);
          if (flushEveryMs === 0 || now % flushEveryMs < next.gapMs) flush();
        }
        // Drain: whatever is pending goes out once its rate allows.
        for (let due = hub.nextDueAt(); due !== null; due = hub.nextDueAt()) {
          now = Math.max(now, due);
          flush();
        }
        for (const [name, times] of shownAt) {
          const gap = name === "weight" ? 100 : 1_000;
          for (let index = 1; index < times.length; index++) expect(times[index]! - times[index - 1]!).toBeGreaterThanOrEqual(gap);
        }
        // Every channel ends on its newest value; stored samples are ≥ storeEveryMs apart.
        const recent = hub.recent(() => true)!;
        for (const [name, value] of newest) expect(recent.channels[name]!.samples.at(-1)![1]).toBe(value);
        for (const channel of Object.values(recent.channels)) expect(channel.samples.length).toBeLessThanOrEqual(16);
        for (let index = 1; index < storedAt.length; index++) expect(storedAt[index]! - storedAt[index - 1]!).toBeGreaterThanOrEqual(5_000);
      }),
      { numRuns: 200, seed: 2424 },
    );
  });

  it("drops a flood beyond the budget and says so at most once a second", () => {
    let now = T0;
    const hub = new TelemetryHub(() => now);
    hub.declare([{ name: "weight", unit: "g", type: "number", maxRateHz: 10, visibility: "public" }]);
    const answers = Array.from({ length: TelemetryLimits.messagesBurst + 30 }, () => hub.receive({ values: { weight: 1 } }));
    expect(answers.slice(0, TelemetryLimits.messagesBurst).every((answer) => answer === null)).toBe(true);
    expect(answers.filter((answer) => answer !== null).map((answer) => answer!.code)).toEqual(["RATE_LIMITED"]);
    now += 1_000;
    expect(hub.receive({ values: { weight: 2 } })).toBeNull(); // refilled
  });
});
