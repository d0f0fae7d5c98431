/**
 * Checks run inputs against the JSON Schema each device declares in `hello`, with ajv.
 * Schemas are compiled once per (device, declaration) and cached by their JSON text, so a
 * device that reconnects with the same capabilities costs nothing.
 *
 * Declared schemas are untrusted: they are bounded and checked for self-containment before
 * compiling (declaredSchemaLimits.ts), and their regular expressions run on RE2, in linear
 * time (linearRegExp.ts), so no declaration can make a claim freeze the server.
 */
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import type { SessionTypeSpec } from "@baton/protocol";
import { ALLOWED_FORMATS, checkDeclarationSize, checkSchemaShape } from "./declaredSchemaLimits.ts";
import { UnsupportedPatternError, linearRegExp } from "./linearRegExp.ts";

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv, formats: readonly string[]) => Ajv;

// `$data` stays off (its default): a pattern taken from the input could not be vetted here.
const ajv = addFormats(new Ajv({ allErrors: false, strict: false, maxItems: 1000, code: { regExp: linearRegExp } } as ConstructorParameters<typeof Ajv>[0]), ALLOWED_FORMATS);
const compiled = new Map<string, ValidateFunction>();
const MAX_CACHED = 10_000;

/** Compiles a declared schema; returns a sentence when the schema itself is not usable. */
export function compileInputSchema(schema: Record<string, unknown>): ValidateFunction | string {
  const problem = checkSchemaShape(schema);
  if (problem) return problem;
  const key = JSON.stringify(schema);
  const cached = compiled.get(key);
  if (cached) return cached;
  try {
    const validate = ajv.compile(schema);
    if (compiled.size >= MAX_CACHED) compiled.clear();
    compiled.set(key, validate);
    return validate;
  } catch (error) {
    if (error instanceof UnsupportedPatternError) return `inputSchema: ${error.message}`;
    return `inputSchema is not a valid JSON Schema (${(error as Error).message})`;
  } finally {
    // ajv keeps every compiled schema object in its own cache; ours is the bounded one.
    ajv.removeSchema(schema);
  }
}

/** A `hello`'s session types: null when every input schema is acceptable, else the refusal sentence. */
export function checkDeclaredSchemas(declarations: SessionTypeSpec[]): string | null {
  // Shape (depth first) before the total size: measuring serialises, which must not recurse without bound.
  for (const declaration of declarations) {
    const problem = checkSchemaShape(declaration.inputSchema);
    if (problem) return `Session type "${declaration.name}": ${problem}`;
  }
  const tooLarge = checkDeclarationSize(declarations);
  if (tooLarge) return tooLarge;
  for (const declaration of declarations) {
    const compiled = compileInputSchema(declaration.inputSchema);
    if (typeof compiled === "string") return `Session type "${declaration.name}": ${compiled}`;
  }
  return null;
}

/** Validators by declared schema object: a run looks its validator up without re-serialising the schema. */
const bySchemaObject = new WeakMap<object, ValidateFunction | string>();

/** The core's `validateInput`: null when valid, else one readable sentence. */
export function validateRunInput(spec: SessionTypeSpec, input: Record<string, unknown>): string | null {
  let validate = bySchemaObject.get(spec.inputSchema);
  if (validate === undefined) {
    validate = compileInputSchema(spec.inputSchema);
    bySchemaObject.set(spec.inputSchema, validate);
  }
  if (typeof validate === "string") return validate;
  if (validate(input)) return null;
  return (validate.errors ?? [])
    .slice(0, 3)
    .map((error) => {
      const where = error.instancePath ? `input${error.instancePath.replaceAll("/", ".")}` : "input";
      const extra = error.keyword === "additionalProperties" ? ` ("${(error.params as { additionalProperty: string }).additionalProperty}")`
        : error.keyword === "enum" ? ` (${(error.params as { allowedValues: unknown[] }).allowedValues.join(", ")})` : "";
      return `${where} ${error.message}${extra}`;
    })
    .join("; ");
}
