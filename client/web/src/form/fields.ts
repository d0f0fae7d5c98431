/**
 * A device's declared input schema (JSON Schema, sent in its `hello`) turned into form
 * fields. Flat objects of strings, numbers, integers, booleans and enums — what instruments
 * declare — become labelled inputs; anything else (nested objects, arrays, combinators) is
 * edited as JSON text instead, so no declaration is ever unusable from the dashboard.
 */

export type FieldKind = "text" | "number" | "integer" | "boolean" | "choice";

export interface Field {
  /** The property name in the input object. */
  name: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  description?: string;
  choices?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  /** A number's unit, as the device declares it (`x-unit`: "cm", "s"): said in the field's hint. */
  unit?: string;
  defaultValue?: string | number | boolean;
}

export type FormPlan = { mode: "fields"; fields: Field[] } | { mode: "json"; reason: string };

type JsonSchema = Record<string, unknown>;

/** "userAge" → "User age", "file_name" → "File name". */
export function humanize(name: string): string {
  const words = name.replace(/[_-]+/g, " ").replace(/([a-z0-9])([A-Z])/g, "$1 $2").trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const number = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : undefined);
const count = (value: unknown) => (typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined);

function fieldOf(name: string, schema: JsonSchema, required: boolean): Field | null {
  const label = typeof schema.title === "string" && schema.title.trim() ? schema.title.trim() : humanize(name);
  const description = typeof schema.description === "string" ? schema.description : undefined;
  const base = { name, label, required, description };
  if (Array.isArray(schema.enum)) {
    // Enums of strings only: a select shows text, and a value that is not text would not round-trip.
    if (!schema.enum.every((choice) => typeof choice === "string")) return null;
    return { ...base, kind: "choice", choices: schema.enum as string[], defaultValue: typeof schema.default === "string" ? schema.default : undefined };
  }
  switch (schema.type) {
    case "string":
      if (schema.format !== undefined) return null; // formats (email, date-time, …) are the server's to check
      return { ...base, kind: "text", minLength: count(schema.minLength), maxLength: count(schema.maxLength), pattern: typeof schema.pattern === "string" ? schema.pattern : undefined, defaultValue: typeof schema.default === "string" ? schema.default : undefined };
    case "number":
    case "integer":
      return {
        ...base,
        kind: schema.type,
        minimum: number(schema.minimum),
        maximum: number(schema.maximum),
        unit: typeof schema["x-unit"] === "string" && schema["x-unit"].trim() ? schema["x-unit"].trim().slice(0, 32) : undefined,
        exclusiveMinimum: number(schema.exclusiveMinimum),
        exclusiveMaximum: number(schema.exclusiveMaximum),
        defaultValue: number(schema.default),
      };
    case "boolean":
      return { ...base, kind: "boolean", defaultValue: typeof schema.default === "boolean" ? schema.default : undefined };
    default:
      return null;
  }
}

const COMBINATORS = ["allOf", "anyOf", "oneOf", "not", "if", "$ref", "patternProperties", "dependentRequired", "dependentSchemas"];

export function planForm(schema: unknown): FormPlan {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return { mode: "json", reason: "the device declared no input form" };
  const root = schema as JsonSchema;
  if (root.type !== undefined && root.type !== "object") return { mode: "json", reason: "the input is not an object of named fields" };
  if (COMBINATORS.some((keyword) => keyword in root)) return { mode: "json", reason: "the input's rules are too rich for a simple form" };
  const properties = (root.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set(Array.isArray(root.required) ? root.required.filter((name): name is string => typeof name === "string") : []);
  const fields: Field[] = [];
  for (const [name, property] of Object.entries(properties)) {
    const field = typeof property === "object" && property !== null ? fieldOf(name, property, required.has(name)) : null;
    if (!field) return { mode: "json", reason: `the field "${name}" cannot be shown as a simple input` };
    fields.push(field);
  }
  // A required name without a declared property cannot be filled from fields.
  for (const name of required) if (!(name in properties)) return { mode: "json", reason: `the required field "${name}" has no description` };
  return { mode: "fields", fields };
}

/** The starting text of each field (inputs hold text; checkboxes "true"/"false"). */
export function initialValues(fields: Field[]): Record<string, string> {
  return Object.fromEntries(fields.map((field) => [field.name, field.defaultValue === undefined ? (field.kind === "boolean" ? "false" : "") : String(field.defaultValue)]));
}

/** The hint under a field: its description, range (with its declared unit), kind, limits. */
export function fieldHint(field: Field): string | null {
  const parts: string[] = [];
  if (field.description) parts.push(field.description);
  const low = field.minimum ?? field.exclusiveMinimum;
  const high = field.maximum ?? field.exclusiveMaximum;
  const unit = field.unit ? ` ${field.unit}` : "";
  if (low !== undefined && high !== undefined) parts.push(`From ${low} to ${high}${unit}.`);
  else if (low !== undefined) parts.push(`At least ${low}${unit}.`);
  else if (high !== undefined) parts.push(`At most ${high}${unit}.`);
  else if (unit) parts.push(`In${unit}.`);
  if (field.kind === "integer") parts.push("A whole number.");
  if (field.maxLength !== undefined) parts.push(`Up to ${field.maxLength} characters.`);
  if (!field.required && field.kind !== "boolean") parts.push("Optional.");
  return parts.length ? parts.join(" ") : null;
}
