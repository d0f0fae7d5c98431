/**
 * Checks run inputs against the JSON Schema each device declares in `hello`, with ajv, and
 * results' outputs against the declared output schema (a flag only: `checkRunOutput`).
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
import { ALLOWED_FORMATS, DeclaredSchemaLimits, checkDeclarationSize, checkSchemaShape, expandedSchemaSize, inputUnits, type DeclaredSchemaName } from "./declaredSchemaLimits.ts";
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
export function compileInputSchema(schema: Record<string, unknown>, name: DeclaredSchemaName = "inputSchema"): InputValidator | string {
  const problem = checkSchemaShape(schema, name);
  if (problem) return problem;
  const key = JSON.stringify(schema);
  const cached = compiled.get(key);
  if (cached) return cached;
  const expanded = expandedSchemaSize(schema, name);
  if (typeof expanded === "string") return expanded; // checkSchemaShape said so already; for the type
  try {
    const validator = { validate: ajv.compile(schema), maxInputUnits: Math.floor(DeclaredSchemaLimits.workUnits / expanded) };
    // V8 compiles the generated function on its first call: pay that here, at `hello`, not in a user's claim.
    validator.validate({});
    if (compiled.size >= MAX_CACHED) compiled.clear();
    compiled.set(key, validator);
    return validator;
  } catch (error) {
    if (error instanceof UnsupportedPatternError) return `${name}: ${error.message}`;
    return `${name} is not a valid JSON Schema (${(error as Error).message})`;
  } finally {
    // ajv keeps every compiled schema object in its own cache; ours is the bounded one.
    ajv.removeSchema(schema);
  }
}

/** A declaration's schemas with their names: the input schema, and the output schema if it declares one. */
function declaredSchemas(declaration: SessionTypeSpec): [DeclaredSchemaName, Record<string, unknown>][] {
  return declaration.outputSchema ? [["inputSchema", declaration.inputSchema], ["outputSchema", declaration.outputSchema]] : [["inputSchema", declaration.inputSchema]];
}

/**
 * A `hello`'s session types: null when every input and output schema is acceptable, else the
 * refusal sentence. An output schema is as untrusted as an input schema (the server compiles
 * it and runs it on every result), so it passes the same bounds.
 */
export function checkDeclaredSchemas(declarations: SessionTypeSpec[]): string | null {
  // Shape (depth first) before the total size: measuring serialises, which must not recurse without bound.
  for (const declaration of declarations) {
    for (const [name, schema] of declaredSchemas(declaration)) {
      const problem = checkSchemaShape(schema, name);
      if (problem) return `Session type "${declaration.name}": ${problem}`;
    }
  }
  const tooLarge = checkDeclarationSize(declarations);
  if (tooLarge) return tooLarge;
  for (const declaration of declarations) {
    for (const [name, schema] of declaredSchemas(declaration)) {
      const compiled = compileInputSchema(schema, name);
      if (typeof compiled === "string") return `Session type "${declaration.name}": ${compiled}`;
    }
  }
  return null;
}

/** Validators by declared schema object: a run looks its validator up without re-serialising the schema. */
const bySchemaObject = new WeakMap<object, InputValidator | string>();

/** The compiled validator of a declared schema, looked up by the schema object (no re-serialising per run). */
function validatorOf(schema: Record<string, unknown>, name: DeclaredSchemaName): InputValidator | string {
  let validator = bySchemaObject.get(schema);
  if (validator === undefined) {
    validator = compileInputSchema(schema, name);
    bySchemaObject.set(schema, validator);
  }
  return validator;
}

/** ajv's first errors as one sentence, each naming where in `subject` ("input.userAge must be <= 130"). */
function errorSentence(validate: ValidateFunction, subject: "input" | "output"): string {
  return (validate.errors ?? [])
    .slice(0, 3)
    .map((error) => {
      const where = error.instancePath ? `${subject}${error.instancePath.replaceAll("/", ".")}` : subject;
      const extra = error.keyword === "additionalProperties" ? ` ("${(error.params as { additionalProperty: string }).additionalProperty}")`
        : error.keyword === "enum" ? ` (${(error.params as { allowedValues: unknown[] }).allowedValues.join(", ")})` : "";
      return `${where} ${error.message}${extra}`;
    })
    .join("; ");
}

/** The core's `validateInput`: null when valid, else one readable sentence. */
export function validateRunInput(spec: SessionTypeSpec, input: Record<string, unknown>): string | null {
  const validator = validatorOf(spec.inputSchema, "inputSchema");
  if (typeof validator === "string") return validator;
  // Counted before ajv runs: the work is bounded by schema size × input size, whatever the schema says.
  if (inputUnits(input, validator.maxInputUnits) > validator.maxInputUnits) {
    return `input is too large for session type "${spec.name}": its schema allows at most ${validator.maxInputUnits} units (one per value, plus one per 8 characters of every string and property name)`;
  }
  const { validate } = validator;
  return validate(input) ? null : errorSentence(validate, "input");
}

/**
 * A result's `output` against the type's declared `outputSchema`: null when it matches (or no
 * schema is declared), else a sentence. Only ever a flag — the caller stores and delivers the
 * result whatever this says. An output larger than the work budget allows is not checked
 * (said so in the sentence), under the same bound as inputs.
 */
export function checkRunOutput(spec: SessionTypeSpec, output: Record<string, unknown>): string | null {
  if (!spec.outputSchema) return null;
  const validator = validatorOf(spec.outputSchema, "outputSchema");
  if (typeof validator === "string") return validator;
  if (inputUnits(output, validator.maxInputUnits) > validator.maxInputUnits) {
    return `output is too large to check against the outputSchema of session type "${spec.name}" (at most ${validator.maxInputUnits} units)`;
  }
  const { validate } = validator;
  return validate(output) ? null : errorSentence(validate, "output");
}
