/**
 * Checks run inputs against the JSON Schema each device declares in `hello`, with ajv.
 * Schemas are compiled once per (device, declaration) and cached by their JSON text, so a
 * device that reconnects with the same capabilities costs nothing.
 */
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import type { SessionTypeSpec } from "../../../shared/messages.ts";

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

const ajv = addFormats(new Ajv({ allErrors: false, strict: false, maxItems: 1000 } as ConstructorParameters<typeof Ajv>[0]));
const compiled = new Map<string, ValidateFunction>();
const MAX_CACHED = 10_000;

/** Compiles a declared schema; returns a sentence when the schema itself is not usable. */
export function compileInputSchema(schema: Record<string, unknown>): ValidateFunction | string {
  const key = JSON.stringify(schema);
  const cached = compiled.get(key);
  if (cached) return cached;
  try {
    const validate = ajv.compile(schema);
    if (compiled.size >= MAX_CACHED) compiled.clear();
    compiled.set(key, validate);
    return validate;
  } catch (error) {
    return `inputSchema is not a valid JSON Schema (${(error as Error).message})`;
  }
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
