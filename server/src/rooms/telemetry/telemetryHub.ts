/**
 * A device's telemetry, decided without a socket, a timer or the schema (issue 24): which
 * channels it declared, which samples pass its budget, which value of each channel is due
 * to go out (the newest wins: samples that come faster than the channel's rate, or within
 * one patch interval, are coalesced), the recent samples late joiners get, and which samples
 * the store keeps (one per `storeEveryMs`). The room (roomTelemetry.ts) carries out what it says.
 *
 * Nothing here reads or writes the session core: a sample never changes a session decision,
 * never waits for a commit and never delays a command (telemetryIsolation.property.test.ts).
 */
import { ErrorCode, TelemetryLimits, TelemetryPayload, TelemetryVisibility, describeZodError, errorValue, type ErrorValue, type TelemetryChannelSpec, type TelemetryRecentMessage, type TelemetrySampleValue } from "@baton/protocol";
import { TokenBucket } from "../edge/rateLimiter.ts";
import { SampleRing } from "./sampleRing.ts";

/** A value due to be shown (and, when `store`, kept by the store). */
export interface ChannelWrite {
  spec: TelemetryChannelSpec;
  value: TelemetrySampleValue;
  at: number;
  store: boolean;
}

interface Channel {
  spec: TelemetryChannelSpec;
  ring: SampleRing;
  /** The newest sample not yet shown (coalesced: a later one replaces it). */
  pending: { value: TelemetrySampleValue; at: number } | null;
  lastShownAt: number;
  lastStoredAt: number;
}

export interface TelemetryBudget {
  perSecond: number;
  burst: number;
  ringSize: number;
}

export const DEFAULT_TELEMETRY_BUDGET: TelemetryBudget = {
  perSecond: TelemetryLimits.messagesPerSecond,
  burst: TelemetryLimits.messagesBurst,
  ringSize: TelemetryLimits.ringSize,
};

export class TelemetryHub {
  private channels = new Map<string, Channel>();
  private bucket: TokenBucket;

  constructor(private readonly clock: () => number, private readonly budget: TelemetryBudget = DEFAULT_TELEMETRY_BUDGET) {
    this.bucket = new TokenBucket({ perSecond: budget.perSecond, burst: budget.burst }, clock());
  }

  /**
   * The channels of a `hello` (already validated by HelloPayload). A channel declared again
   * with the same type and visibility keeps its recent samples; others start empty; channels
   * not declared any more are gone (returned, so their shown values can be removed).
   */
  declare(specs: readonly TelemetryChannelSpec[]): TelemetryChannelSpec[] {
    const next = new Map<string, Channel>();
    for (const spec of specs) {
      const old = this.channels.get(spec.name);
      const keeps = old && old.spec.type === spec.type && old.spec.visibility === spec.visibility;
      next.set(spec.name, keeps
        ? { ...old, spec, pending: null }
        : { spec, ring: new SampleRing(this.budget.ringSize), pending: null, lastShownAt: -Infinity, lastStoredAt: -Infinity });
    }
    const gone = [...this.channels.values()].filter((channel) => next.get(channel.spec.name)?.spec.visibility !== channel.spec.visibility).map((channel) => channel.spec);
    this.channels = next;
    return gone;
  }

  /**
   * One `telemetry` message. Returns the error to answer, or null: nothing to say (accepted,
   * or refused again within the same second — a flood is answered at most once a second and
   * never closes the connection, which carries the session).
   */
  receive(payload: unknown): ErrorValue | null {
    const now = this.clock();
    if (!this.bucket.take(now)) {
      return this.warnOnce(now, errorValue(ErrorCode.RATE_LIMITED, { reason: "telemetry", perSecond: this.budget.perSecond, burst: this.budget.burst }));
    }
    const parsed = TelemetryPayload.safeParse(payload);
    if (!parsed.success) {
      return this.warnOnce(now, errorValue(ErrorCode.INVALID_MESSAGE, { reason: "payload", type: "telemetry", problem: describeZodError(parsed.error) }));
    }
    let refusal: ErrorValue | null = null;
    for (const [name, value] of Object.entries(parsed.data.values)) {
      const channel = this.channels.get(name);
      const problem = !channel ? "not declared in hello" : typeOf(value) !== channel.spec.type ? `expects a ${channel.spec.type}, got a ${typeOf(value)}` : null;
      if (problem) {
        refusal ??= errorValue(ErrorCode.INVALID_MESSAGE, { reason: "telemetryChannel", channel: name.slice(0, 64), problem });
        continue;
      }
      channel!.pending = { value, at: now };
    }
    return refusal ? this.warnOnce(now, refusal) : null;
  }

  /** When the next pending value may be shown (its channel's rate allows it), or null when nothing waits. */
  nextDueAt(): number | null {
    let due: number | null = null;
    for (const channel of this.channels.values()) {
      if (!channel.pending) continue;
      const at = Math.max(channel.pending.at, channel.lastShownAt + 1000 / channel.spec.maxRateHz);
      if (due === null || at < due) due = at;
    }
    return due;
  }

  /** The values due by `now`, each channel's newest; they enter the recent samples (and the store, when due there). */
  takeDue(now: number): ChannelWrite[] {
    const writes: ChannelWrite[] = [];
    for (const channel of this.channels.values()) {
      const pending = channel.pending;
      if (!pending || now < channel.lastShownAt + 1000 / channel.spec.maxRateHz) continue;
      channel.pending = null;
      channel.lastShownAt = now;
      channel.ring.push(pending.at, pending.value);
      const every = channel.spec.storeEveryMs;
      const store = every !== undefined && pending.at - channel.lastStoredAt >= every;
      if (store) channel.lastStoredAt = pending.at;
      writes.push({ spec: channel.spec, value: pending.value, at: pending.at, store });
    }
    return writes;
  }

  /** The holder changed: owner-only samples (recent and pending) belonged to the last session, and are dropped. */
  forgetOwnerSamples(): void {
    for (const [name, channel] of this.channels) {
      if (channel.spec.visibility !== TelemetryVisibility.OWNER) continue;
      this.channels.set(name, { ...channel, ring: new SampleRing(this.budget.ringSize), pending: null });
    }
  }

  /** The recent samples of the channels `visible` lets through (null when there are none). */
  recent(visible: (spec: TelemetryChannelSpec) => boolean): TelemetryRecentMessage | null {
    const channels: TelemetryRecentMessage["channels"] = {};
    let any = false;
    for (const channel of this.channels.values()) {
      if (!visible(channel.spec)) continue;
      channels[channel.spec.name] = { unit: channel.spec.unit, type: channel.spec.type, visibility: channel.spec.visibility, samples: channel.ring.toArray() };
      any = true;
    }
    return any ? { channels } : null;
  }

  declared(): TelemetryChannelSpec[] {
    return [...this.channels.values()].map((channel) => channel.spec);
  }

  private warnOnce(now: number, error: ErrorValue): ErrorValue | null {
    return this.bucket.shouldWarn(now) ? error : null;
  }
}

function typeOf(value: TelemetrySampleValue): TelemetryChannelSpec["type"] {
  return typeof value === "number" ? "number" : typeof value === "boolean" ? "boolean" : "string";
}
