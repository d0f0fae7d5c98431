/**
 * Test helpers for the pure session core: a fake clock, deterministic run ids, a tiny
 * input validator (required keys and primitive types only — the real one is ajv, in the
 * room), and a harness that threads state through `reduce` so tests read as a story.
 *
 * Used only by the `*.test.ts` files beside it; nothing in production imports it.
 */
import { errorSentence, type ErrorValue } from "@baton/protocol";
import { initialState } from "./core.ts";
import { reduce } from "./reduce.ts";
import { DEFAULT_RULES } from "./rules.ts";
import type { Command, CoreContext, CoreState, Effect, Json, Outcome, SessionRules, SessionTimers, SessionTypeSpec, UserRef } from "./types.ts";

export interface HarnessOptions {
  timers?: Partial<SessionTimers>;
  rules?: Partial<SessionRules>;
  now?: number;
}

/** Starts far from 0 on purpose: the core uses 0 as "not set" for `ownerLostAt` and `expiresAt`. */
export const T0 = 1_000_000;

export const DEVICE_ID = "scale-1";

export const TIMERS: SessionTimers = {
  ownerReconnectGraceMs: 30_000,
  ownerIdleTimeoutMs: 120_000,
  maxSessionMs: 3_600_000,
  runStepTimeoutMs: 10_000,
  deviceGraceMs: 20_000,
  deviceSilenceTimeoutMs: 0,
  maxSessionMsByType: {},
  handoffWindowMs: 30_000,
  readyTimeoutMs: 0,
};

export const ALICE: UserRef = { userId: "u-alice", name: "Alice" };
export const BOB: UserRef = { userId: "u-bob", name: "Bob" };
export const CAROL: UserRef = { userId: "u-carol", name: "Carol" };

/** The seed's one-shot flow: weigh a sample, no declared step timeout (the default applies). */
export const WEIGH: SessionTypeSpec = {
  name: "weigh",
  inputSchema: { type: "object", required: ["sampleId"], properties: { sampleId: { type: "string" }, repeats: { type: "number" } } },
  maxDurationMs: 60_000,
};

/** A long lab procedure with its own, shorter step timeout. */
export const CALIBRATE: SessionTypeSpec = {
  name: "calibrate",
  inputSchema: { type: "object", required: ["reference"], properties: { reference: { type: "number" } } },
  maxDurationMs: 600_000,
  stepTimeoutMs: 5_000,
};

export const SESSION_TYPES: SessionTypeSpec[] = [WEIGH, CALIBRATE];

/**
 * Checks `required` keys and the `type` of declared primitive properties. Enough to tell
 * valid from invalid input in these tests without pulling ajv into the pure core's tests.
 */
export function validateRequiredKeys(spec: SessionTypeSpec, input: Json): string | null {
  const schema = spec.inputSchema as { required?: unknown; properties?: Record<string, { type?: unknown }> };
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  for (const key of required) {
    if (!(key in input)) return `missing required key "${key}"`;
  }
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    if (key in input && typeof property.type === "string" && typeof input[key] !== property.type) {
      return `"${key}" must be a ${property.type}`;
    }
  }
  return null;
}

/** Run ids "run-1", "run-2", … in order of creation. */
export function sequentialRunIds(prefix = "run-"): () => string {
  let next = 0;
  return () => `${prefix}${++next}`;
}

/**
 * Threads one device's state through `reduce` with a fake clock. Every call records its
 * outcome in `last`, so a test can apply a command and then look at what came out.
 */
export class SessionHarness {
  state: CoreState;
  now: number;
  timers: SessionTimers;
  readonly newRunId: () => string;
  /** The outcome of the latest command. */
  last: Outcome;
  /** Every effect emitted since the harness was created, in order. */
  readonly allEffects: Effect[] = [];
  rules: SessionRules;

  constructor(options: HarnessOptions = {}) {
    this.now = options.now ?? T0;
    this.timers = { ...TIMERS, ...options.timers };
    this.rules = { ...DEFAULT_RULES, ...options.rules };
    this.newRunId = sequentialRunIds();
    this.state = initialState(DEVICE_ID, this.now);
    this.last = { state: this.state, effects: [] };
  }

  get context(): CoreContext {
    return { now: this.now, newRunId: this.newRunId, timers: this.timers, validateInput: validateRequiredKeys, rules: this.rules };
  }

  apply(command: Command): Outcome {
    const outcome = reduce(this.state, command, this.context);
    this.state = outcome.state;
    this.last = outcome;
    this.allEffects.push(...outcome.effects);
    return outcome;
  }

  /** Moves the fake clock; fires nothing by itself (the room only reduces `tick` when its timer fires). */
  advance(ms: number): this {
    this.now += ms;
    return this;
  }

  tick(): Outcome {
    return this.apply({ type: "tick" });
  }

  /** Advances the clock, then ticks, as the room's single timer would. */
  advanceAndTick(ms: number): Outcome {
    this.advance(ms);
    return this.tick();
  }

  hello(sessionTypes: SessionTypeSpec[] = SESSION_TYPES, firmware = "scale-fw 1.0.0"): Outcome {
    return this.apply({ type: "deviceHello", firmware, sessionTypes });
  }

  claim(user: UserRef, options: { sessionType?: string; input?: Json; releaseOnComplete?: boolean } = {}): Outcome {
    return this.apply({ type: "claim", user, ...options });
  }

  run(user: UserRef, sessionType: string, input: Json): Outcome {
    return this.apply({ type: "run", user, sessionType, input });
  }

  /** The run in flight; fails the test (by throwing) when there is none. */
  get currentRun() {
    const run = this.state.session?.run;
    if (!run) throw new Error("expected a run in flight");
    return run;
  }

  progress(value: number, message?: string): Outcome {
    const run = this.currentRun;
    return this.apply({ type: "deviceProgress", epoch: this.state.epoch, runId: run.runId, progress: value, message });
  }

  result(output: Json): Outcome {
    const run = this.currentRun;
    return this.apply({ type: "deviceResult", epoch: this.state.epoch, runId: run.runId, output });
  }
}

/** A harness whose device has said hello, so it can be claimed. */
export function onlineHarness(options: HarnessOptions = {}): SessionHarness {
  const harness = new SessionHarness(options);
  harness.apply({ type: "deviceConnected" });
  harness.hello();
  return harness;
}

/** The effects of `outcome` of one `type`, narrowed. */
export function effectsOf<K extends Effect["type"]>(outcome: Outcome | Effect[], type: K): Extract<Effect, { type: K }>[] {
  const effects = Array.isArray(outcome) ? outcome : outcome.effects;
  return effects.filter((effect): effect is Extract<Effect, { type: K }> => effect.type === type);
}

/** The messages sent to the device in `outcome`, as `[message, payload]` pairs. */
export function deviceMessages(outcome: Outcome | Effect[]): Array<[string, Json]> {
  return effectsOf(outcome, "sendToDevice").map((effect) => [effect.message, effect.payload]);
}

/** Effect types in order — for asserting sequences compactly. */
export function effectTypes(outcome: Outcome): string[] {
  return outcome.effects.map((effect) => (effect.type === "sendToDevice" ? `sendToDevice:${effect.message}` : effect.type));
}

/**
 * The state with the device's liveness stamp blanked: every device report, even a refused
 * one, is proof of life and moves `device.lastSeenAt`; "changes nothing" means nothing else.
 */
export function ignoringLiveness(state: CoreState): CoreState {
  return { ...state, device: { ...state.device, lastSeenAt: 0 } };
}

/** The sentence a rejection renders to (what a room sends with it), or undefined when there is none. */
export function sentenceOf(rejection: ErrorValue | undefined): string | undefined {
  return rejection && errorSentence(rejection);
}
