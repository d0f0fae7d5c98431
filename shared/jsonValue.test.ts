import { describe, expect, it } from "vitest";
import { JsonLimits, jsonObject, jsonObjectWithin, jsonValue, jsonValueProblem } from "./jsonValue.ts";

function nested(depth: number): unknown {
  let value: unknown = 0;
  for (let level = 0; level < depth; level++) value = level % 2 ? [value] : { n: value };
  return value;
}

describe("plain JSON values", () => {
  it("accepts what JSON.parse can produce, and objects without a prototype", () => {
    const value = JSON.parse('{"a":[1,-2.5,"x",true,null,{"b":{}}],"c":1e300}');
    expect(jsonValueProblem(value)).toBeUndefined();
    expect(jsonValue.parse(value)).toBe(value);
    const bare = Object.assign(Object.create(null), { a: 1 });
    expect(jsonValueProblem(bare)).toBeUndefined();
  });

  it("refuses what msgpack carries and JSON does not, naming where", () => {
    const cases: [unknown, RegExp][] = [
      [2n ** 60n, /beyond ±\(2\^53 − 1\)/],
      [-(2n ** 53n), /beyond/],
      [undefined, /undefined/],
      [Number.NaN, /NaN is not a JSON number/],
      [Infinity, /Infinity/],
      [Buffer.from([1]), /binary data/],
      [new Float32Array(2), /binary data/],
      [new ArrayBuffer(2), /binary data/],
      [new Date(0), /a Date/],
      [new Map(), /a Map/],
      [() => 1, /a function/],
      [Symbol("s"), /a symbol/],
    ];
    for (const [hostile, message] of cases) {
      const problem = jsonValueProblem({ a: [1, { b: hostile }] });
      expect(problem?.path).toEqual(["a", 1, "b"]);
      expect(problem?.message).toMatch(message);
    }
  });

  it("bounds depth and size without recursing", () => {
    expect(jsonValueProblem(nested(JsonLimits.depth))).toBeUndefined();
    expect(jsonValueProblem(nested(JsonLimits.depth + 1))?.message).toMatch(/deeper than 64/);
    expect(jsonValueProblem(nested(1_000_000))?.message).toMatch(/deeper than 64/); // no stack overflow
    expect(jsonValueProblem(new Array(JsonLimits.values).fill(0))?.message).toMatch(/more than 100000 values/);
    expect(jsonValueProblem(new Array(JsonLimits.values - 1).fill(0))).toBeUndefined();
  });

  it("hands on 64-bit integers JSON can hold as numbers, and only objects as objects", () => {
    expect(jsonObject.parse({ at: 2n ** 40n, list: [-(2n ** 53n) + 1n] })).toEqual({ at: 2 ** 40, list: [-(2 ** 53) + 1] });
    expect(jsonObject.safeParse([1]).success).toBe(false);
    expect(jsonObject.safeParse(null).success).toBe(false);
    expect(jsonObject.safeParse({ a: 2n ** 60n }).error?.issues[0]?.path).toEqual(["a"]);
  });

  it("leaves depth to the caller when asked (declared schemas), and converts deep values without recursing", () => {
    const deep = { root: nested(20_000), at: 2n ** 40n };
    const parsed = jsonObjectWithin({ depth: Number.MAX_SAFE_INTEGER, values: JsonLimits.values }).parse({ ...deep, root: [deep.root, 5n] }) as any;
    expect(parsed.at).toBe(2 ** 40);
    expect(parsed.root[1]).toBe(5);
    expect(jsonObject.safeParse(deep).success).toBe(false);
  });
});
