/**
 * A realistic run input for a device's session type: what a person at the scale, the
 * printer or the pH meter would enter. Session types the tool does not know (a real
 * device's own) get an input made from the JSON Schema the device declared — the required
 * properties with the first value the schema allows — so the tool works against any Baton
 * server, not only against simulated instruments.
 */
type Random = () => number;
type Json = Record<string, unknown>;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const between = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));

const KNOWN: Record<string, (random: Random) => Json> = {
  // client/src/simulator/instruments.ts: scale "weighing", printer "printing", lab "analysis".
  weighing: (random) => {
    const input: Json = { userAge: between(random, 18, 90), userGender: pick(random, ["female", "male", "other"]) };
    if (random() < 0.5) input.heightCm = between(random, 150, 200);
    return input;
  },
  printing: (random) => ({
    fileName: `part-${between(random, 1, 999)}.gcode`,
    material: pick(random, ["PLA", "PETG", "ABS"]),
    quality: pick(random, ["draft", "normal", "high"]),
  }),
  analysis: (random) => ({
    sampleType: pick(random, ["water", "wastewater", "soil", "buffer"]),
    testType: pick(random, ["pH", "conductivity", "turbidity", "dissolvedOxygen"]),
  }),
};

export function inputFor(sessionType: string, declaredSchemaJson: string, random: Random): Json {
  const known = KNOWN[sessionType];
  if (known) return known(random);
  try {
    return fromSchema(JSON.parse(declaredSchemaJson), random) as Json;
  } catch {
    return {};
  }
}

/** The smallest value the schema accepts, for the common keywords (required properties only). */
function fromSchema(schema: any, random: Random, depth = 0): unknown {
  if (!schema || typeof schema !== "object" || depth > 8) return {};
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return pick(random, schema.enum);
  if ("default" in schema) return schema.default;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "integer":
    case "number":
      return typeof schema.minimum === "number" ? Math.ceil(schema.minimum) : typeof schema.maximum === "number" ? Math.floor(schema.maximum) : 1;
    case "string":
      return "x".repeat(Math.max(1, schema.minLength ?? 1));
    case "boolean":
      return true;
    case "array":
      return Array.from({ length: schema.minItems ?? 0 }, () => fromSchema(schema.items, random, depth + 1));
    default: {
      const out: Json = {};
      for (const name of Array.isArray(schema.required) ? schema.required : []) out[name] = fromSchema(schema.properties?.[name], random, depth + 1);
      return out;
    }
  }
}
