/**
 * Property: never one user holding more than their limit, across devices. Three devices,
 * each with its own core state and its own FairUseGate (as three rooms, possibly in three
 * processes), share ONE quota ledger. Users claim, queue, accept, decline, leave and
 * release at random; sessions expire on a fake clock; and the commands of a step run
 * concurrently, so reservations of different rooms interleave at every await. After every
 * single transition, in every room: no user holds more than `maxDevicesPerUser` devices or
 * waits in more than `maxQueueEntriesPerUser` lines — counted over all three states — and,
 * once the step has settled, the ledger holds exactly the slots the states hold.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LocalUserQuotaLedger } from "../../adapters/local/localUserQuotaLedger.ts";
import { lineOf, reduce, type Command, type CoreState, type Outcome, type UserRef } from "../../session/index.ts";
import { ALICE, BOB, CAROL, SESSION_TYPES, T0, TIMERS, sequentialRunIds, validateRequiredKeys } from "../../session/testing.ts";
import { initialState } from "../../session/core.ts";
import { FairUseGate } from "./fairUseGate.ts";

const USERS: UserRef[] = [ALICE, BOB, CAROL];
const DEVICES = ["dev-a", "dev-b", "dev-c"];
const LIMITS = { maxDevicesPerUser: 1, maxQueueEntriesPerUser: 2, maxSessionMinutesPerDay: 0 };

type Step =
  | { kind: "claim" | "enqueue" | "accept" | "decline" | "leave" | "release"; user: number; device: number }
  | { kind: "tick"; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constantFrom("claim" as const, "enqueue" as const, "accept" as const, "accept" as const, "decline" as const, "leave" as const, "release" as const), user: fc.integer({ min: 0, max: 2 }), device: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("tick" as const), ms: fc.constantFrom(1_000, 40_000, 700_000) }) },
);

function commandOf(step: Exclude<Step, { kind: "tick" }>): Command {
  const user = USERS[step.user];
  switch (step.kind) {
    case "claim": return { type: "claim", user };
    case "enqueue": return { type: "enqueue", user };
    case "accept": return { type: "acceptOffer", user };
    case "decline": return { type: "declineOffer", user };
    case "leave": return { type: "leaveQueue", user };
    case "release": return { type: "release", user };
  }
}

describe("fair use across devices sharing one quota ledger", () => {
  it("never lets a user hold more devices or lines than the limits, however rooms interleave", async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.array(step, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 25 }), async (batches) => {
      let now = T0;
      const ledger = new LocalUserQuotaLedger(() => now);
      const timers = { ...TIMERS, maxSessionMs: 600_000, ownerIdleTimeoutMs: 0, handoffWindowMs: 30_000 };
      const newRunId = sequentialRunIds();
      const context = () => ({ now, newRunId, timers, validateInput: validateRequiredKeys });
      const states: CoreState[] = [];
      const gates: FairUseGate[] = [];

      const checkLimits = () => {
        for (const user of USERS) {
          const holding = states.filter((state) => state.session?.holder.userId === user.userId).length;
          const waiting = states.filter((state) => lineOf(state).some((entry) => entry.user.userId === user.userId)).length;
          expect(holding, `${user.userId} holds`).toBeLessThanOrEqual(LIMITS.maxDevicesPerUser);
          expect(waiting, `${user.userId} waits`).toBeLessThanOrEqual(LIMITS.maxQueueEntriesPerUser);
        }
      };
      const applyTo = (index: number) => (command: Command): Outcome => {
        const outcome = reduce(states[index], command, context());
        gates[index].transitioned(states[index], outcome.state);
        states[index] = outcome.state;
        checkLimits();
        return outcome;
      };

      DEVICES.forEach((deviceId, index) => {
        let state = initialState(deviceId, now);
        state = reduce(state, { type: "deviceConnected" }, context()).state;
        state = reduce(state, { type: "deviceHello", firmware: "fw", sessionTypes: SESSION_TYPES }, context()).state;
        states.push(state);
        gates.push(new FairUseGate({ deviceId, ledger, limits: LIMITS, ttlMs: 3_600_000, clock: () => now, usedToday: async () => ({ usedMs: 0, kind: "scale" }), warn: () => undefined }));
      });

      for (const batch of batches) {
        await Promise.all(batch.map(async (one) => {
          if (one.kind === "tick") {
            now += one.ms;
            for (let index = 0; index < DEVICES.length; index++) applyTo(index)({ type: "tick" });
            return;
          }
          await gates[one.device].admit(commandOf(one), () => states[one.device], applyTo(one.device));
        }));
        // Settled: releases are fire-and-forget; let them land, then the ledger mirrors the states.
        await new Promise((resolve) => setImmediate(resolve));
        for (const user of USERS) {
          const heldDevices = DEVICES.filter((_, index) => states[index].session?.holder.userId === user.userId).sort();
          expect((await ledger.held(user.userId, "device")).sort()).toEqual(heldDevices);
          const queued = DEVICES.filter((_, index) => lineOf(states[index]).some((entry) => entry.user.userId === user.userId)).sort();
          expect((await ledger.held(user.userId, "queue")).sort()).toEqual(queued);
        }
      }
    }), { numRuns: 200 });
  });
});
