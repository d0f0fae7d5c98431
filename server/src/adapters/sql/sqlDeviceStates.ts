/**
 * `DeviceStateStore` (ports/deviceStates.ts) on Kysely: one row per device, an epoch that the
 * database itself keeps from going down.
 */
import { initialState, MAX_EPOCH, type CoreState } from "../../session/index.ts";
import { EpochRegressionError, type DeviceStateStore } from "../../ports/deviceStates.ts";
import { json, millis, parse, type Db } from "./schema.ts";

export class SqlDeviceStates implements DeviceStateStore {
  constructor(private readonly db: Db) {}

  async load(deviceId: string) {
    const row = await this.db.selectFrom("device_states").select(["state", "epoch"]).where("device_id", "=", deviceId).executeTakeFirst();
    if (!row) return undefined;
    // The epoch column is authoritative (raiseEpoch may have moved it past the JSON's copy).
    return { ...parse<CoreState>(row.state), epoch: millis(row.epoch) };
  }

  async save(state: CoreState) {
    const written = await this.db.insertInto("device_states")
      .values({ device_id: state.deviceId, epoch: state.epoch, state: json(state), updated_at: Date.now() })
      .onConflict((conflict) => conflict.column("device_id")
        .doUpdateSet((eb) => ({ epoch: eb.ref("excluded.epoch"), state: eb.ref("excluded.state"), updated_at: eb.ref("excluded.updated_at") }))
        // The guard that keeps epochs from going down, evaluated by the database itself, so it
        // holds against concurrent writers too.
        .where("device_states.epoch", "<=", (eb) => eb.ref("excluded.epoch")))
      .executeTakeFirst();
    if (Number(written.numInsertedOrUpdatedRows ?? 0n) === 0) {
      const stored = await this.db.selectFrom("device_states").select("epoch").where("device_id", "=", state.deviceId).executeTakeFirst();
      throw new EpochRegressionError(state.deviceId, stored ? millis(stored.epoch) : -1, state.epoch);
    }
  }

  async raiseEpoch(deviceId: string, epoch: number, now: number) {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom("device_states").select(["state", "epoch"]).where("device_id", "=", deviceId).executeTakeFirst();
      const current = row ? { ...parse<CoreState>(row.state), epoch: millis(row.epoch) } : initialState(deviceId, now);
      if (row && current.epoch >= epoch) return current.epoch;
      const raised = { ...current, epoch };
      await trx.insertInto("device_states").values({ device_id: deviceId, epoch, state: json(raised), updated_at: now })
        .onConflict((conflict) => conflict.column("device_id").doUpdateSet({ epoch, state: json(raised), updated_at: now })).execute();
      return epoch;
    });
  }

  async repairEpoch(deviceId: string, epoch: number, now: number) {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom("device_states").select(["state", "epoch"]).where("device_id", "=", deviceId).executeTakeFirst();
      if (!row) return undefined;
      const current = millis(row.epoch);
      if (current <= MAX_EPOCH) return current;
      const repaired = { ...parse<CoreState>(row.state), epoch };
      await trx.updateTable("device_states").set({ epoch, state: json(repaired), updated_at: now })
        .where("device_id", "=", deviceId).where("epoch", ">", MAX_EPOCH).execute();
      return epoch;
    });
  }
}
