/**
 * Property-based test of a pool over three *real* device cores (session/reduce.ts), as the
 * rooms would run them: the pool's `tryClaim` is answered by the device's own core deciding
 * a `claim` ("grant if free, else refuse"), at a moment the test chooses, while users also
 * claim devices directly, holders release, devices drop and return, freed-device
 * notifications get lost and the clock jumps. After every step:
 * - never two holders because of a pool: at most one conditional claim in flight, and every
 *   `granted` the pool reports is the device core's holder at that epoch, never reported twice;
 * - FIFO: the pool's line is exactly the accepted `claim_any`s in order, minus those served
 *   or told; a grant goes to the first in line (or to a user whose leave crossed their grant);
 * - nobody leaves silently: every exit is a `granted` or a `poolLeft` with a known reason.
 * At the end, with every device free and online, every waiter was served or told why not.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PoolExitReason } from "@baton/protocol";
import { initialPoolState, reducePool, type PoolCommand, type PoolEffect, type PoolState } from "./pool.ts";
import { sentenceOf, ALICE, BOB, CAROL, SessionHarness } from "./testing.ts";
import { initialState } from "./core.ts";
import type { UserRef } from "./types.ts";

const DAVE: UserRef = { userId: "u-dave", name: "Dave" };
const USERS = [ALICE, BOB, CAROL, DAVE];
const DEVICES = ["scale-a", "scale-b", "scale-c"];
const RETRY_MS = 2_000;
const EXIT_REASONS = new Set<string>(Object.values(PoolExitReason));

type Action =
  | { kind: "claimAny"; user: number; valid: boolean }
  | { kind: "leavePool"; user: number }
  | { kind: "directClaim"; user: number; device: number }
  | { kind: "release" | "offline" | "online"; device: number; notify: boolean }
  | { kind: "answer" }
  | { kind: "tick"; ms: number };

const user = fc.integer({ min: 0, max: USERS.length - 1 });
const device = fc.integer({ min: 0, max: DEVICES.length - 1 });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("claimAny" as const), user, valid: fc.constantFrom(true, true, true, false) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("leavePool" as const), user }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("directClaim" as const), user, device }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constantFrom("release" as const, "release" as const, "offline" as const, "online" as const), device, notify: fc.constantFrom(true, true, false) }) },
  { weight: 8, arbitrary: fc.constant({ kind: "answer" as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("tick" as const), ms: fc.constantFrom(0, 500, RETRY_MS, 10_000) }) },
);

class World {
  now = 1_000_000;
  pool: PoolState = initialPoolState("scale", DEVICES, this.now);
  readonly devices = new Map<string, SessionHarness>();
  /** The conditional claims asked and not yet answered (the invariant: at most one). */
  pending: Extract<PoolEffect, { type: "tryClaim" }>[] = [];
  /** The model of the pool's line: accepted claim_any's, in order, until served or told. */
  line: string[] = [];
  /** Users whose request is open (asked, not yet granted or told); a leave closes it. */
  readonly open = new Set<string>();
  readonly grantedEpochs = new Set<string>();
  granted = 0;

  constructor() {
    for (const deviceId of DEVICES) {
      const harness = new SessionHarness({ now: this.now });
      harness.state = initialState(deviceId, this.now);
      harness.apply({ type: "deviceConnected" });
      harness.hello();
      this.devices.set(deviceId, harness);
    }
  }

  pool_(command: PoolCommand) {
    const outcome = reducePool(this.pool, command, { now: this.now, maxWaiting: 10, retryMs: RETRY_MS });
    this.pool = outcome.state;
    if (command.type === "claimAny" && !outcome.rejection) {
      this.line.push(command.user.userId);
      this.open.add(command.user.userId);
    }
    for (const effect of outcome.effects) this.observe(effect);
    this.check();
    return outcome;
  }

  observe(effect: PoolEffect) {
    switch (effect.type) {
      case "tryClaim":
        this.pending.push(effect);
        expect(this.pending.length).toBe(1);
        break;
      case "granted": {
        const holder = this.devices.get(effect.deviceId)!.state;
        expect(holder.session?.holder.userId).toBe(effect.user.userId);
        expect(holder.epoch).toBe(effect.epoch);
        const key = `${effect.deviceId}/${effect.epoch}`;
        expect(this.grantedEpochs.has(key)).toBe(false);
        this.grantedEpochs.add(key);
        // FIFO: the first in line, unless their leave crossed the grant (then not in line at all).
        if (this.line.includes(effect.user.userId)) expect(this.line[0]).toBe(effect.user.userId);
        this.line = this.line.filter((userId) => userId !== effect.user.userId);
        this.open.delete(effect.user.userId);
        this.granted++;
        break;
      }
      case "poolLeft":
        expect(EXIT_REASONS.has(effect.reason)).toBe(true);
        expect(this.line).toContain(effect.user.userId);
        this.line = this.line.filter((userId) => userId !== effect.user.userId);
        this.open.delete(effect.user.userId);
        break;
      case "positionsChanged":
        break;
    }
  }

  check() {
    expect(this.pool.waiting.map((waiter) => waiter.user.userId)).toEqual(this.line);
    expect(this.pool.attempt ? 1 : 0).toBe(this.pending.length);
  }

  /** The device room's `claimIfFree`: its own core decides the claim. */
  answer() {
    const ask = this.pending.shift();
    if (!ask) return;
    const harness = this.devices.get(ask.deviceId)!;
    harness.now = this.now;
    const outcome = harness.apply({ type: "claim", user: ask.user, ...ask.request });
    const answer = outcome.rejection
      ? { granted: false as const, code: outcome.rejection.code, message: sentenceOf(outcome.rejection)! }
      : { granted: true as const, epoch: harness.state.epoch };
    this.pool_({ type: "answer", attemptId: ask.attemptId, deviceId: ask.deviceId, answer });
  }

  deviceCommand(deviceId: string, command: Parameters<SessionHarness["apply"]>[0], notify: boolean) {
    const harness = this.devices.get(deviceId)!;
    harness.now = this.now;
    harness.apply(command);
    if (notify && !harness.state.session && harness.state.device.online) this.pool_({ type: "deviceFreed", deviceId });
  }

  step(step: Action) {
    switch (step.kind) {
      case "claimAny":
        this.pool_({ type: "claimAny", user: USERS[step.user], request: step.valid ? { sessionType: "weigh", input: { sampleId: "s" }, releaseOnComplete: false } : { sessionType: "weigh", input: {} } });
        break;
      case "leavePool": {
        const outcome = this.pool_({ type: "leavePool", user: USERS[step.user] });
        if (!outcome.rejection) this.open.delete(USERS[step.user].userId);
        break;
      }
      case "directClaim":
        this.deviceCommand(DEVICES[step.device], { type: "claim", user: USERS[step.user] }, false);
        break;
      case "release": {
        const holder = this.devices.get(DEVICES[step.device])!.state.session?.holder;
        if (holder) this.deviceCommand(DEVICES[step.device], { type: "release", user: holder }, step.notify);
        break;
      }
      case "offline":
        this.deviceCommand(DEVICES[step.device], { type: "deviceDisconnected" }, false);
        break;
      case "online":
        this.deviceCommand(DEVICES[step.device], { type: "deviceConnected" }, false);
        this.deviceCommand(DEVICES[step.device], { type: "deviceHello", firmware: "fw", sessionTypes: this.devices.get(DEVICES[step.device])!.state.device.sessionTypes.length ? this.devices.get(DEVICES[step.device])!.state.device.sessionTypes : [] }, step.notify);
        break;
      case "answer":
        this.answer();
        break;
      case "tick":
        this.now += step.ms;
        this.pool_({ type: "tick" });
        break;
    }
  }

  /** Every device back, free and online; then everyone answers until nobody waits. */
  settle() {
    for (const deviceId of DEVICES) {
      const harness = this.devices.get(deviceId)!;
      if (!harness.state.device.online) {
        this.deviceCommand(deviceId, { type: "deviceConnected" }, false);
        harness.hello();
      }
    }
    for (let round = 0; round < 500 && (this.pool.waiting.length > 0 || this.pending.length > 0); round++) {
      for (const deviceId of DEVICES) {
        const holder = this.devices.get(deviceId)!.state.session?.holder;
        if (holder) this.deviceCommand(deviceId, { type: "release", user: holder }, round % 2 === 0);
      }
      if (this.pending.length > 0) this.answer();
      else {
        this.now += RETRY_MS;
        this.pool_({ type: "tick" });
      }
    }
  }
}

describe("pool over real device cores (property)", () => {
  it("never two holders because of a pool, FIFO among waiters, every waiter served or told", () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 120 }), (steps) => {
        const world = new World();
        for (const step of steps) world.step(step);
        world.settle();
        expect(world.pool.waiting).toEqual([]);
        expect(world.pending).toEqual([]);
        expect([...world.open]).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("invalid requests are told, valid ones are served, and a busy device is skipped for a free one", () => {
    const world = new World();
    world.step({ kind: "directClaim", user: 3, device: 0 });
    world.step({ kind: "claimAny", user: 0, valid: true });
    world.answer(); // scale-a is held by Dave: refused
    world.answer(); // scale-b is free
    expect(world.devices.get("scale-b")!.state.session?.holder.userId).toBe(ALICE.userId);
    world.step({ kind: "claimAny", user: 1, valid: false });
    for (let i = 0; i < 3; i++) world.answer();
    // Two devices are busy (they might take the request once free): Bob still waits…
    expect(world.pool.waiting.map((waiter) => waiter.user.userId)).toEqual([BOB.userId]);
    // …until every device has refused the request itself.
    world.settle();
    expect(world.open.has(BOB.userId)).toBe(false);
    expect(world.pool.waiting).toEqual([]);
  });
});
