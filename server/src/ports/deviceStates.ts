/**
 * Port: the last durable state of each device's session (the pure core's `CoreState`):
 * epoch, holder, run in flight, deadlines. A room created for a device — after a restart,
 * or later in another process — continues from here with the same epoch.
 *
 * The epoch never goes down: saving a state whose epoch is lower than the stored one is
 * refused with `EpochRegressionError`, so two writers (or a stale process) can never
 * roll a device back to an epoch whose commands it has already fenced off.
 */
import type { CoreState } from "../session/index.ts";


// Fields written out (no parameter properties): the SQLite worker thread loads this file with
// Node's own type stripping (adapters/sqlite/workerClient.ts).
export class EpochRegressionError extends Error {
  readonly code = "EPOCH_REGRESSION";
  readonly deviceId: string;
  readonly storedEpoch: number;
  readonly attemptedEpoch: number;
  constructor(deviceId: string, storedEpoch: number, attemptedEpoch: number) {
    super(`device ${deviceId}: refusing to store epoch ${attemptedEpoch} over the stored epoch ${storedEpoch} (epochs never decrease)`);
    this.deviceId = deviceId;
    this.storedEpoch = storedEpoch;
    this.attemptedEpoch = attemptedEpoch;
  }
}

export interface DeviceStateStore {
  load(deviceId: string): Promise<CoreState | undefined>;
  /** Stores the state; throws EpochRegressionError when the stored epoch is higher. */
  save(state: CoreState): Promise<void>;
  /**
   * Raises the stored epoch to at least `epoch` (operator recovery after a store was wiped
   * or restored from an old backup: devices refuse a lower epoch). Never lowers it.
   * Returns the epoch now stored.
   */
  raiseEpoch(deviceId: string, epoch: number, now: number): Promise<number>;
  /**
   * Repairs an epoch that is beyond MAX_EPOCH (session/deviceReports.ts), which Baton never issues — a
   * forged `hello` stored it before the cap existed: sets it to `epoch` (≤ MAX_EPOCH) and
   * returns it. A stored epoch within MAX_EPOCH is never touched (returned as it is), so this
   * cannot lower an epoch a device was legitimately given.
   */
  repairEpoch(deviceId: string, epoch: number, now: number): Promise<number | undefined>;
}
