/**
 * Turns the form's text into the run input and says, in words, what is wrong with it —
 * before anything is sent. Each field is checked against its own declared rules (messages
 * name the field: "User age must be between 1 and 130."), then the whole input against the
 * whole declared schema with @cfworker/json-schema, which interprets schemas without
 * generating code (ajv compiles validators with `new Function`, which the page's CSP —
 * no 'unsafe-eval' — rightly forbids). The server checks again; its sentence wins.
 *
 * Declared `pattern`s are NOT checked here; the server checks them and answers INVALID_INPUT
 * with a sentence that the form shows. The browser's RegExp backtracks: a device declaring
 * `^(a+)+$` with a default of 29 × "a" + "!" froze the tab for seconds (issue 18, finding 9).
 * The server runs patterns on RE2, in linear time; a linear engine here too (re2js, a
 * pure-JS RE2 port) would add ~260 KB to the dashboard and is ~5× slower than the server's
 * native RE2 per test, for a check the server answers in one round trip anyway — and
 * @cfworker/json-schema cannot be given another engine, so its copy of the schema would
 * need its patterns removed either way. One engine, one meaning: the server's.
 */
import { Validator } from "@cfworker/json-schema";
import type { Field } from "./fields.ts";

export interface Checked {
  input: Record<string, unknown>;
  /** Field name → sentence; "" → a sentence about the input as a whole. */
  problems: Record<string, string>;
}

function between(field: Field, unit = ""): string | null {
  const low = field.minimum ?? field.exclusiveMinimum;
  const high = field.maximum ?? field.exclusiveMaximum;
  if (low !== undefined && high !== undefined) return `between ${low} and ${high}${unit}`;
  if (low !== undefined) return `${field.exclusiveMinimum !== undefined ? "more than" : "at least"} ${low}${unit}`;
  if (high !== undefined) return `${field.exclusiveMaximum !== undefined ? "less than" : "at most"} ${high}${unit}`;
  return null;
}

/** The value of one field, or a sentence; `undefined` value = left empty. */
export function checkField(field: Field, text: string): { value?: unknown; problem?: string } {
  const trimmed = text.trim();
  if (field.kind === "boolean") return { value: text === "true" };
  if (trimmed === "") return field.required ? { problem: `${field.label} is required.` } : {};
  switch (field.kind) {
    case "choice":
      return field.choices!.includes(trimmed) ? { value: trimmed } : { problem: `${field.label} must be one of ${field.choices!.join(", ")}.` };
    case "number":
    case "integer": {
      const value = Number(trimmed);
      if (!Number.isFinite(value)) return { problem: `${field.label} must be a number.` };
      if (field.kind === "integer" && !Number.isInteger(value)) return { problem: `${field.label} must be a whole number.` };
      const outside = (field.minimum !== undefined && value < field.minimum) || (field.maximum !== undefined && value > field.maximum)
        || (field.exclusiveMinimum !== undefined && value <= field.exclusiveMinimum) || (field.exclusiveMaximum !== undefined && value >= field.exclusiveMaximum);
      if (outside) return { problem: `${field.label} must be ${between(field)}.` };
      return { value };
    }
    case "text": {
      const length = [...text].length;
      if (field.minLength !== undefined && length < field.minLength) return { problem: `${field.label} must be at least ${field.minLength} character${field.minLength === 1 ? "" : "s"} long.` };
      if (field.maxLength !== undefined && length > field.maxLength) return { problem: `${field.label} must be at most ${field.maxLength} characters long.` };
      // field.pattern is left to the server (see the top of this file).
      return { value: text };
    }
  }
}

const validators = new Map<string, Validator | null>();

// Keywords whose regular expressions @cfworker/json-schema would run with the browser's engine.
const REGEX_KEYWORDS = new Set(["patternProperties", "propertyNames"]);

/**
 * `schema` without its `pattern` keywords, for @cfworker/json-schema; null when it has
 * `patternProperties` or `propertyNames`, whose regular expressions decide which rules apply
 * to which property and so cannot be dropped without changing the meaning: then only the
 * server checks the whole input. (`pattern` only ever narrows; leaving it out can only let
 * through what the server will refuse.)
 */
export function withoutPatterns(schema: unknown): unknown {
  if (Array.isArray(schema)) {
    const items = schema.map(withoutPatterns);
    return items.includes(null) ? null : items;
  }
  if (typeof schema !== "object" || schema === null) return schema;
  const copy: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (REGEX_KEYWORDS.has(keyword)) return null;
    if (keyword === "pattern" && typeof value === "string") continue;
    // Data (enum, const, default, examples) is copied as is: a property named "pattern" there is not a keyword.
    const inner = ["enum", "const", "default", "examples"].includes(keyword) ? value : withoutPatterns(value);
    if (inner === null && value !== null) return null;
    copy[keyword] = inner;
  }
  return copy;
}

/** Problems of the whole input against the whole schema, as sentences (at most three). */
export function checkAgainstSchema(schema: object, input: unknown): string[] {
  const key = JSON.stringify(schema);
  let validator = validators.get(key);
  if (validator === undefined) {
    const safe = withoutPatterns(schema);
    validator = safe === null ? null : new Validator(safe as ConstructorParameters<typeof Validator>[0], "2020-12", false);
    validators.set(key, validator);
  }
  if (validator === null) return []; // regular expressions decide the shape: the server checks it
  const { valid, errors } = validator.validate(input);
  if (valid) return [];
  // cfworker reports the failing keyword at every level; the innermost errors say the most.
  const leaves = errors.filter((error) => !["properties", "allOf", "anyOf", "oneOf", "items", "$ref"].includes(error.keyword));
  return (leaves.length ? leaves : errors).slice(0, 3).map((error) => {
    const where = error.instanceLocation.replace(/^#\/?/, "").replaceAll("/", ".");
    return `${where ? `${where}: ` : ""}${error.error}`;
  });
}

export function checkForm(fields: Field[], values: Record<string, string>, schema: object): Checked {
  const input: Record<string, unknown> = {};
  const problems: Record<string, string> = {};
  for (const field of fields) {
    const { value, problem } = checkField(field, values[field.name] ?? "");
    if (problem) problems[field.name] = problem;
    else if (value !== undefined) input[field.name] = value;
  }
  if (Object.keys(problems).length === 0) {
    const whole = checkAgainstSchema(schema, input);
    if (whole.length) problems[""] = whole.join(" ");
  }
  return { input, problems };
}

/** JSON text typed by a person: an object, or a sentence saying why not. The server checks it against the schema. */
export function parseJsonInput(text: string): { input?: Record<string, unknown>; problem?: string } {
  if (text.trim() === "") return { input: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `The input is not valid JSON: ${(error as Error).message}.` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { problem: "The input must be a JSON object, for example {\"userAge\": 30}." };
  return { input: value as Record<string, unknown> };
}
