/**
 * Errors across the thread boundary (sqliteWorker.ts ↔ workerClient.ts). Structured cloning
 * keeps an Error's name and message but neither its class nor its own fields, and the store's
 * callers depend on both: `saveUntilStored` never retries an `EpochRegressionError`
 * (`instanceof`), and the devices registry tells a duplicate by SQLite's `code`
 * ("SQLITE_CONSTRAINT_PRIMARYKEY"). So an error travels as plain data and is rebuilt on the
 * other side with the same class, name, message and code.
 */
import { EpochRegressionError } from "../../ports/deviceStates.ts";

export interface WireError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
  epoch?: { deviceId: string; storedEpoch: number; attemptedEpoch: number };
}

export function toWire(error: unknown): WireError {
  if (error instanceof EpochRegressionError) {
    return { name: error.name, message: error.message, epoch: { deviceId: error.deviceId, storedEpoch: error.storedEpoch, attemptedEpoch: error.attemptedEpoch } };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, stack: error.stack, ...(typeof code === "string" ? { code } : {}) };
  }
  return { name: "Error", message: String(error) };
}

export function fromWire(wire: WireError): Error {
  if (wire.epoch) return new EpochRegressionError(wire.epoch.deviceId, wire.epoch.storedEpoch, wire.epoch.attemptedEpoch);
  const error = new Error(wire.message) as Error & { code?: string };
  error.name = wire.name;
  if (wire.code !== undefined) error.code = wire.code;
  if (wire.stack) error.stack = `${wire.stack}\n    --- (in the SQLite worker thread)`;
  return error;
}
