/**
 * Bounds on the JSON Schemas a device declares for its run inputs and outputs, checked
 * before ajv compiles anything. A declaration is untrusted input: without bounds a device could make
 * the server compile (and then run for every claim) an arbitrarily large or deep schema,
 * point `$ref` at documents outside its own schema, or claim a shared `$id` that other
 * devices' schemas would then resolve to (ajv keeps ids process-wide).
 *
 * The byte limits count the schema as JSON: msgpack framing can carry several times more
 * JSON than the frame size (BATON_MAX_PAYLOAD_BYTES) suggests, so the frame limit alone does
 * not bound it.
 */
import { DisplayKeywordLimits, type SessionTypeSpec } from "@baton/protocol";

export const DeclaredSchemaLimits = {
  /** One session type's `inputSchema` (or `outputSchema`), as JSON, in bytes. */
  schemaBytes: 8_192,
  /** All of one `hello`'s input and output schemas together, as JSON, in bytes. */
  declarationBytes: 32_768,
  /** JSON nesting depth of one schema (objects and arrays, including `enum`/`const` values). */
  schemaDepth: 32,
  /**
   * `uniqueItems` over items that are not of a scalar type compares every pair (quadratic:
   * 3,000 one-element arrays take ~0.2 s); it needs a `maxItems` of at most this.
   */
  uniqueItemsWithoutScalarType: 100,
  /**
   * One schema with every `$ref` replaced by what it points to, as JSON bytes plus
   * `KeywordWeights` for costly keywords. Validation applies each sub-schema of this
   * expanded tree at most once to each value of the input, so this bounds the work per input
   * unit; `$ref`s that reuse a definition many times (a chain of
   * `anyOf: [{$ref: next}, {$ref: next}]` doubles at every step) cannot multiply it past this.
   */
  expandedSchemaBytes: 65_536,
  /**
   * Validation work of one run input: expanded schema bytes × input units (one per value,
   * plus an eighth of the length of every string and property name). An input over
   * `workUnits / expandedSchemaBytes` units is refused before ajv sees it; the worst schemas
   * we could build take ~25 ms at this budget (declaredSchemaLimits.test.ts).
   */
  workUnits: 8_388_608,
} as const;

/**
 * The `format`s a schema may use: ajv-formats checks whose time is linear in the input.
 * Left out: "url" (its regular expression backtracks for seconds on long inputs), "regex"
 * (compiles the input as a JavaScript regular expression), "uri-template".
 */
export const ALLOWED_FORMATS = [
  "date", "time", "date-time", "iso-time", "iso-date-time", "duration",
  "uri", "uri-reference", "email", "hostname", "ipv4", "ipv6", "uuid",
  "json-pointer", "relative-json-pointer", "byte", "int32", "int64", "float", "double", "password", "binary",
] as const;
const allowedFormats = new Set<string>(ALLOWED_FORMATS);

// Where a schema keeps sub-schemas (draft 2020-12 and draft-07 names); other values are data.
const SCHEMA_MAPS = new Set(["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"]);
const SCHEMA_LISTS = new Set(["allOf", "anyOf", "oneOf", "prefixItems"]);
const SCHEMA_SINGLES = new Set(["not", "if", "then", "else", "items", "additionalItems", "additionalProperties", "contains", "propertyNames", "unevaluatedItems", "unevaluatedProperties"]);
const REFERENCES = ["$ref"];
// Draft 2019/2020 recursion keywords: ajv (draft-07 here) would ignore them; a declaration that relies on them is refused.
const RECURSION = ["$dynamicRef", "$recursiveRef"];
const IDENTIFIERS = ["$id", "$anchor", "$dynamicAnchor", "$recursiveAnchor"];

/** Which of a session type's declared schemas a sentence is about. */
export type DeclaredSchemaName = "inputSchema" | "outputSchema";

/** One hello's schemas (input and output) together; null when within the limit. */
export function checkDeclarationSize(declarations: SessionTypeSpec[]): string | null {
  const bytes = declarations.reduce((sum, declaration) => sum + jsonBytes(declaration.inputSchema) + (declaration.outputSchema ? jsonBytes(declaration.outputSchema) : 0), 0);
  return bytes > DeclaredSchemaLimits.declarationBytes
    ? `the session types declare ${bytes} bytes of schemas; a device may declare no more than ${DeclaredSchemaLimits.declarationBytes} bytes of input schemas and output schemas in total`
    : null;
}

/** One schema: depth, size, references, identifiers, formats and display keywords; null when acceptable. */
export function checkSchemaShape(schema: Record<string, unknown>, name: DeclaredSchemaName = "inputSchema"): string | null {
  // Depth first: it also bounds the recursion of the size and keyword checks below.
  if (deeperThan(schema, DeclaredSchemaLimits.schemaDepth)) {
    return `${name} is nested deeper than ${DeclaredSchemaLimits.schemaDepth} levels`;
  }
  const bytes = jsonBytes(schema);
  if (bytes > DeclaredSchemaLimits.schemaBytes) {
    return `${name} is ${bytes} bytes of JSON, larger than ${DeclaredSchemaLimits.schemaBytes} bytes`;
  }
  const keywords = checkKeywords(schema, name);
  if (keywords) return keywords;
  const expanded = expandedSchemaSize(schema, name);
  return typeof expanded === "string" ? expanded : null;
}

/**
 * The display keywords a declared schema may carry beside JSON Schema's own `title` and
 * `description` (annotations: ajv ignores them, the dashboard, the SDK's `describeOutput` and
 * `demo:claim` show them). `x-` as OpenAPI's extensions are named, so no future JSON Schema
 * keyword can collide with them. Their bounds are the protocol's (DisplayKeywordLimits).
 */
function checkDisplayKeywords(node: Record<string, unknown>, where: string): string | null {
  const unit = node["x-unit"];
  if (unit !== undefined && (typeof unit !== "string" || unit.length === 0 || unit.length > DisplayKeywordLimits.unitLength)) {
    return `${where}: x-unit must be a unit of 1 to ${DisplayKeywordLimits.unitLength} characters, such as "kg" or "s"`;
  }
  const decimals = node["x-decimals"];
  if (decimals !== undefined && !(typeof decimals === "number" && Number.isInteger(decimals) && decimals >= 0 && decimals <= DisplayKeywordLimits.maxDecimals)) {
    return `${where}: x-decimals must be a whole number from 0 to ${DisplayKeywordLimits.maxDecimals}`;
  }
  return null;
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? "");
}

function deeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (limit === 0) return true;
  return Object.values(value).some((child) => deeperThan(child, limit - 1));
}

/** ajv checks uniqueItems with a hash (linear) only when `items` declares scalar types. */
function hasScalarItems(node: Record<string, unknown>): boolean {
  const items = node.items as { type?: unknown } | undefined;
  if (typeof items !== "object" || items === null || Array.isArray(items)) return false;
  const types = Array.isArray(items.type) ? items.type : [items.type];
  return types.length > 0 && types.every((type) => typeof type === "string" && ["string", "number", "integer", "boolean", "null"].includes(type));
}

/** Walks schema positions only, so a property *named* "format" or "$id" is not a keyword. */
function checkKeywords(schema: unknown, where: string): string | null {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return null; // boolean schemas, or ajv will say
  const node = schema as Record<string, unknown>;
  for (const keyword of REFERENCES) {
    const target = node[keyword];
    if (target !== undefined && (typeof target !== "string" || !target.startsWith("#"))) {
      return `${where}.${keyword} must point inside the schema itself ("#/$defs/…"), got ${JSON.stringify(String(target).slice(0, 100))}`;
    }
  }
  for (const keyword of RECURSION) {
    if (node[keyword] !== undefined) return `${where} may not use ${keyword}: declared schemas may not be recursive`;
  }
  for (const keyword of IDENTIFIERS) {
    if (node[keyword] !== undefined) return `${where} may not use ${keyword}: declared schemas are anonymous, so no device can claim an id that another device's schema refers to`;
  }
  if (node.format !== undefined && (typeof node.format !== "string" || !allowedFormats.has(node.format))) {
    return `${where}: format ${JSON.stringify(String(node.format).slice(0, 64))} is not supported; use one of ${ALLOWED_FORMATS.join(", ")}, or a pattern`;
  }
  const display = checkDisplayKeywords(node, where);
  if (display) return display;
  if (node.uniqueItems === true && !hasScalarItems(node) && !(typeof node.maxItems === "number" && node.maxItems <= DeclaredSchemaLimits.uniqueItemsWithoutScalarType)) {
    return `${where}: uniqueItems needs items of a scalar type (e.g. items: { type: "string" }) or maxItems of at most ${DeclaredSchemaLimits.uniqueItemsWithoutScalarType}, because comparing every pair of other items takes quadratic time`;
  }
  for (const [path, child] of subSchemas(node)) {
    const problem = checkKeywords(child, `${where}.${path}`);
    if (problem) return problem;
  }
  return null;
}

/** The sub-schemas directly inside `node`, with their relative paths; data (enum, const, required…) is not one. */
function subSchemas(node: Record<string, unknown>): [string, unknown][] {
  return Object.entries(node).flatMap(([keyword, value]): [string, unknown][] =>
    SCHEMA_MAPS.has(keyword) && typeof value === "object" && value !== null ? Object.entries(value).map(([name, child]) => [`${keyword}.${name}`, child])
    : SCHEMA_LISTS.has(keyword) && Array.isArray(value) ? value.map((child, index) => [`${keyword}[${index}]`, child])
    : SCHEMA_SINGLES.has(keyword) ? (Array.isArray(value) ? value.map((child, index) => [`${keyword}[${index}]`, child]) : [[keyword, value]])
    : keyword === "dependencies" && typeof value === "object" && value !== null ? Object.entries(value).filter(([, child]) => !Array.isArray(child)).map(([name, child]) => [`${keyword}.${name}`, child])
    : []);
}

/**
 * What a node's costlier keywords add to its JSON bytes, so that the expanded size tracks
 * validation time, not only text: a `pattern` is a call into RE2 (~0.2 µs each, where a
 * `minimum` costs ~0.02 µs), `uniqueItems` over non-scalar items compares up to
 * `uniqueItemsWithoutScalarType`/2 other items per item, and a `format` runs a regular expression.
 */
export const KeywordWeights = { pattern: 128, patternProperty: 128, uniqueItems: 1_024, format: 64 } as const;

function keywordWeight(node: Record<string, unknown>): number {
  let weight = 0;
  if (node.pattern !== undefined) weight += KeywordWeights.pattern;
  if (typeof node.patternProperties === "object" && node.patternProperties !== null) weight += KeywordWeights.patternProperty * Object.keys(node.patternProperties).length;
  if (node.uniqueItems === true && !hasScalarItems(node)) weight += KeywordWeights.uniqueItems;
  if (node.format !== undefined) weight += KeywordWeights.format;
  return weight;
}

/** The value a local `$ref` ("#", "#/$defs/a") points to inside `root`; undefined when nothing is there. */
function resolveLocal(root: unknown, ref: string): unknown {
  if (ref === "#") return root;
  if (!ref.startsWith("#/")) return undefined; // plain-name fragments need an anchor, and anchors are refused
  let target: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    let token: string;
    try {
      token = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    } catch {
      return undefined;
    }
    if (typeof target !== "object" || target === null || !Object.hasOwn(target, token)) return undefined;
    target = (target as Record<string, unknown>)[token];
  }
  return target;
}

/**
 * The size of `schema` with every `$ref` replaced by its target, as JSON bytes; a sentence
 * when a `$ref` points nowhere, when references form a cycle (recursion: validation time
 * would grow with the input's depth, exponentially under `anyOf`), or when the expansion is
 * larger than `expandedSchemaBytes`. Each target is measured once, so this is linear in the
 * schema even when the expansion is exponential.
 */
export function expandedSchemaSize(schema: Record<string, unknown>, name: DeclaredSchemaName = "inputSchema"): number | string {
  const limit = DeclaredSchemaLimits.expandedSchemaBytes;
  const measured = new Map<unknown, number>();
  const expanding = new Set<unknown>();
  class Refusal extends Error {}

  // Bytes that `$ref`s inside `node` add to its own JSON (their targets' expansions).
  const refBytes = (node: unknown, where: string): number => {
    if (typeof node !== "object" || node === null || Array.isArray(node)) return 0;
    const record = node as Record<string, unknown>;
    let bytes = keywordWeight(record);
    if (typeof record.$ref === "string") bytes += expand(record.$ref, where);
    for (const [path, child] of subSchemas(record)) bytes += refBytes(child, `${where}.${path}`);
    if (bytes > limit) throw new Refusal(`${name} expands to more than ${limit} bytes when its $refs are replaced by what they point to (each pattern counting ${KeywordWeights.pattern} bytes more); reuse definitions less`);
    return bytes;
  };
  const expand = (ref: string, where: string): number => {
    const target = resolveLocal(schema, ref);
    if (target === undefined) throw new Refusal(`${where}.$ref ${JSON.stringify(ref.slice(0, 100))} points to nothing in the schema`);
    const known = measured.get(target);
    if (known !== undefined) return known;
    if (expanding.has(target)) throw new Refusal(`${where}.$ref ${JSON.stringify(ref.slice(0, 100))} makes the schema recursive; declared schemas may not refer to themselves, because validating them takes time that grows with the input's depth`);
    expanding.add(target);
    const bytes = jsonBytes(target) + refBytes(target, `${name} at ${ref}`);
    expanding.delete(target);
    measured.set(target, bytes);
    return bytes;
  };

  try {
    const bytes = jsonBytes(schema) + refBytes(schema, name);
    return bytes > limit ? `${name} expands to more than ${limit} bytes when its $refs are replaced by what they point to (each pattern counting ${KeywordWeights.pattern} bytes more); reuse definitions less` : bytes;
  } catch (error) {
    if (error instanceof Refusal) return error.message;
    throw error;
  }
}

/**
 * Units of validation work `input` can cause per expanded schema byte: one per value, plus
 * an eighth of the length of every string and property name (patterns, formats and
 * lengths read them whole, but a character costs RE2 a few ns where a keyword costs ~20).
 * Counts without recursion and stops once past `limit`; returns that count.
 */
export function inputUnits(input: unknown, limit: number): number {
  let units = 0;
  const pending: unknown[] = [input];
  // Each pending value is at least one unit, so the stack never grows past the limit either.
  while (pending.length > 0 && units + pending.length <= limit) {
    const value = pending.pop();
    units += 1;
    if (typeof value === "string") units += value.length >> 3;
    else if (Array.isArray(value)) {
      if (units + pending.length + value.length > limit) return limit + 1;
      for (const item of value) pending.push(item);
    } else if (typeof value === "object" && value !== null) {
      const entries = Object.entries(value);
      if (units + pending.length + entries.length > limit) return limit + 1;
      for (const [key, item] of entries) {
        units += key.length >> 3;
        pending.push(item);
      }
    }
  }
  return units + pending.length;
}
