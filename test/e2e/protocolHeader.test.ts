/**
 * The firmware's C header (`baton_protocol.h`) mirrors shared/protocol.ts, the single source
 * of truth for message names, error codes, phases, end reasons and close codes. This test
 * imports the TypeScript objects themselves (no regex over TypeScript source) and checks the
 * mapping both ways: every constant is in the header with the same value, and the header
 * carries nothing that shared/ lacks. Naming rule (stated in the header): `Obj.KEY` becomes
 * `BATON_<OBJ_IN_SCREAMING_SNAKE>_<KEY>` (a leading "Baton" is not repeated), a top-level
 * `NAME` becomes `BATON_NAME`.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as protocol from "@baton/protocol/protocol";
import { BatonCloseCode, DEVICE_ROOM_NAME, DeviceToRoom, EndReason, ErrorCode, Phase, RoomToDevice, RoomToUser, UserToRoom } from "@baton/protocol";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const headerPath = path.join(repoRoot, "firmware/components/baton_core/include/baton_protocol.h");

/** `#define NAME value` lines of the header (the include guard left out), value as written. */
function headerDefines(): Map<string, string> {
  const text = readFileSync(headerPath, "utf8");
  const defines = new Map<string, string>();
  for (const match of text.matchAll(/^#define (BATON_\w+)(?:[ \t]+(.+?))?[ \t]*$/gm)) {
    if (match[1] === "BATON_PROTOCOL_H") continue;
    defines.set(match[1], match[2] ?? "");
  }
  return defines;
}

function screamingSnake(name: string): string {
  if (/^[A-Z0-9_]+$/.test(name)) return name;
  return name.replace(/(?<!^)(?=[A-Z])/g, "_").toUpperCase();
}

function prefixed(name: string): string {
  const snake = screamingSnake(name);
  return snake.startsWith("BATON_") ? snake : `BATON_${snake}`;
}

/** The C literal a value must appear as: a string in double quotes, a number as digits. */
function cLiteral(value: string | number): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** Every constant shared/protocol.ts exports (strings, numbers, flat objects of them), by its C name. */
function expectedDefines(): Map<string, string> {
  const expected = new Map<string, string>();
  for (const [exportName, value] of Object.entries(protocol)) {
    if (typeof value === "string" || typeof value === "number") {
      expected.set(prefixed(exportName), cLiteral(value));
    } else if (value !== null && typeof value === "object") {
      for (const [key, member] of Object.entries(value)) {
        if (typeof member !== "string" && typeof member !== "number") throw new Error(`${exportName}.${key} is neither a string nor a number: extend this test`);
        expected.set(`${prefixed(exportName)}_${key}`, cLiteral(member));
      }
    }
  }
  return expected;
}

describe("firmware baton_protocol.h mirrors shared/protocol.ts", () => {
  const header = headerDefines();
  const expected = expectedDefines();

  it("covers the objects the firmware depends on", () => {
    // Guard against a rename in shared/ silently shrinking what is checked.
    const sources: Record<string, Record<string, string | number>> = { UserToRoom, RoomToUser, DeviceToRoom, RoomToDevice, Phase, EndReason, ErrorCode, BatonCloseCode };
    for (const [objectName, object] of Object.entries(sources)) {
      expect(Object.keys(object).length, objectName).toBeGreaterThan(0);
      for (const [key, value] of Object.entries(object)) {
        expect(header.get(`${prefixed(objectName)}_${key}`), `${objectName}.${key}`).toBe(cLiteral(value));
      }
    }
    expect(header.get("BATON_DEVICE_ROOM_NAME")).toBe(cLiteral(DEVICE_ROOM_NAME));
    expect(header.get("BATON_CLOSE_CODE_DEVICE_SILENT")).toBe("4103");
    expect(header.get("BATON_ERROR_CODE_STALE_EPOCH")).toBe('"STALE_EPOCH"');
  });

  it("has every constant of shared/protocol.ts with the same value", () => {
    const drift = [...expected].filter(([name, value]) => header.get(name) !== value).map(([name, value]) => `${name}: shared has ${value}, header has ${header.get(name) ?? "nothing"}`);
    expect(drift).toEqual([]);
  });

  it("has no constant that shared/protocol.ts lacks", () => {
    const stale = [...header.keys()].filter((name) => !expected.has(name));
    expect(stale).toEqual([]);
  });
});
