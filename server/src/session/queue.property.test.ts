/**
 * Property-based tests of the queue, hand-off, readiness and availability rules together
 * with the session rules: four users claim, queue, leave, accept, decline and come and go;
 * the device drops, comes back, owes `ready` or not; admins drain, quarantine and return it;
 * the clock jumps. After every command:
 * - never two holders (a session starts only when none is open);
 * - never granted while drained/quarantined/in maintenance (admins' health claims excepted
 *   for quarantine) or while a `ready` is owed, never offered then either;
 * - FIFO: among users who stay in line, the order never changes, and newcomers join the end;
 * - nobody leaves the line silently: every exit is a `queueLeft` with a known reason.
 * At the end, with the device back in service and everyone answering, every user who ever
 * queued was served or told why not.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DeviceAvailability, QueueExitReason } from "@baton/protocol";
import { lineOf } from "./line.ts";
import { ALICE, BOB, CAROL, SESSION_TYPES, SessionHarness, onlineHarness } from "./testing.ts";
import type { Command, CoreState, Effect, UserRef } from "./types.ts";

const DAVE: UserRef = { userId: "u-dave", name: "Dave" };
const USERS = [ALICE, BOB, CAROL, DAVE];
const ADMIN: UserRef = { userId: "u-admin", name: "Admin" };
const EXIT_REASONS = new Set<string>(Object.values(QueueExitReason));

type Action =
  | { kind: "claim"; user: number; withRun: boolean; admin: boolean }
  | { kind: "enqueue"; user: number; withRun: boolean; releaseOnComplete: boolean; validInput: boolean }
  | { kind: "leaveQueue" | "accept" | "decline" | "release" | "disconnect" | "reconnect"; user: number }
  | { kind: "result" | "failed" | "deviceOffline" | "deviceOnline" | "ready" }
  | { kind: "drain" | "quarantine" | "returnToService" }
  | { kind: "tick"; ms: number };

const user = fc.integer({ min: 0, max: USERS.length - 1 });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("claim" as const), user, withRun: fc.boolean(), admin: fc.constantFrom(false, false, false, true) }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant("enqueue" as const), user, withRun: fc.boolean(), releaseOnComplete: fc.boolean(), validInput: fc.constantFrom(true, true, true, false) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom("leaveQueue" as const, "accept" as const, "accept" as const, "decline" as const, "release" as const, "release" as const), user }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom("disconnect" as const, "reconnect" as const), user }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constantFrom("result" as const, "result" as const, "failed" as const, "deviceOffline" as const, "deviceOnline" as const, "ready" as const, "ready" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom("drain" as const, "quarantine" as const, "returnToService" as const, "returnToService" as const) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("tick" as const), ms: fc.constantFrom(0, 1_000, 5_000, 10_000, 30_000, 61_000, 200_000) }) },
);

function commandsFor(step: Action, state: CoreState): Command[] {
  const who = "user" in step ? USERS[step.user] : ALICE;
  const holderOr = state.session?.holder ?? who;
  switch (step.kind) {
    case "claim": return [{ type: "claim", user: step.admin ? ADMIN : who, admin: step.admin, ...(step.withRun ? { sessionType: "weigh", input: { sampleId: "s" } } : {}) }];
    case "enqueue": return [{ type: "enqueue", user: who, ...(step.withRun ? { sessionType: "weigh", input: step.validInput ? { sampleId: "s" } : {}, releaseOnComplete: step.releaseOnComplete } : {}) }];
    case "leaveQueue": return [{ type: "leaveQueue", user: who }];
    case "accept": return [{ type: "acceptOffer", user: state.offer && step.user % 2 === 0 ? state.offer.entry.user : who }];
    case "decline": return [{ type: "declineOffer", user: state.offer?.entry.user ?? who }];
    case "release": return [{ type: "release", user: step.user % 2 === 0 ? holderOr : who }];
    case "disconnect": return [{ type: "ownerDisconnected", userId: who.userId }];
    case "reconnect": return [{ type: "ownerReconnected", userId: who.userId }];
    case "result": {
      const run = state.session?.run;
      return run ? [{ type: "deviceResult", epoch: state.epoch, runId: run.runId, output: {} }] : [{ type: "deviceHeartbeat" }];
    }
    case "failed": {
      const run = state.session?.run;
      return run ? [{ type: "deviceFailed", epoch: state.epoch, runId: run.runId, code: "INSTRUMENT_FAULT", message: "" }] : [{ type: "deviceHeartbeat" }];
    }
    case "deviceOffline": return [{ type: "deviceDisconnected" }];
    case "deviceOnline": return state.device.online ? [] : [{ type: "deviceConnected" }, { type: "deviceHello", firmware: "fw", sessionTypes: SESSION_TYPES, needsReset: state.device.needsReset }];
    case "ready": return [{ type: "deviceReady" }];
    case "drain": return [{ type: "drain", by: ADMIN, reason: "maintenance window" }];
    case "quarantine": return [{ type: "quarantine", by: ADMIN, reason: "suspect" }];
    case "returnToService": return [{ type: "returnToService", by: ADMIN, reason: "ok" }];
    case "tick": return [{ type: "tick" }];
  }
}

interface Ledger {
  holder: string | null;
  /** Who is in line according to the effects: joined and not yet left. */
  waiting: Set<string>;
  everQueued: Set<string>;
  /** Users who left the line, with every reason they were given. */
  exits: Map<string, string[]>;
}

const reached = { offers: 0, accepted: 0, expired: 0, unavailable: 0, notReadyRefusals: 0, disconnected: 0 };

function check(harness: SessionHarness, before: CoreState, command: Command, effects: Effect[], ledger: Ledger) {
  const after = harness.state;
  for (const effect of effects) {
    switch (effect.type) {
      case "sessionStarted": {
        expect(ledger.holder, "two holders").toBeNull();
        ledger.holder = effect.holder.userId;
        const adminHealthClaim = command.type === "claim" && command.admin && before.availability.status === DeviceAvailability.QUARANTINED;
        expect(before.availability.status === DeviceAvailability.AVAILABLE || adminHealthClaim, `granted while ${before.availability.status}`).toBe(true);
        expect(before.awaitingReadySince, "granted while a ready was owed").toBe(0);
        break;
      }
      case "sessionEnded":
        expect(ledger.holder).toBe(effect.holder.userId);
        ledger.holder = null;
        break;
      case "queueJoined":
        expect(ledger.waiting.has(effect.user.userId), "one place per user").toBe(false);
        ledger.waiting.add(effect.user.userId);
        ledger.everQueued.add(effect.user.userId);
        break;
      case "queueLeft":
        expect(ledger.waiting.has(effect.user.userId), "left a line they were not in").toBe(true);
        expect(EXIT_REASONS.has(effect.reason)).toBe(true);
        expect(effect.message.length).toBeGreaterThan(0);
        ledger.waiting.delete(effect.user.userId);
        ledger.exits.set(effect.user.userId, [...(ledger.exits.get(effect.user.userId) ?? []), effect.reason]);
        if (effect.reason === QueueExitReason.ACCEPTED) reached.accepted++;
        if (effect.reason === QueueExitReason.OFFER_EXPIRED) reached.expired++;
        if (effect.reason === QueueExitReason.DEVICE_UNAVAILABLE) reached.unavailable++;
        if (effect.reason === QueueExitReason.DISCONNECTED) reached.disconnected++;
        break;
      case "handoffOffered":
        reached.offers++;
        expect(after.session, "offered while held").toBeNull();
        expect(after.availability.status).toBe(DeviceAvailability.AVAILABLE);
        expect(after.awaitingReadySince, "offered while a ready was owed").toBe(0);
        expect(after.device.online).toBe(true);
        break;
    }
  }
  if (command.type === "claim" && before.awaitingReadySince > 0 && !before.session) reached.notReadyRefusals++;

  // The state agrees with the effects: holder, and exactly the users told they are in line.
  expect(after.session?.holder.userId ?? null).toBe(ledger.holder);
  const line = lineOf(after).map((entry) => entry.user.userId);
  expect(new Set(line).size, "one place per user").toBe(line.length);
  expect([...line].sort()).toEqual([...ledger.waiting].sort());
  // The holder is never also waiting for the same device.
  if (ledger.holder) expect(line).not.toContain(ledger.holder);
  // An open offer belongs to someone, and only when the device is free.
  if (after.offer) expect(after.session).toBeNull();

  // FIFO among those who stay: the relative order of users in line before and after is the same.
  const previous = lineOf(before).map((entry) => entry.user.userId);
  const stayed = previous.filter((id) => line.includes(id));
  expect(line.filter((id) => previous.includes(id)), "the line was reordered").toEqual(stayed);
  // Newcomers join at the end.
  const newcomers = line.filter((id) => !previous.includes(id));
  expect(line.slice(line.length - newcomers.length)).toEqual(newcomers);

  // A refused command changes nothing of the line or the availability.
  if ((harness.last.rejection)) {
    expect(lineOf(after)).toEqual(lineOf(before));
    expect(after.availability).toEqual(before.availability);
  }
}

describe("queue, hand-off, readiness and availability properties", () => {
  it("never two holders, never granted when it must not be, FIFO, nobody dropped silently, everyone served or told", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(action, { minLength: 1, maxLength: 80, size: "max" }), (needsReset, actions) => {
        const harness = onlineHarness({ timers: { handoffWindowMs: 10_000, readyTimeoutMs: 60_000, maxSessionMs: 600_000 }, rules: { maxQueueLength: 3, quarantineAfterFailures: 3 } });
        harness.apply({ type: "deviceHello", firmware: "fw", sessionTypes: SESSION_TYPES, needsReset });
        const ledger: Ledger = { holder: null, waiting: new Set(), everQueued: new Set(), exits: new Map() };
        const step = (command: Command) => {
          const before = harness.state;
          const outcome = harness.apply(command);
          check(harness, before, command, outcome.effects, ledger);
        };
        for (const item of actions) {
          if (item.kind === "tick") harness.advance(item.ms);
          for (const command of commandsFor(item, harness.state)) step(command);
        }

        // Drain the line: the device comes back, is ready and in service; everyone reconnects
        // and, when offered the device, takes it and gives it back. Each waiting user is
        // served or told why not within a bounded number of rounds.
        if (!harness.state.device.online) {
          step({ type: "deviceConnected" });
          step({ type: "deviceHello", firmware: "fw", sessionTypes: SESSION_TYPES, needsReset });
        }
        for (const waiting of USERS) step({ type: "ownerReconnected", userId: waiting.userId });
        for (let round = 0; round < 20 && (lineOf(harness.state).length > 0 || harness.state.session); round++) {
          if (harness.state.session) step({ type: "release", user: harness.state.session.holder });
          step({ type: "deviceReady" });
          step({ type: "returnToService", by: ADMIN, reason: "end of test" });
          if (harness.state.offer) step({ type: "acceptOffer", user: harness.state.offer.entry.user });
        }
        expect(lineOf(harness.state)).toEqual([]);
        expect(harness.state.session).toBeNull();
        for (const userId of ledger.everQueued) {
          expect(ledger.exits.get(userId)?.length ?? 0, `${userId} queued and was never served or told`).toBeGreaterThan(0);
        }
      }),
      { seed: 13_2026, numRuns: 150 },
    );
    // The generator reaches the interesting paths.
    expect(reached.offers).toBeGreaterThan(100);
    expect(reached.accepted).toBeGreaterThan(50);
    expect(reached.expired).toBeGreaterThan(5);
    expect(reached.unavailable).toBeGreaterThan(10);
    expect(reached.notReadyRefusals).toBeGreaterThan(5);
    expect(reached.disconnected).toBeGreaterThan(2);
  });
});
