/**
 * Plain JSON values, checked at the edge. Frames are msgpack, and msgpack carries more than
 * JSON: a 64-bit integer decodes as a BigInt, `bin` as a Buffer, ext -1 as a Date, ext 0 as
 * `undefined`, a float as NaN or Infinity. None of those survives `JSON.stringify` (a BigInt
 * makes it throw), and every free-form field of the protocol — a run's `input`, a result's
 * `output`, a declared `inputSchema`, a pool's claim — is stored, projected into state and
 * sent on as JSON. So each of them is checked here, once, with bounded work: an iterative
 * walk (no recursion to overflow) that stops at `JsonLimits`.
 *
 * One msgpack-ism is accepted: a 64-bit integer within ±(2^53 − 1). Encoders that write the
 * smallest int (the firmware's) use `cf`/`d3` from 2^32 on, e.g. for a timestamp in ms; it
 * is exactly a JSON number, and the schemas hand it on as one. Beyond that range it is
 * refused (JavaScript would round it).
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

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function leafProblem(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : `${value} is not a JSON number`;
    case "bigint":
      return value <= MAX_SAFE && value >= -MAX_SAFE ? undefined : "an integer beyond ±(2^53 − 1) is not a JSON number (it would be rounded); send it as a string";
    case "undefined":
      return "undefined (msgpack ext 0) is not a JSON value";
    default:
      return `a ${typeof value} is not a JSON value`;
  }
}

export type JsonBounds = { depth: number; values: number };

/** The walk: the first problem, or none and whether a (safe) BigInt was seen. */
function inspect(value: unknown, limits: JsonBounds): { problem: JsonProblem } | { problem: undefined; sawBigInt: boolean } {
  const pending: Pending[] = [{ value, depth: 0, key: null, parent: null }];
  let seen = 0;
  let sawBigInt = false;
  while (pending.length > 0) {
    const entry = pending.pop()!;
    if (++seen > limits.values) return { problem: { path: [], message: `more than ${limits.values} values` } };
    const current = entry.value;
    if (current === null) continue;
    if (typeof current !== "object") {
      const problem = leafProblem(current);
      if (problem) return { problem: { path: pathOf(entry), message: problem } };
      if (typeof current === "bigint") sawBigInt = true;
      continue;
    }
    if (entry.depth >= limits.depth) return { problem: { path: pathOf(entry), message: `nested deeper than ${limits.depth} levels` } };
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) pending.push({ value: current[index], depth: entry.depth + 1, key: index, parent: entry });
      continue;
    }
    if (ArrayBuffer.isView(current) || current instanceof ArrayBuffer) {
      return { problem: { path: pathOf(entry), message: "binary data (msgpack bin, a typed array) is not a JSON value; send it as base64 text" } };
    }
    const prototype = Object.getPrototypeOf(current);
    if (prototype !== Object.prototype && prototype !== null) {
      const name = typeof prototype?.constructor?.name === "string" ? prototype.constructor.name : "non-plain object";
      return { problem: { path: pathOf(entry), message: `a ${name} (a msgpack extension type) is not a JSON value` } };
    }
    const keys = Object.keys(current);
    for (let index = keys.length - 1; index >= 0; index--) {
      pending.push({ value: (current as Record<string, unknown>)[keys[index]!], depth: entry.depth + 1, key: keys[index]!, parent: entry });
    }
  }
  return { problem: undefined, sawBigInt };
}

/**
 * Why `value` is not plain JSON — null, booleans, finite numbers (safe 64-bit integers
 * included), strings, arrays, and objects whose prototype is Object's (or none) — with the
 * path to the first offending part; undefined when it is plain JSON within `limits`.
 */
export function jsonValueProblem(value: unknown, limits: JsonBounds = JsonLimits): JsonProblem | undefined {
  return inspect(value, limits).problem;
}

/** A copy of an accepted value with its (safe) BigInts as numbers; iterative, as the walk is. */
function withNumbers(value: unknown): unknown {
  const root: Record<string, unknown> = { value };
  const pending: [Record<string, unknown> | unknown[], string | number][] = [[root, "value"]];
  while (pending.length > 0) {
    const [holder, key] = pending.pop()!;
    const current = (holder as Record<string | number, unknown>)[key];
    let copy: Record<string, unknown> | unknown[];
    if (typeof current === "bigint") {
      (holder as Record<string | number, unknown>)[key] = Number(current);
      continue;
    } else if (Array.isArray(current)) {
      copy = current.slice();
      for (let index = 0; index < copy.length; index++) pending.push([copy, index]);
    } else if (typeof current === "object" && current !== null) {
      copy = { ...current };
      for (const name of Object.keys(copy)) pending.push([copy, name]);
    } else {
      continue;
    }
    (holder as Record<string | number, unknown>)[key] = copy;
  }
  return root.value;
}

function checkJson(value: unknown, ctx: z.core.$RefinementCtx, object: boolean, limits: JsonBounds): unknown {
  if (object && (typeof value !== "object" || value === null || Array.isArray(value))) {
    ctx.addIssue({ code: "custom", message: "expected a JSON object" });
    return z.NEVER;
  }
  const found = inspect(value, limits);
  if (found.problem) {
    ctx.addIssue({ code: "custom", message: found.problem.message, path: found.problem.path });
    return z.NEVER;
  }
  return found.sawBigInt ? withNumbers(value) : value;
}

/** Any plain JSON value (see `jsonValueProblem`); what it hands on holds no BigInt. */
export const jsonValue = z.unknown().transform((value, ctx) => checkJson(value, ctx, false, JsonLimits) as JsonValue);

/**
 * A plain JSON object within `limits`. Typed as a record of unknowns, as before the check,
 * so code that builds these maps keeps its types; what arrives is JSON.
 */
export function jsonObjectWithin(limits: JsonBounds) {
  return z.unknown().transform((value, ctx) => checkJson(value, ctx, true, limits) as Record<string, unknown>);
}

/** A plain JSON object within `JsonLimits`: a run's input, a result's output. */
export const jsonObject = jsonObjectWithin(JsonLimits);
