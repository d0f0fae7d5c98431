/**
 * Telemetry values → schema state: public channels into `state.telemetry.readings` (in the view every
 * spectator shares), owner-only ones into `state.owner.telemetry.readings` — inside the holder's
 * OwnerData, which only the holder's connections have in view and which is made anew for
 * every holder (projection/projection.ts), so the next holder's values never reach the last,
 * and the last holder's never reach the next (nothing is carried into a new OwnerData).
 * Only values that changed are assigned, so an unchanged field never enters a patch.
 */
import type { MapSchema } from "@colyseus/schema";
import { TelemetryReading, type DeviceRoomState, type OwnerData } from "@baton/protocol/state";
import { TelemetryVisibility, type TelemetryChannelSpec, type TelemetrySampleValue } from "@baton/protocol";
import type { ChannelWrite } from "./telemetryHub.ts";

export class TelemetryProjection {
  /** The OwnerData the owner-only values were last written into. */
  private ownerData: OwnerData | null = null;
  /** The newest owner-only values, to fill the next holder's OwnerData from. */
  private readonly ownerValues = new Map<string, ChannelWrite>();

  constructor(private readonly state: DeviceRoomState) {}

  write(writes: readonly ChannelWrite[]): void {
    for (const write of writes) {
      if (write.spec.visibility === TelemetryVisibility.OWNER) {
        this.ownerValues.set(write.spec.name, write);
        show(this.state.owner.telemetry.readings, write.spec, write.value, write.at);
      } else {
        show(this.state.telemetry.readings, write.spec, write.value, write.at);
      }
    }
  }

  /** Channels the device no longer declares (or whose visibility changed) disappear from both maps. */
  forget(specs: readonly TelemetryChannelSpec[]): void {
    for (const spec of specs) {
      this.state.telemetry.readings.delete(spec.name);
      this.state.owner.telemetry.readings.delete(spec.name);
      this.ownerValues.delete(spec.name);
    }
  }

  /**
   * After each projection of the core: the holder changed and got a fresh, empty OwnerData.
   * Owner-only values are the holder's session's alone — the last holder's weight is not the
   * next one's business — so nothing is carried over. Returns true when that happened (the
   * room then forgets the owner-only samples, telemetryHub.ts `forgetOwnerSamples`).
   */
  followOwner(): boolean {
    if (this.state.owner === this.ownerData) return false;
    this.ownerData = this.state.owner;
    this.ownerValues.clear();
    return true;
  }
}

function show(map: MapSchema<TelemetryReading>, spec: TelemetryChannelSpec, value: TelemetrySampleValue, at: number): void {
  let reading = map.get(spec.name);
  if (!reading) {
    reading = new TelemetryReading();
    map.set(spec.name, reading);
  }
  if (reading.unit !== spec.unit) reading.unit = spec.unit;
  if (reading.type !== spec.type) reading.type = spec.type;
  const number = typeof value === "number" ? value : typeof value === "boolean" ? (value ? 1 : 0) : 0;
  const text = typeof value === "string" ? value : "";
  if (reading.value !== number) reading.value = number;
  if (reading.text !== text) reading.text = text;
  reading.at = at;
}
