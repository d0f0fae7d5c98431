/**
 * Typing a device's session types end to end: describe them once as a map of name →
 * `{ input, output }` and `run("weighing", { userAge: 25 })` checks the input and types the
 * result's output. Without a map every name is allowed and both are plain JSON objects.
 *
 *     type Scale = { weighing: { input: { userAge?: number }; output: { weight: number; unit: string } } };
 *     const scale = client.device<Scale>("scale-1");
 */
import type { JsonObject } from "./deviceState.ts";

export interface SessionTypeShape {
  input: JsonObject;
  output: JsonObject;
}

export type SessionTypeMap = { [name: string]: SessionTypeShape };

/** The default: any session type name, JSON objects in and out. */
export type AnySessionTypes = { [name: string]: SessionTypeShape };

export type SessionTypeName<Types extends SessionTypeMap> = Extract<keyof Types, string>;
export type InputOf<Types extends SessionTypeMap, Name extends SessionTypeName<Types>> = Types[Name]["input"];
export type OutputOf<Types extends SessionTypeMap, Name extends SessionTypeName<Types>> = Types[Name]["output"];

/** A finished run, as its holder receives it. */
export interface RunResult<Name extends string = string, Output extends JsonObject = JsonObject> {
  runId: string;
  sessionType: Name;
  output: Output;
  /**
   * The run had already ended (timed out, cancelled, your session ended) when the device's
   * result arrived: it is still yours, stored and in `results()`. `lateReason` says how the
   * run had ended (e.g. RUN_TIMEOUT, CANCELLED).
   */
  late?: true;
  lateReason?: string;
}

/** A run that failed: RUN_TIMEOUT, CANCELLED, DEVICE_FAILED or the device's own code. */
export interface RunFailure {
  runId: string;
  sessionType: string;
  code: string;
  message: string;
}
