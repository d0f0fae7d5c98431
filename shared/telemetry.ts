/**
 * Live telemetry (issue 24): values a device measures while it works — a printer's nozzle
 * temperature and layer, a scale's raw weight while it settles, a pH meter's trace — sent at
 * the device's own pace, beside the session, never through it.
 *
 * A device declares its channels in `hello` (`telemetry: [...]`), then sends `telemetry`
 * messages `{ values: { <channel>: <value>, … } }`. The room keeps the newest value of each
 * channel in the schema state (public channels in `state.telemetry`, owner-only ones in the
 * holder's `state.owner.telemetry`), sends late joiners the recent samples (`telemetry_recent`),
 * and stores a channel's samples only when it asks (`storeEveryMs`, downsampled).
 * docs/PROTOCOL.md §13 describes the messages; docs/DESIGN.md "Telemetry" why they stay off
 * the control path.
 */
import { z } from "zod";

/** Bounds on what a device may declare and send (docs/SECURITY.md). */
export const TelemetryLimits = {
  /** Channels one device may declare. */
  channelsPerDevice: 16,
  /** Channel names: short identifiers. */
  channelName: 32,
  /** Units: "°C", "g", "pH", "mm". */
  unit: 16,
  /** A `string` channel's value. */
  text: 64,
  /** The fastest a channel may ask its samples to be forwarded (samples per second). */
  maxRateHz: 20,
  /** Recent samples kept per channel for late joiners. */
  ringSize: 120,
  /** The densest stored downsampling a channel may ask for. */
  minStoreEveryMs: 1_000,
  /** The sparsest. */
  maxStoreEveryMs: 24 * 3600_000,
  /** A device's `telemetry` messages per second (each may carry every channel), beside its frame budget… */
  messagesPerSecond: 20,
  /** …and the burst it may send at once. Over it, messages are dropped and answered RATE_LIMITED at most once a second. */
  messagesBurst: 40,
} as const;

export const TelemetryChannelType = { NUMBER: "number", BOOLEAN: "boolean", STRING: "string" } as const;
export type TelemetryChannelTypeName = (typeof TelemetryChannelType)[keyof typeof TelemetryChannelType];

/** Who may see a channel's values: everyone watching, or only whoever holds the device. */
export const TelemetryVisibility = { PUBLIC: "public", OWNER: "owner" } as const;
export type TelemetryVisibilityName = (typeof TelemetryVisibility)[keyof typeof TelemetryVisibility];

const channelName = z.string().min(1).max(TelemetryLimits.channelName).regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, '_', '.', '-' only");

export const TelemetryChannelDeclaration = z.strictObject({
  name: channelName,
  unit: z.string().max(TelemetryLimits.unit).default(""),
  type: z.enum([TelemetryChannelType.NUMBER, TelemetryChannelType.BOOLEAN, TelemetryChannelType.STRING]).default(TelemetryChannelType.NUMBER),
  /** The most samples per second the room forwards to watchers; faster samples are coalesced (the newest wins). */
  maxRateHz: z.number().positive().max(TelemetryLimits.maxRateHz).default(5),
  visibility: z.enum([TelemetryVisibility.PUBLIC, TelemetryVisibility.OWNER]).default(TelemetryVisibility.PUBLIC),
  /** Optional: keep one sample per this many ms in the store (absent: never stored). */
  storeEveryMs: z.number().int().min(TelemetryLimits.minStoreEveryMs).max(TelemetryLimits.maxStoreEveryMs).optional(),
});
export type TelemetryChannelSpec = z.infer<typeof TelemetryChannelDeclaration>;
/** What a device writes in `hello` (fields with defaults may be left out). */
export type TelemetryChannelInput = z.input<typeof TelemetryChannelDeclaration>;

/** The `telemetry` field of `hello`: at most 16 channels, names unique. */
export const TelemetryDeclarations = z.array(TelemetryChannelDeclaration).max(TelemetryLimits.channelsPerDevice)
  .refine((channels) => new Set(channels.map((channel) => channel.name)).size === channels.length, "telemetry channel names must be unique");

export const TelemetrySampleValue = z.union([z.number().finite(), z.boolean(), z.string().max(TelemetryLimits.text)]);
export type TelemetrySampleValue = z.infer<typeof TelemetrySampleValue>;

/** `telemetry`, device → room: the newest value of one or more declared channels. */
export const TelemetryPayload = z.strictObject({
  values: z.record(channelName, TelemetrySampleValue)
    .refine((values) => Object.keys(values).length >= 1 && Object.keys(values).length <= TelemetryLimits.channelsPerDevice, `one to ${TelemetryLimits.channelsPerDevice} channels per message`),
});
export type TelemetryMessage = z.infer<typeof TelemetryPayload>;

/** One sample as watchers get it: when the room took it (ms since the epoch) and its value. */
export type TelemetrySample = [at: number, value: TelemetrySampleValue];

/** `telemetry_recent`, room → user at join: the recent samples of each channel it may see (owner-only: the current session's, for its holder). */
export const TelemetryRecentPayload = z.object({
  channels: z.record(z.string(), z.object({
    unit: z.string(),
    type: z.enum([TelemetryChannelType.NUMBER, TelemetryChannelType.BOOLEAN, TelemetryChannelType.STRING]),
    visibility: z.enum([TelemetryVisibility.PUBLIC, TelemetryVisibility.OWNER]),
    samples: z.array(z.tuple([z.number(), TelemetrySampleValue])),
  })),
});
export type TelemetryRecentMessage = z.infer<typeof TelemetryRecentPayload>;
