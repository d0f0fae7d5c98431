/**
 * Property-based tests of the session core: random interleavings of three users, a device
 * that reports with current or wrong epochs and run ids, disconnects, reconnects, and a
 * clock that jumps by random amounts. After every single command the fencing and lifecycle
 * invariants must hold. Seeded, so a failure reproduces exactly.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EndReason, ErrorCode, HandOverEndReason, Phase } from "@baton/protocol";
import { lineOf } from "./line.ts";
import { dueDeadline, nextDeadline } from "./deadlines.ts";
import { phaseOf } from "./phase.ts";
import { sentenceOf, ALICE, BOB, CAROL, SessionHarness, ignoringLiveness, onlineHarness } from "./testing.ts";
import type { Command, CoreState, Json, Outcome, UserRef } from "./types.ts";

const USERS: UserRef[] = [ALICE, BOB, CAROL];
/** The last one is not offered by the device. */
const SESSION_TYPE_NAMES = ["weigh", "calibrate", "levitate"] as const;
const VALID_INPUT: Record<string, Json> = { weigh: { sampleId: "S" }, calibrate: { reference: 1 }, levitate: {} };
/** `booking` needs booked slots, which this generator does not make: core.bookings.test.ts reaches it. */
const END_REASONS = new Set<string>(Object.values(EndReason).filter((reason) => reason !== EndReason.BOOKING));
const ERROR_CODES = new Set<string>(Object.values(ErrorCode));

type ReportKind = "accepted" | "progress" | "result" | "failed";

type Action =
  | { kind: "claim"; user: number; withRun: boolean; sessionType: number; validInput: boolean; releaseOnComplete: boolean }
  | { kind: "run"; user: number; sessionType: number; validInput: boolean }
  | { kind: "cancel"; user: number }
  | { kind: "release"; user: number }
  | { kind: "forceRelease" }
  | { kind: "ownerDisconnected"; user: number }
  | { kind: "ownerReconnected"; user: number }
  | { kind: "deviceDisconnected" }
  | { kind: "deviceReconnected" }
  | { kind: "deviceReady" }
  | { kind: "report"; report: ReportKind; epoch: "current" | "other"; epochPick: number; runId: "current" | "started" | "foreign"; runPick: number; progress: number }
  /** Time passes without the room's timer firing yet (a command may race a deadline). */
  | { kind: "advance"; ms: number }
  | { kind: "tick"; ms: number }
  /** Hand-over to a named user (handover.ts): `to` and `user` use RECIPIENT for whoever is named now. */
  | { kind: "handOver"; user: number; to: number }
  | { kind: "withdrawHandOver"; user: number }
  | { kind: "acceptHandOver"; user: number }
  | { kind: "declineHandOver"; user: number };

/** 0–2 pick a user; HOLDER picks whoever holds the device now, so owner commands are not mostly refused. */
const HOLDER = USERS.length;
const user = fc.integer({ min: 0, max: HOLDER });
const sessionType = fc.constantFrom(0, 0, 1, 1, 2);
const validInput = fc.constantFrom(true, true, true, false);
/** Clock jumps from "nothing" through every configured timer to "all of them at once". */
const elapsed = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0, 1, 1_000, 4_000, 5_000, 10_000) },
  { weight: 1, arbitrary: fc.constantFrom(20_000, 30_000, 120_000) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 200_000 }) },
);

/** Picks the user a hand-over names right now (or Bob), so accepts and declines are not mostly refused. */
const RECIPIENT = HOLDER + 1;
const party = fc.integer({ min: 0, max: RECIPIENT });

function pickUser(index: number, state: CoreState): UserRef {
  if (index === RECIPIENT) return USERS.find((candidate) => candidate.userId === state.handover?.to.userId) ?? BOB;
  return index === HOLDER ? state.session?.holder ?? ALICE : USERS[index];
}

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("claim" as const), user, withRun: fc.boolean(), sessionType, validInput, releaseOnComplete: fc.boolean() }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("run" as const), user, sessionType, validInput }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("cancel" as const), user }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("release" as const), user }) },
  { weight: 1, arbitrary: fc.constant({ kind: "forceRelease" as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("ownerDisconnected" as const), user }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("ownerReconnected" as const), user }) },
  { weight: 2, arbitrary: fc.constant({ kind: "deviceDisconnected" as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: "deviceReconnected" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "deviceReady" as const }) },
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant("report" as const),
      report: fc.constantFrom<ReportKind>("accepted", "progress", "progress", "result", "result", "failed"),
      epoch: fc.constantFrom("current" as const, "current" as const, "current" as const, "other" as const),
      epochPick: fc.nat(),
      runId: fc.constantFrom("current" as const, "current" as const, "current" as const, "started" as const, "foreign" as const),
      runPick: fc.nat(),
      progress: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: elapsed }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("tick" as const), ms: elapsed }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("handOver" as const), user: party, to: fc.integer({ min: 0, max: HOLDER }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("withdrawHandOver" as const), user: party }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("acceptHandOver" as const), user: party }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("declineHandOver" as const), user: party }) },
);

/** What the checker remembers across steps: the truth the effects told so far. */
interface Ledger {
  openSession: { holder: UserRef; epoch: number } | null;
  lastStartedEpoch: number;
  sessionsStarted: number;
  /** Who held the device, and at which epoch, when each run was started. */
  runOwners: Map<string, { userId: string; epoch: number }>;
  startedRunIds: string[];
  finishedRunIds: Set<string>;
  deliveredRunIds: Set<string>;
  lastEndReason: string;
}

/** How often interesting things happened over all runs, so the generator is known to reach them. */
const reached = { deliverResult: 0, orphanedResult: 0, duplicateAck: 0, runTimeout: 0, busy: 0, endReasons: new Set<string>(), handOverEnds: new Set<string>(), acceptRefusedForRun: 0 };

function newLedger(): Ledger {
  return {
    openSession: null, lastStartedEpoch: 0, sessionsStarted: 0, runOwners: new Map(), startedRunIds: [],
    finishedRunIds: new Set(), deliveredRunIds: new Set(), lastEndReason: "",
  };
}

/** Turns an abstract action into core commands, resolving epochs and run ids against the current state. */
function commandsFor(step: Action, state: CoreState, ledger: Ledger, resultCounter: { next: number }): Command[] {
  switch (step.kind) {
    case "claim": {
      const name = SESSION_TYPE_NAMES[step.sessionType];
      return [step.withRun
        ? { type: "claim", user: pickUser(step.user, state), sessionType: name, input: step.validInput ? VALID_INPUT[name] : {}, releaseOnComplete: step.releaseOnComplete }
        : { type: "claim", user: pickUser(step.user, state), releaseOnComplete: step.releaseOnComplete }];
    }
    case "run": {
      const name = SESSION_TYPE_NAMES[step.sessionType];
      return [{ type: "run", user: pickUser(step.user, state), sessionType: name, input: step.validInput ? VALID_INPUT[name] : {} }];
    }
    case "cancel": return [{ type: "cancel", user: pickUser(step.user, state) }];
    case "release": return [{ type: "release", user: pickUser(step.user, state) }];
    case "forceRelease": return [{ type: "forceRelease", by: { userId: "root", name: "Root" }, reason: "test" }];
    case "ownerDisconnected": return [{ type: "ownerDisconnected", userId: pickUser(step.user, state).userId }];
    case "ownerReconnected": return [{ type: "ownerReconnected", userId: pickUser(step.user, state).userId }];
    case "deviceDisconnected": return [{ type: "deviceDisconnected" }];
    case "deviceReconnected": return [{ type: "deviceConnected" }, { type: "deviceHello", firmware: "fw", sessionTypes: state.device.sessionTypes }];
    case "deviceReady": return [{ type: "deviceReady" }];
    case "handOver": return [{ type: "offerHandover", user: pickUser(step.user, state), to: pickUser(step.to, state) }];
    case "withdrawHandOver": return [{ type: "withdrawHandover", user: pickUser(step.user, state) }];
    case "acceptHandOver": return [{ type: "acceptHandover", user: pickUser(step.user, state) }];
    case "declineHandOver": return [{ type: "declineHandover", user: pickUser(step.user, state) }];
    case "advance":
    case "tick": return [{ type: "tick" }];
    case "report": {
      let epoch = state.epoch;
      if (step.epoch === "other") {
        epoch = step.epochPick % (state.epoch + 3);
        if (epoch === state.epoch) epoch += 1;
      }
      const current = state.session?.run?.runId;
      let runId: string;
      if (step.runId === "current" && current) runId = current;
      else if (step.runId !== "foreign" && ledger.startedRunIds.length > 0) runId = ledger.startedRunIds[step.runPick % ledger.startedRunIds.length];
      else runId = `foreign-${step.runPick % 5}`;
      switch (step.report) {
        case "accepted": return [{ type: "deviceAccepted", epoch, runId }];
        case "progress": return [{ type: "deviceProgress", epoch, runId, progress: step.progress }];
        case "result": return [{ type: "deviceResult", epoch, runId, output: { n: resultCounter.next++ } }];
        case "failed": return [{ type: "deviceFailed", epoch, runId, code: "DEVICE_FAILED", message: "" }];
      }
    }
  }
}

/** Every invariant that must hold across one command. Throws (via expect) on the first violation. */
function checkStep(before: CoreState, command: Command, outcome: Outcome, ledger: Ledger, harness: SessionHarness): void {
  const after = outcome.state;

  for (const effect of outcome.effects) {
    switch (effect.type) {
      case "sessionStarted":
        // A claim, or the named user accepting a hand-over — never anything else.
        expect(["claim", "acceptHandover"]).toContain(command.type);
        expect(ledger.openSession, "a session started while another was open").toBeNull();
        expect(effect.epoch, "epoch must grow by exactly one per new holder").toBe(ledger.lastStartedEpoch + 1);
        expect(effect.holder.userId).toBe((command as Extract<Command, { type: "claim" | "acceptHandover" }>).user.userId);
        ledger.openSession = { holder: effect.holder, epoch: effect.epoch };
        ledger.lastStartedEpoch = effect.epoch;
        ledger.sessionsStarted++;
        break;
      case "sessionEnded":
        expect(ledger.openSession, "a session ended that was not open").not.toBeNull();
        expect(effect.epoch).toBe(ledger.openSession!.epoch);
        expect(effect.holder).toEqual(ledger.openSession!.holder);
        expect(END_REASONS.has(effect.reason), `unknown end reason "${effect.reason}"`).toBe(true);
        ledger.openSession = null;
        ledger.lastEndReason = effect.reason;
        reached.endReasons.add(effect.reason);
        break;
      case "runStarted":
        expect(ledger.openSession).not.toBeNull();
        expect(effect.epoch).toBe(ledger.openSession!.epoch);
        expect(ledger.runOwners.has(effect.runId), "run ids are never reused").toBe(false);
        ledger.runOwners.set(effect.runId, { userId: ledger.openSession!.holder.userId, epoch: effect.epoch });
        ledger.startedRunIds.push(effect.runId);
        break;
      case "deliverResult": {
        expect(command.type).toBe("deviceResult");
        const report = command as Extract<Command, { type: "deviceResult" }>;
        expect(report.epoch, "a result was delivered although its epoch is not the current one").toBe(before.epoch);
        expect(report.runId).toBe(effect.runId);
        expect(before.session?.run?.runId).toBe(effect.runId);
        const owner = ledger.runOwners.get(effect.runId);
        expect(owner, "a result was delivered for a run never started").toBeDefined();
        expect(effect.userId, "a result went to someone other than the run's holder").toBe(owner!.userId);
        expect(effect.epoch).toBe(owner!.epoch);
        expect(ledger.deliveredRunIds.has(effect.runId), "a result was delivered twice").toBe(false);
        ledger.deliveredRunIds.add(effect.runId);
        reached.deliverResult++;
        break;
      }
      case "deliverFailure":
        expect(effect.userId).toBe(ledger.runOwners.get(effect.runId)?.userId);
        if (effect.code === ErrorCode.RUN_TIMEOUT) reached.runTimeout++;
        break;
      case "runCompleted":
      case "runFailed":
        expect(ledger.runOwners.has(effect.runId)).toBe(true);
        expect(ledger.finishedRunIds.has(effect.runId), "a run finished twice").toBe(false);
        expect(effect.epoch).toBe(ledger.runOwners.get(effect.runId)!.epoch);
        ledger.finishedRunIds.add(effect.runId);
        break;
      case "orphanedResult":
        expect(command.type).toBe("deviceResult");
        reached.orphanedResult++;
        break;
      case "sendToDevice":
        if (effect.message === "start" || effect.message === "cancel") {
          const runId = effect.payload.runId as string;
          expect(ledger.runOwners.get(runId)?.epoch, "a device command carries the run's epoch").toBe(effect.payload.epoch);
        }
        if (effect.message === "ack") {
          expect(["deviceResult", "deviceFailed"], "only a result or a failure is acknowledged").toContain(command.type);
          if (outcome.effects.length === 1) reached.duplicateAck++;
        }
        break;
      case "deviceOnline":
        expect(before.device.online).toBe(false);
        break;
      case "handoverEnded":
        expect(before.handover, "a hand-over ended that was not open").toBeTruthy();
        expect(effect.to.userId).toBe(before.handover!.to.userId);
        reached.handOverEnds.add(effect.reason);
        break;
      case "deviceOffline":
        expect(before.device.online).toBe(true);
        break;
    }
  }

  checkHandOver(before, command, outcome, harness);

  // The state agrees with what the effects said.
  expect(after.session === null).toBe(ledger.openSession === null);
  if (after.session) expect(after.session.holder).toEqual(ledger.openSession!.holder);
  expect(after.epoch).toBe(ledger.lastStartedEpoch);
  expect(after.epoch).toBeGreaterThanOrEqual(before.epoch);
  expect(after.lastEndReason).toBe(ledger.lastEndReason);
  expect(phaseOf(after) === Phase.IDLE).toBe(after.session === null);

  // No session, no timer.
  if (!after.session) expect(nextDeadline(after, harness.timers)).toBeNull();
  // A tick leaves nothing overdue.
  if (command.type === "tick") expect(dueDeadline(after, harness.timers, harness.now)).toBeNull();

  // Never two holders: a claim by someone else while the device is held is always refused.
  if (command.type === "claim" && before.session) {
    expect(outcome.rejection?.code).toBe(before.session.holder.userId === command.user.userId ? ErrorCode.ALREADY_HOLDER : ErrorCode.DEVICE_BUSY);
    expect(after.session?.holder).toEqual(before.session.holder);
    if (outcome.rejection?.code === ErrorCode.DEVICE_BUSY) reached.busy++;
  }

  if (outcome.rejection) {
    expect(ERROR_CODES.has(outcome.rejection.code)).toBe(true);
    expect(sentenceOf(outcome.rejection)!.length).toBeGreaterThan(0);
    // Only a refused result has consequences (it is recorded and acked); every other refusal changes nothing.
    if (command.type !== "deviceResult") {
      expect(ignoringLiveness(after)).toEqual(ignoringLiveness(before));
      expect(outcome.effects).toEqual([]);
    }
  }

  // …and the genuine result of the run in flight is always delivered, whatever the device sent before it.
  if (command.type === "deviceResult" && command.epoch === before.epoch && command.runId === before.session?.run?.runId) {
    expect(outcome.effects.filter((effect) => effect.type === "deliverResult"), "the current run's result was swallowed").toHaveLength(1);
  }

  // The run in flight is a started, unfinished run of the current holder; its progress never goes back.
  const run = after.session?.run;
  if (run) {
    expect(ledger.runOwners.get(run.runId)).toEqual({ userId: after.session!.holder.userId, epoch: after.epoch });
    expect(ledger.finishedRunIds.has(run.runId)).toBe(false);
    if (before.session?.run?.runId === run.runId) expect(run.progress).toBeGreaterThanOrEqual(before.session.run.progress);
  }
}

/**
 * A hand-over never makes two holders and never cuts a run short: an open offer belongs to
 * the session in flight and names someone else; it completes only between runs, by the
 * named user, in one transition that ends the holder's session and starts theirs.
 */
function checkHandOver(before: CoreState, command: Command, outcome: Outcome, harness: SessionHarness): void {
  const after = outcome.state;
  const offer = after.handover;
  if (offer) {
    expect(after.session, "a hand-over is open without a session").not.toBeNull();
    expect(offer.from.userId).toBe(after.session!.holder.userId);
    expect(offer.epoch).toBe(after.epoch);
    expect(offer.to.userId).not.toBe(offer.from.userId);
    if (command.type === "tick") expect(offer.expiresAt, "an expired hand-over is still open after a tick").toBeGreaterThan(harness.now);
  }
  const handedOver = outcome.effects.filter((effect) => effect.type === "sessionEnded" && effect.reason === EndReason.HANDED_OVER);
  if (handedOver.length > 0) {
    expect(command.type).toBe("acceptHandover");
    const accepter = (command as Extract<Command, { type: "acceptHandover" }>).user;
    expect(before.handover?.to.userId).toBe(accepter.userId);
    expect(before.session?.run, "a hand-over completed while a run was in flight").toBeNull();
    expect(outcome.effects.some((effect) => effect.type === "runFailed"), "a hand-over cut a run short").toBe(false);
    expect(after.session?.holder.userId).toBe(accepter.userId);
    expect(after.epoch).toBe(before.epoch + 1);
    // The new holder waits in no line for the device they hold.
    expect(lineOf(after).some((entry) => entry.user.userId === accepter.userId)).toBe(false);
  }
  if (command.type === "acceptHandover" && outcome.rejection?.code === ErrorCode.HAND_OVER_REFUSED) reached.acceptRefusedForRun++;
  // Only an accept by the named user changes the holder through a hand-over.
  if (command.type === "offerHandover" || command.type === "withdrawHandover" || command.type === "declineHandover") {
    expect(after.session?.holder.userId).toBe(before.session?.holder.userId);
    expect(after.epoch).toBe(before.epoch);
  }
}

function apply(harness: SessionHarness, command: Command, ledger: Ledger): void {
  const before = harness.state;
  const outcome = harness.apply(command);
  checkStep(before, command, outcome, ledger, harness);
}

describe("session core properties", () => {
  it("keeps fencing and lifecycle invariants under random interleavings of users, device and clock", () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 60, size: "max" }), (actions) => {
        // A short session cap, so max_duration is reachable within one sequence too.
        const harness = onlineHarness({ timers: { maxSessionMs: 240_000 } });
        const ledger = newLedger();
        const resultCounter = { next: 0 };

        for (const step of actions) {
          if (step.kind === "advance" || step.kind === "tick") harness.advance(step.ms);
          if (step.kind === "advance") continue;
          for (const command of commandsFor(step, harness.state, ledger, resultCounter)) apply(harness, command, ledger);
        }

        // An admin force-release and a tick always leave the device free, with the reason recorded.
        apply(harness, { type: "forceRelease", by: { userId: "root", name: "Root" }, reason: "test" }, ledger);
        apply(harness, { type: "tick" }, ledger);
        expect(phaseOf(harness.state)).toBe(Phase.IDLE);
        expect(ledger.openSession).toBeNull();
        expect(nextDeadline(harness.state, harness.timers)).toBeNull();
        if (ledger.sessionsStarted > 0) expect(harness.state.lastEndReason).not.toBe("");
        // Every session that started ended exactly once (checked step by step), and every run finished exactly once.
        expect(ledger.finishedRunIds.size).toBe(ledger.runOwners.size);
      }),
      { seed: 20261123, numRuns: 300 },
    );

    // The generator must actually reach the interesting paths, or the properties above prove little.
    expect(reached.deliverResult).toBeGreaterThan(30);
    expect(reached.orphanedResult).toBeGreaterThan(20);
    expect(reached.duplicateAck).toBeGreaterThan(5);
    expect(reached.runTimeout).toBeGreaterThan(5);
    expect(reached.busy).toBeGreaterThan(50);
    expect([...reached.endReasons].sort()).toEqual([...END_REASONS].sort());
    expect([...reached.handOverEnds].sort()).toEqual(Object.values(HandOverEndReason).sort());
    expect(reached.acceptRefusedForRun).toBeGreaterThan(2);
  });

  it("never credits a result to a later holder, whatever epoch and run id the device sends", () => {
    // A focused property: Alice's run is in flight, the session changes hands, and the device
    // then sends Alice's result with any epoch. Nobody but Alice may ever receive it.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.boolean(), (epoch, runAgain) => {
        const harness = onlineHarness();
        harness.claim(ALICE);
        harness.run(ALICE, "weigh", { sampleId: "S" });
        harness.apply({ type: "release", user: ALICE });
        harness.claim(BOB);
        if (runAgain) harness.run(BOB, "weigh", { sampleId: "S" });
        const outcome = harness.apply({ type: "deviceResult", epoch, runId: "run-1", output: {} });
        expect(outcome.effects.filter((effect) => effect.type === "deliverResult")).toEqual([]);
        expect(outcome.effects.at(-1)).toEqual({ type: "sendToDevice", message: "ack", payload: { runId: "run-1" } });
      }),
      { seed: 7, numRuns: 50 },
    );
  });
});
