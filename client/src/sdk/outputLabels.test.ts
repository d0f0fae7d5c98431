import { describe, expect, it } from "vitest";
import { describeOutput, readableKey } from "./outputLabels.ts";

const PRINTING_OUTPUT = {
  type: "object",
  properties: {
    printTime: { type: "integer", title: "Print time", "x-unit": "s" },
    filamentUsed: { type: "number", title: "Filament used", "x-unit": "g", "x-decimals": 1, description: "Filament the print used." },
    status: { type: "string" },
  },
};

describe("describeOutput", () => {
  it("labels values with their declared titles and units, in the schema's order", () => {
    const lines = describeOutput({ status: "completed", filamentUsed: 27, printTime: 4867 }, PRINTING_OUTPUT);
    expect(lines.map((line) => [line.label, line.text])).toEqual([["Print time", "4867 s"], ["Filament used", "27.0 g"], ["Status", "completed"]]);
    expect(lines[1]).toMatchObject({ key: "filamentUsed", value: "27.0", unit: "g", description: "Filament the print used." });
  });

  it("keeps what the schema does not name, after what it does; without a schema, the keys as they are", () => {
    expect(describeOutput({ extra: true, printTime: 1 }, PRINTING_OUTPUT).map((line) => [line.label, line.text])).toEqual([["Print time", "1 s"], ["Extra", "yes"]]);
    expect(describeOutput({ printTime: 4867, nested: { a: 1 }, none: null }, null).map((line) => [line.label, line.text])).toEqual([["printTime", "4867"], ["nested", '{"a":1}'], ["none", "—"]]);
  });

  it("ignores display keywords of the wrong type (the schema is the device's, not trusted)", () => {
    const hostile = { properties: { weight: { title: 42, "x-unit": { evil: true }, "x-decimals": 1e9 } } };
    expect(describeOutput({ weight: 72.44 }, hostile)).toEqual([{ key: "weight", label: "Weight", value: "72.44", unit: "", text: "72.44" }]);
    expect(describeOutput({ weight: 1 }, { properties: "nope" } as never)[0]!.label).toBe("weight");
  });

  it("puts a unit only after a number", () => {
    expect(describeOutput({ weight: "n/a" }, { properties: { weight: { "x-unit": "kg" } } })[0]!.text).toBe("n/a");
  });

  it("makes keys readable", () => {
    expect(readableKey("printTime")).toBe("Print time");
    expect(readableKey("dissolved_oxygen")).toBe("Dissolved oxygen");
  });
});
