/**
 * Plain JSON values, checked at the edge. Frames are msgpack, and msgpack carries more than
 * JSON: a 64-bit integer decodes as a BigInt, `bin` as a Buffer, ext -1 as a Date, ext 0 as
 * `undefined`, a float as NaN or Infinity. None of those survives `JSON.stringify` (a BigInt
 * makes it throw), and every free-form field of the protocol — a run's `input`, a result's
 * `output`, a declared `inputSchema`, a pool's claim — is stored, projected into state and
 * sent on as JSON. So each of them is checked here, once, with bounded work: an iterative
 * walk (no recursion to overflow) that stops at `JsonLimits`.
 */
import { z } from "zod";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export const JsonLimits = {
  /** Nesting of objects and arrays; deeper is refused before anything recurses into it. */
  depth: 64,
  /** Values (leaves, objects and arrays) in one free-form field. */
  values: 100_000,
} as const;

export interface JsonProblem {
  /** Where the offending value is, from the checked value (empty: the value itself). */
  path: (string | number)[];
  message: string;
}

interface Pending {
  value: unknown;
  depth: number;
  key: string | number | null;
  parent: Pending | null;
}

function pathOf(entry: Pending): (string | number)[] {
  const path: (string | number)[] = [];
  for (let at: Pending | null = entry; at && at.key !== null; at = at.parent) path.unshift(at.key);
  return path;
}

function leafProblem(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : `${value} is not a JSON number`;
    case "bigint":
      return "a msgpack 64-bit integer is not a JSON number; send an integer within ±(2^53 − 1), or a string";
    case "undefined":
      return "undefined (msgpack ext 0) is not a JSON value";
    default:
      return `a ${typeof value} is not a JSON value`;
  }
}

/**
 * Why `value` is not plain JSON — null, booleans, finite numbers, strings, arrays, and
 * objects whose prototype is Object's (or none) — with the path to the first offending part;
 * undefined when it is plain JSON within `limits`.
 */
export function jsonValueProblem(value: unknown, limits: { depth: number; values: number } = JsonLimits): JsonProblem | undefined {
  const pending: Pending[] = [{ value, depth: 0, key: null, parent: null }];
  let seen = 0;
  while (pending.length > 0) {
    const entry = pending.pop()!;
    if (++seen > limits.values) return { path: [], message: `more than ${limits.values} values` };
    const current = entry.value;
    if (current === null) continue;
    if (typeof current !== "object") {
      const problem = leafProblem(current);
      if (problem) return { path: pathOf(entry), message: problem };
      continue;
    }
    if (entry.depth >= limits.depth) return { path: pathOf(entry), message: `nested deeper than ${limits.depth} levels` };
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) pending.push({ value: current[index], depth: entry.depth + 1, key: index, parent: entry });
      continue;
    }
    if (ArrayBuffer.isView(current) || current instanceof ArrayBuffer) {
      return { path: pathOf(entry), message: "binary data (msgpack bin, a typed array) is not a JSON value; send it as base64 text" };
    }
    const prototype = Object.getPrototypeOf(current);
    if (prototype !== Object.prototype && prototype !== null) {
      const name = typeof prototype?.constructor?.name === "string" ? prototype.constructor.name : "non-plain object";
      return { path: pathOf(entry), message: `a ${name} (a msgpack extension type) is not a JSON value` };
    }
    const keys = Object.keys(current);
    for (let index = keys.length - 1; index >= 0; index--) {
      pending.push({ value: (current as Record<string, unknown>)[keys[index]!], depth: entry.depth + 1, key: keys[index]!, parent: entry });
    }
  }
  return undefined;
}

function refineJson(value: unknown, ctx: z.RefinementCtx, object: boolean) {
  if (object && (typeof value !== "object" || value === null || Array.isArray(value))) {
    ctx.addIssue({ code: "custom", message: "expected a JSON object" });
    return;
  }
  const problem = jsonValueProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem.message, path: problem.path });
}

/** Any plain JSON value (see `jsonValueProblem`). */
export const jsonValue = z.custom<JsonValue>().superRefine((value, ctx) => refineJson(value, ctx, false));

/**
 * A plain JSON object: inputs, outputs, declared schemas. Typed as a record of unknowns, as
 * before the check, so code that builds these maps keeps its types; what arrives is JSON.
 */
export const jsonObject = z.custom<Record<string, unknown>>().superRefine((value, ctx) => refineJson(value, ctx, true));
