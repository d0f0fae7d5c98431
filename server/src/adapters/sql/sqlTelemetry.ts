/**
 * `TelemetrySampleStore` (ports/telemetry.ts) on Kysely: one row per kept sample (migration
 * 0007), its value in the column of its type — `value_number` for numbers and booleans
 * (1/0, with `value_kind` saying which), `value_text` for strings.
 */
import type { Selectable } from "kysely";
import type { TelemetrySampleRecord, TelemetrySampleStore } from "../../ports/telemetry.ts";
import { millis, type Database, type Db } from "./schema.ts";

export class SqlTelemetry implements TelemetrySampleStore {
  constructor(private readonly db: Db) {}

  async append(samples: readonly TelemetrySampleRecord[]) {
    if (samples.length === 0) return;
    await this.db.insertInto("telemetry_samples").values(samples.map((sample) => ({
      device_id: sample.deviceId,
      channel: sample.channel,
      at: sample.at,
      value_kind: typeof sample.value,
      value_number: typeof sample.value === "number" ? sample.value : typeof sample.value === "boolean" ? (sample.value ? 1 : 0) : null,
      value_text: typeof sample.value === "string" ? sample.value : null,
    }))).execute();
  }

  async list(deviceId: string, channel: string, options: { since?: number; limit?: number } = {}) {
    const rows = await this.db.selectFrom("telemetry_samples").selectAll()
      .where("device_id", "=", deviceId).where("channel", "=", channel).where("at", ">=", options.since ?? 0)
      .orderBy("at").orderBy("seq").limit(options.limit ?? 1_000).execute();
    return rows.map(toSample);
  }
}

function toSample(row: Selectable<Database["telemetry_samples"]>): TelemetrySampleRecord {
  const value = row.value_kind === "string" ? row.value_text ?? "" : row.value_kind === "boolean" ? Number(row.value_number) !== 0 : Number(row.value_number);
  return { deviceId: row.device_id, channel: row.channel, at: millis(row.at), value };
}
