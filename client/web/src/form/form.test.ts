/**
 * The form generator and its sentences, on the schemas the simulated instruments declare
 * (client/src/simulator/instruments.ts) and on the shapes it must hand over to JSON editing.
 */
import { describe, expect, it } from "vitest";
import { INSTRUMENTS } from "@baton/client/simulator";
import { fieldHint, humanize, initialValues, planForm, type Field } from "./fields.ts";
import { checkForm, checkField, parseJsonInput } from "./validate.ts";

const schemaOf = (instrument: "scale" | "printer" | "lab") => INSTRUMENTS[instrument].sessionTypes[0].inputSchema as Record<string, unknown>;

function fieldsOf(schema: Record<string, unknown>): Field[] {
  const plan = planForm(schema);
  if (plan.mode !== "fields") throw new Error(`expected fields, got JSON editing: ${plan.reason}`);
  return plan.fields;
}

describe("planForm", () => {
  it("turns the scale's schema into labelled, typed, optional fields", () => {
    const fields = fieldsOf(schemaOf("scale"));
    expect(fields.map(({ name, label, kind, required }) => ({ name, label, kind, required }))).toEqual([
      { name: "userAge", label: "User age", kind: "integer", required: false },
      { name: "userGender", label: "User gender", kind: "choice", required: false },
      { name: "heightCm", label: "Height cm", kind: "integer", required: false },
    ]);
    expect(fields[0]).toMatchObject({ minimum: 1, maximum: 130 });
    expect(fields[1].choices).toEqual(["female", "male", "other"]);
  });

  it("says a number's declared unit (x-unit) in its hint", () => {
    const [height, seconds] = fieldsOf({ type: "object", properties: { height: { type: "integer", minimum: 50, maximum: 250, "x-unit": "cm" }, wait: { type: "number", "x-unit": "s" } } });
    expect(height).toMatchObject({ unit: "cm" });
    expect(fieldHint(height)).toBe("From 50 to 250 cm. A whole number. Optional.");
    expect(fieldHint(seconds)).toBe("In s. Optional.");
    expect(fieldsOf({ type: "object", properties: { n: { type: "number", "x-unit": 5 } } })[0].unit).toBeUndefined();
  });

  it("marks the printer's file name required and keeps its length limits", () => {
    const [fileName] = fieldsOf(schemaOf("printer"));
    expect(fileName).toMatchObject({ name: "fileName", kind: "text", required: true, minLength: 1, maxLength: 128 });
  });

  it("hands nested objects, arrays, combinators and formats over to JSON editing, with a reason", () => {
    expect(planForm({ type: "object", properties: { where: { type: "object" } } })).toMatchObject({ mode: "json", reason: expect.stringContaining("where") });
    expect(planForm({ type: "object", properties: { tags: { type: "array" } } }).mode).toBe("json");
    expect(planForm({ type: "object", oneOf: [] }).mode).toBe("json");
    expect(planForm({ type: "object", properties: { email: { type: "string", format: "email" } } }).mode).toBe("json");
    expect(planForm({ type: "object", required: ["ghost"] }).mode).toBe("json");
    expect(planForm("nonsense").mode).toBe("json");
  });

  it("prefers a declared title and starts from declared defaults", () => {
    const fields = fieldsOf({ type: "object", properties: { q: { type: "string", enum: ["draft", "high"], title: "Print quality", default: "draft" }, fast: { type: "boolean" } } });
    expect(fields[0].label).toBe("Print quality");
    expect(initialValues(fields)).toEqual({ q: "draft", fast: "false" });
    expect(humanize("file_name")).toBe("File name");
  });
});

describe("checking the input in words", () => {
  const scale = schemaOf("scale");
  const scaleFields = fieldsOf(scale);
  const printer = schemaOf("printer");
  const printerFields = fieldsOf(printer);

  it("builds the run input from valid text, leaving empty optional fields out", () => {
    expect(checkForm(scaleFields, { userAge: "36", userGender: "", heightCm: "170" }, scale)).toEqual({ input: { userAge: 36, heightCm: 170 }, problems: {} });
  });

  it("names the field and the rule that is broken", () => {
    const { problems } = checkForm(scaleFields, { userAge: "500", userGender: "", heightCm: "17.5" }, scale);
    expect(problems).toEqual({ userAge: "User age must be between 1 and 130.", heightCm: "Height cm must be a whole number." });
    expect(checkForm(printerFields, { fileName: " ", material: "", quality: "" }, printer).problems).toEqual({ fileName: "File name is required." });
    const long = checkField(printerFields[0], "x".repeat(129));
    expect(long.problem).toBe("File name must be at most 128 characters long.");
    expect(checkField({ name: "n", label: "Count", kind: "number", required: true, exclusiveMinimum: 0 }, "0").problem).toBe("Count must be more than 0.");
  });

  it("checks the whole input against the whole schema too (rules the form does not model)", () => {
    const schema = { type: "object", properties: { a: { type: "integer" }, b: { type: "integer" } }, not: { required: ["a", "b"] } };
    // planForm sends this schema to JSON editing (`not`); the whole-schema check still catches it from fields.
    const fields: Field[] = [{ name: "a", label: "A", kind: "integer", required: false }, { name: "b", label: "B", kind: "integer", required: false }];
    expect(checkForm(fields, { a: "1", b: "2" }, schema).problems[""]).toBeTruthy();
    expect(checkForm(fields, { a: "1", b: "" }, schema).problems).toEqual({});
  });

  it("reads JSON text as an object, or says why not", () => {
    expect(parseJsonInput('{"userAge": 30}')).toEqual({ input: { userAge: 30 } });
    expect(parseJsonInput("")).toEqual({ input: {} });
    expect(parseJsonInput("[1]").problem).toBe('The input must be a JSON object, for example {"userAge": 30}.');
    expect(parseJsonInput("{nope").problem).toMatch(/^The input is not valid JSON: /);
  });
});
