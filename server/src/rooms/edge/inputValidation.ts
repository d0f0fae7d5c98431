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
import { ALLOWED_FORMATS, DeclaredSchemaLimits, checkDeclarationSize, checkSchemaShape, expandedSchemaSize, inputUnits } from "./declaredSchemaLimits.ts";
import { UnsupportedPatternError, linearRegExp } from "./linearRegExp.ts";

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv, formats: readonly string[]) => Ajv;

// `$data` stays off (its default): a pattern taken from the input could not be vetted here.
const ajv = addFormats(new Ajv({ allErrors: false, strict: false, maxItems: 1000, code: { regExp: linearRegExp } } as ConstructorParameters<typeof Ajv>[0]), ALLOWED_FORMATS);
/**
 * A compiled declared schema and the most input units (declaredSchemaLimits.ts `inputUnits`)
 * it will look at: expanded schema bytes × input units stays within `workUnits`.
 */
export interface InputValidator {
  validate: ValidateFunction;
  maxInputUnits: number;
}
const compiled = new Map<string, InputValidator>();
const MAX_CACHED = 10_000;

/** Compiles a declared schema; returns a sentence when the schema itself is not usable. */
export function compileInputSchema(schema: Record<string, unknown>): InputValidator | string {
  const problem = checkSchemaShape(schema);
  if (problem) return problem;
  const key = JSON.stringify(schema);
  const cached = compiled.get(key);
  if (cached) return cached;
  const expanded = expandedSchemaSize(schema);
  if (typeof expanded === "string") return expanded; // checkSchemaShape said so already; for the type
  try {
    const validator = { validate: ajv.compile(schema), maxInputUnits: Math.floor(DeclaredSchemaLimits.workUnits / expanded) };
    // V8 compiles the generated function on its first call: pay that here, at `hello`, not in a user's claim.
    validator.validate({});
    if (compiled.size >= MAX_CACHED) compiled.clear();
    compiled.set(key, validator);
    return validator;
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
const bySchemaObject = new WeakMap<object, InputValidator | string>();

/** The core's `validateInput`: null when valid, else one readable sentence. */
export function validateRunInput(spec: SessionTypeSpec, input: Record<string, unknown>): string | null {
  let validator = bySchemaObject.get(spec.inputSchema);
  if (validator === undefined) {
    validator = compileInputSchema(spec.inputSchema);
    bySchemaObject.set(spec.inputSchema, validator);
  }
  if (typeof validator === "string") return validator;
  // Counted before ajv runs: the work is bounded by schema size × input size, whatever the schema says.
  if (inputUnits(input, validator.maxInputUnits) > validator.maxInputUnits) {
    return `input is too large for session type "${spec.name}": its schema allows at most ${validator.maxInputUnits} units (one per value, plus one per 8 characters of every string and property name)`;
  }
  const { validate } = validator;
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
