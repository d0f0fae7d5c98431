/**
 * Bounds on the JSON Schemas a device declares for its run inputs, checked before ajv
 * compiles anything. A declaration is untrusted input: without bounds a device could make
 * the server compile (and then run for every claim) an arbitrarily large or deep schema,
 * point `$ref` at documents outside its own schema, or claim a shared `$id` that other
 * devices' schemas would then resolve to (ajv keeps ids process-wide).
 *
 * The byte limits count the schema as JSON: msgpack framing can carry several times more
 * JSON than the frame size (BATON_MAX_PAYLOAD_BYTES) suggests, so the frame limit alone does
 * not bound it.
 */
import type { SessionTypeSpec } from "@baton/protocol";

export const DeclaredSchemaLimits = {
  /** One session type's `inputSchema`, as JSON, in bytes. */
  schemaBytes: 8_192,
  /** All of one `hello`'s input schemas together, as JSON, in bytes. */
  declarationBytes: 32_768,
  /** JSON nesting depth of one schema (objects and arrays, including `enum`/`const` values). */
  schemaDepth: 32,
  /**
   * `uniqueItems` over items that are not of a scalar type compares every pair (quadratic:
   * 3,000 one-element arrays take ~0.2 s); it needs a `maxItems` of at most this.
   */
  uniqueItemsWithoutScalarType: 100,
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
const REFERENCES = ["$ref", "$dynamicRef", "$recursiveRef"];
const IDENTIFIERS = ["$id", "$anchor", "$dynamicAnchor", "$recursiveAnchor"];

/** One hello's schemas together; null when within the limit. */
export function checkDeclarationSize(declarations: SessionTypeSpec[]): string | null {
  const bytes = declarations.reduce((sum, declaration) => sum + jsonBytes(declaration.inputSchema), 0);
  return bytes > DeclaredSchemaLimits.declarationBytes
    ? `the session types declare ${bytes} bytes of input schemas; a device may declare no more than ${DeclaredSchemaLimits.declarationBytes} bytes of input schemas in total`
    : null;
}

/** One schema: depth, size, references, identifiers and formats; null when acceptable. */
export function checkSchemaShape(schema: Record<string, unknown>): string | null {
  // Depth first: it also bounds the recursion of the size and keyword checks below.
  if (deeperThan(schema, DeclaredSchemaLimits.schemaDepth)) {
    return `inputSchema is nested deeper than ${DeclaredSchemaLimits.schemaDepth} levels`;
  }
  const bytes = jsonBytes(schema);
  if (bytes > DeclaredSchemaLimits.schemaBytes) {
    return `inputSchema is ${bytes} bytes of JSON, larger than ${DeclaredSchemaLimits.schemaBytes} bytes`;
  }
  return checkKeywords(schema, "inputSchema");
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
  for (const keyword of IDENTIFIERS) {
    if (node[keyword] !== undefined) return `${where} may not use ${keyword}: declared schemas are anonymous, so no device can claim an id that another device's schema refers to`;
  }
  if (node.format !== undefined && (typeof node.format !== "string" || !allowedFormats.has(node.format))) {
    return `${where}: format ${JSON.stringify(String(node.format).slice(0, 64))} is not supported; use one of ${ALLOWED_FORMATS.join(", ")}, or a pattern`;
  }
  if (node.uniqueItems === true && !hasScalarItems(node) && !(typeof node.maxItems === "number" && node.maxItems <= DeclaredSchemaLimits.uniqueItemsWithoutScalarType)) {
    return `${where}: uniqueItems needs items of a scalar type (e.g. items: { type: "string" }) or maxItems of at most ${DeclaredSchemaLimits.uniqueItemsWithoutScalarType}, because comparing every pair of other items takes quadratic time`;
  }
  for (const [keyword, value] of Object.entries(node)) {
    const children: [string, unknown][] =
      SCHEMA_MAPS.has(keyword) && typeof value === "object" && value !== null ? Object.entries(value).map(([name, child]) => [`${keyword}.${name}`, child])
      : SCHEMA_LISTS.has(keyword) && Array.isArray(value) ? value.map((child, index) => [`${keyword}[${index}]`, child])
      : SCHEMA_SINGLES.has(keyword) ? (Array.isArray(value) ? value.map((child, index) => [`${keyword}[${index}]`, child]) : [[keyword, value]])
      : keyword === "dependencies" && typeof value === "object" && value !== null ? Object.entries(value).filter(([, child]) => !Array.isArray(child)).map(([name, child]) => [`${keyword}.${name}`, child])
      : [];
    for (const [path, child] of children) {
      const problem = checkKeywords(child, `${where}.${path}`);
      if (problem) return problem;
    }
  }
  return null;
}
