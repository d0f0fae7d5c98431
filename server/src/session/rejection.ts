/**
 * A refusal as a value. The core says *which* error and with what parameters; the sentence
 * comes from the error table in @baton/protocol (shared/errors.ts), never from here.
 */
import { errorValue, type ErrorCodeName, type ErrorParams } from "@baton/protocol";
import type { Rejection } from "./types.ts";

export function rejection<C extends ErrorCodeName>(code: C, params: ErrorParams<C>): Rejection {
  return errorValue(code, params);
}
