/**
 * Issue 18, finding 9: the dashboard re-checked device-declared `pattern`s with the browser's
 * backtracking RegExp, so a device declaring `^(a+)+$` with a pre-filled default of
 * many "a"s and a "!" froze the tab for seconds when the form was sent (or switched to JSON).
 * Patterns are now left to the server (linear-time RE2; INVALID_INPUT with a sentence the
 * form shows): the form's checks, on fields and on the whole schema, take no time for any
 * declared pattern, and never run one.
 */
import { describe, expect, it } from "vitest";
import { initialValues, planForm, type Field } from "../../client/web/src/form/fields.ts";
import { checkAgainstSchema, checkField, checkForm, withoutPatterns } from "../../client/web/src/form/validate.ts";

const HOSTILE = `${"a".repeat(27)}!`; // ~1 s in V8's backtracking engine, doubling with every "a"

function timed<T>(action: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = action();
  return { value, ms: performance.now() - started };
}

describe("the dashboard never runs a declared pattern with the browser's engine", () => {
  const schema = { type: "object", properties: { name: { type: "string", pattern: "^(a+)+$", default: HOSTILE } }, required: ["name"] };

  it("checks a form whose pre-filled default is the ReDoS input against ^(a+)+$ at once, leaving the pattern to the server", () => {
    const plan = planForm(schema);
    if (plan.mode !== "fields") throw new Error(`expected fields, got ${plan.mode}`);
    const values = initialValues(plan.fields);
    expect(values.name).toBe(HOSTILE);
    const { value, ms } = timed(() => checkForm(plan.fields, values, schema));
    expect(ms).toBeLessThan(100);
    expect(value).toEqual({ input: { name: HOSTILE }, problems: {} }); // the server answers INVALID_INPUT
  });

  it("does not run patterns in single fields either", () => {
    const field: Field = { name: "name", label: "Name", kind: "text", required: true, pattern: "^(a|aa)+$" };
    const { value, ms } = timed(() => checkField(field, `${"a".repeat(40)}!`));
    expect(ms).toBeLessThan(100);
    expect(value.value).toBe(`${"a".repeat(40)}!`);
  });

  it("drops nested patterns from the whole-schema check, and skips it when patterns choose the rules", () => {
    const nested = { type: "object", properties: { list: { type: "array", items: { type: "string", pattern: "^(a+)+$" } } } };
    expect(timed(() => checkAgainstSchema(nested, { list: [HOSTILE] })).ms).toBeLessThan(100);
    expect(checkAgainstSchema(nested, { list: [1] })).not.toEqual([]); // the other rules still hold
    const byPattern = { type: "object", patternProperties: { "^(a+)+$": { type: "integer" } }, additionalProperties: false };
    const { value, ms } = timed(() => checkAgainstSchema(byPattern, { [HOSTILE]: 1 }));
    expect(ms).toBeLessThan(100);
    expect(value).toEqual([]);
    expect(withoutPatterns({ type: "object", propertyNames: { pattern: "^(a+)+$" } })).toBeNull();
    // A property called "pattern", and data, are not keywords.
    expect(withoutPatterns({ properties: { pattern: { type: "string", pattern: "x" } }, enum: [{ pattern: "y" }] })).toEqual({ properties: { pattern: { type: "string" } }, enum: [{ pattern: "y" }] });
  });
});
