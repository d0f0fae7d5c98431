/**
 * A run's output as people read it: each value with the label and unit its device declared
 * in the session type's `outputSchema` (PROTOCOL.md §5, `hello`) — `title` for the label,
 * `x-unit` for the unit, `x-decimals` for how many decimals a number shows, `description`
 * for a longer hint. The dashboard and `demo:claim` both render results through this, so a
 * result reads the same everywhere ("Print time 4867 s", not "printTime 4867").
 *
 * Both the output and the schema come from the device: nothing here trusts their types
 * (a `title` that is not a string is ignored), and values become plain text.
 */
import { DisplayKeywordLimits } from "@baton/protocol";
import type { JsonObject } from "./deviceState.ts";

export interface OutputLine {
  /** The property name in the output. */
  key: string;
  /** The declared `title`; else the key made readable ("printTime" → "Print time"); the bare key when no schema is declared. */
  label: string;
  /** The value as text (numbers with their declared decimals), without the unit. */
  value: string;
  /** The declared unit (`x-unit`), "" when none. */
  unit: string;
  /** Value and unit together: "72.4 kg". */
  text: string;
  /** The declared `description`, if any. */
  description?: string;
}

/** "printTime" → "Print time", "filament_used" → "Filament used". */
export function readableKey(key: string): string {
  const words = key.replace(/[_-]+/g, " ").replace(/([a-z0-9])([A-Z])/g, "$1 $2").trim().toLowerCase();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : key;
}

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);
const text = (value: unknown, limit: number): string | undefined => (typeof value === "string" && value.trim() !== "" ? value.trim().slice(0, limit) : undefined);

function valueText(value: unknown, decimals: number | undefined): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") return decimals !== undefined && Number.isFinite(value) ? value.toFixed(decimals) : String(value);
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/**
 * The lines of `output`, in the order the schema lists its properties, then any the schema
 * does not name (a device may report more than it declared; nothing is hidden). Without a
 * schema, every key as it is, in the output's order.
 */
export function describeOutput(output: JsonObject, outputSchema: JsonObject | null | undefined): OutputLine[] {
  const properties = isObject(outputSchema) && isObject(outputSchema.properties) ? outputSchema.properties : null;
  const declared = properties ? Object.keys(properties).filter((key) => Object.hasOwn(output, key)) : [];
  const keys = [...declared, ...Object.keys(output).filter((key) => !declared.includes(key))];
  return keys.map((key) => {
    const property = properties && isObject(properties[key]) ? (properties[key] as JsonObject) : null;
    const rawDecimals = property?.["x-decimals"];
    const decimals = typeof rawDecimals === "number" && Number.isInteger(rawDecimals) && rawDecimals >= 0 && rawDecimals <= DisplayKeywordLimits.maxDecimals ? rawDecimals : undefined;
    const unit = text(property?.["x-unit"], DisplayKeywordLimits.unitLength) ?? "";
    const value = valueText(output[key], decimals);
    const description = text(property?.description, 256);
    return {
      key,
      label: text(property?.title, 64) ?? (properties ? readableKey(key) : key),
      value,
      unit,
      text: unit && typeof output[key] === "number" ? `${value} ${unit}` : value,
      ...(description ? { description } : {}),
    };
  });
}
