/**
 * Live telemetry as a handle shows it (issue 24): each channel's newest value, with its unit,
 * and a short trace of recent samples for a chart. The room sends the newest values through
 * the schema state (public channels to everyone, owner-only ones to the holder) and, at join,
 * the recent samples (`telemetry_recent`); this keeps the trace going from there, bounded.
 */
import { TelemetryLimits, type TelemetryChannelTypeName, type TelemetryRecentMessage, type TelemetrySample, type TelemetrySampleValue, type TelemetryVisibilityName } from "@baton/protocol";
import type { DeviceRoomState, TelemetryReading } from "@baton/protocol/state";

export interface TelemetryChannelView {
  name: string;
  unit: string;
  type: TelemetryChannelTypeName;
  /** "owner": only the holder sees this channel. */
  visibility: TelemetryVisibilityName;
  /** The newest value. */
  value: TelemetrySampleValue;
  /** When the room took it (ms since the Unix epoch). */
  at: number;
  /** Recent samples, oldest first (at most TelemetryLimits.ringSize). */
  samples: TelemetrySample[];
}

/** `telemetry` event: one channel's new value. */
export interface TelemetryUpdate {
  channel: string;
  value: TelemetrySampleValue;
  unit: string;
  at: number;
  visibility: TelemetryVisibilityName;
}

export type TelemetryView = Readonly<Record<string, TelemetryChannelView>>;

export class TelemetryTrace {
  private channels: Record<string, TelemetryChannelView> = {};

  /** The recent samples the room sent at join (or when this user became the holder). */
  seed(recent: TelemetryRecentMessage): TelemetryView {
    const next = { ...this.channels };
    for (const [name, channel] of Object.entries(recent.channels)) {
      const last = channel.samples.at(-1);
      const current = next[name];
      // Samples this handle already has (the state may have arrived first) are kept, in time order.
      const merged = [...channel.samples, ...(current?.samples ?? []).filter(([at]) => at > (last?.[0] ?? -Infinity))].slice(-TelemetryLimits.ringSize);
      const newest = merged.at(-1);
      next[name] = { name, unit: channel.unit, type: channel.type, visibility: channel.visibility, value: newest?.[1] ?? current?.value ?? 0, at: newest?.[0] ?? 0, samples: merged };
    }
    this.channels = next;
    return next;
  }

  /** The state's readings now; `updates` gets each channel whose value is new. */
  update(state: DeviceRoomState, isMine: boolean, updates: TelemetryUpdate[]): TelemetryView {
    const next: Record<string, TelemetryChannelView> = {};
    let changed = false;
    const read = (readings: Iterable<[string, TelemetryReading]> | undefined, visibility: TelemetryVisibilityName) => {
      for (const [name, reading] of readings ?? []) {
        const current = this.channels[name];
        if (current && current.at === reading.at && current.visibility === visibility) {
          next[name] = current;
          continue;
        }
        const value = valueOf(reading);
        const samples = current?.visibility === visibility ? [...current.samples, [reading.at, value] as TelemetrySample].slice(-TelemetryLimits.ringSize) : [[reading.at, value] as TelemetrySample];
        next[name] = { name, unit: reading.unit, type: reading.type as TelemetryChannelTypeName, visibility, value, at: reading.at, samples };
        updates.push({ channel: name, value, unit: reading.unit, at: reading.at, visibility });
        changed = true;
      }
    };
    read(state.telemetry?.readings?.entries(), "public");
    if (isMine) read(state.owner?.telemetry?.readings?.entries(), "owner");
    if (!changed && Object.keys(next).length === Object.keys(this.channels).length) return this.channels;
    this.channels = next;
    return next;
  }
}

function valueOf(reading: TelemetryReading): TelemetrySampleValue {
  if (reading.type === "string") return reading.text;
  if (reading.type === "boolean") return reading.value !== 0;
  return reading.value;
}
