/**
 * A device room's telemetry, beside the session core (issue 24): the room hands it the
 * device's `hello` and `telemetry` messages and tells it when users join and the holder
 * changes; it decides with the pure hub (telemetryHub.ts), shows values through the schema
 * (telemetryProjection.ts) and pushes them with the room's own patch.
 *
 * Off the control path by construction: nothing here calls the core's reducer, waits for a
 * commit or holds a command back. Values are written at most once per channel per
 * coalescing interval (the newest wins), so a device sending faster than its channel's rate
 * costs the room a map write, not a patch per sample.
 */
import type { Client } from "@colyseus/core";
import { RoomToDevice, RoomToUser, TelemetryDeclarations, TelemetryVisibility, errorSentence, type ErrorValue } from "@baton/protocol";
import type { DeviceRoomState } from "@baton/protocol/state";
import { TelemetryHub, type ChannelWrite } from "./telemetryHub.ts";
import { TelemetryProjection } from "./telemetryProjection.ts";

/**
 * The shortest time between two telemetry patches of one room: samples arriving within it
 * share one patch (each channel's newest value). A channel's own `maxRateHz` may space its
 * values further apart.
 */
export const TELEMETRY_COALESCE_MS = 50;

export interface RoomTelemetryHost<C extends Client> {
  clock(): number;
  /** The holder's user id, or null when nobody holds the device. */
  holderId(): string | null;
  send(client: C, type: string, payload: unknown): void;
  /** Push the state patch (the room's own, shared with session changes). */
  schedulePatch(): void;
  /** Wrap a timer callback so a throw closes the room, not the process. */
  guarded(what: string, callback: () => void): () => void;
  /** Samples a channel asked to keep (downsampled); off the hot path, batched by the writer. */
  keep?(writes: readonly ChannelWrite[]): void;
}

export class RoomTelemetry<C extends Client> {
  private readonly hub: TelemetryHub;
  private readonly projection: TelemetryProjection;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerAt = 0;
  private lastFlushAt = -Infinity;
  private disposed = false;

  constructor(state: DeviceRoomState, private readonly host: RoomTelemetryHost<C>) {
    this.hub = new TelemetryHub(() => host.clock());
    this.projection = new TelemetryProjection(state);
  }

  /** A `hello` the edge accepted (so its `telemetry` is valid): its channels replace the ones declared before. */
  declared(hello: unknown): void {
    const parsed = TelemetryDeclarations.safeParse((hello as { telemetry?: unknown } | null)?.telemetry ?? []);
    this.projection.forget(this.hub.declare(parsed.success ? parsed.data : []));
    this.host.schedulePatch();
  }

  /** A `telemetry` message from the device's current socket. */
  received(device: C, payload: unknown): void {
    const refusal = this.hub.receive(payload);
    if (refusal) this.refuse(device, refusal);
    this.arm();
  }

  /** After every projection of the core: at a change of holder, the owner-only values and samples of the last session are dropped. */
  afterProjection(): void {
    if (this.projection.followOwner()) this.hub.forgetOwnerSamples();
  }

  /** A user's connection joined or came back: the recent samples of every channel it may see (owner-only: this session's, for its holder). */
  userConnected(client: C, userId: string): void {
    const holds = this.host.holderId() === userId;
    const recent = this.hub.recent((spec) => spec.visibility === TelemetryVisibility.PUBLIC || holds);
    if (recent) this.host.send(client, RoomToUser.TELEMETRY_RECENT, recent);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private refuse(device: C, error: ErrorValue): void {
    this.host.send(device, RoomToDevice.ERROR, { code: error.code, message: errorSentence(error), request: "telemetry" });
  }

  /** One timer per room, for the earliest value due (never sooner than the coalescing interval after the last push). */
  private arm(minDelayMs = 0): void {
    const due = this.hub.nextDueAt();
    if (due === null || this.disposed) return;
    const at = Math.max(due, this.lastFlushAt + TELEMETRY_COALESCE_MS, this.host.clock() + minDelayMs);
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.host.guarded("pushing telemetry", () => this.flush()), Math.max(0, at - this.host.clock()));
  }

  private flush(): void {
    this.timer = null;
    if (this.disposed) return;
    const now = this.host.clock();
    const writes = this.hub.takeDue(now);
    if (writes.length > 0) {
      this.lastFlushAt = now;
      this.projection.write(writes);
      this.host.schedulePatch();
      const kept = writes.filter((write) => write.store);
      if (kept.length > 0) this.host.keep?.(kept);
    }
    this.arm(TELEMETRY_COALESCE_MS); // never a busy loop, whatever the clock says
  }
}
