/**
 * The write half of `DeviceStateStore` (ports/deviceStates.ts) on better-sqlite3's own
 * prepared statements, for the transition writer (sqliteTransitions.ts): the same SQL as
 * `SqlDeviceStates.save` (adapters/sql/sqlDeviceStates.ts), written out and synchronous.
 */
import type { Database as BetterSqliteDatabase } from "better-sqlite3";
import type { CoreState } from "../../session/index.ts";
import { EpochRegressionError } from "../../ports/deviceStates.ts";
import { json } from "../sql/schema.ts";

export function prepareDeviceStateWrites(database: BetterSqliteDatabase) {
  const saveState = database.prepare(
    `insert into "device_states" ("device_id", "epoch", "state", "updated_at") values (?, ?, ?, ?)
     on conflict ("device_id") do update set "epoch" = excluded."epoch", "state" = excluded."state", "updated_at" = excluded."updated_at"
     where "device_states"."epoch" <= excluded."epoch"`);
  const storedEpoch = database.prepare(`select "epoch" from "device_states" where "device_id" = ?`).pluck();
  return {
    /** Saves the state unless the stored epoch is higher (then throws EpochRegressionError). */
    save(state: CoreState): void {
      if (saveState.run(state.deviceId, state.epoch, json(state), Date.now()).changes === 0) {
        const stored = storedEpoch.get(state.deviceId) as number | bigint | undefined;
        throw new EpochRegressionError(state.deviceId, stored === undefined ? -1 : Number(stored), state.epoch);
      }
    },
  };
}
