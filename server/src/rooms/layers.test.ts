/**
 * The room pipeline's import rule (docs/DESIGN.md, "The room pipeline"): every import of
 * server/src/session/** and server/src/rooms/** is parsed and checked against the layers, so
 * an arrow going back up fails here rather than in review.
 *
 *   session/                     the pure core: imports only session/ and @baton/protocol
 *   rooms/edge, projection, cluster      (1) import no other rooms folder
 *   rooms/effects, operator, connections, telemetry (2) may import the folders of (1)
 *   rooms/device, rooms/pool             (3) the shells: may import (1) and (2), not each other
 *   rooms/services.ts            the services rooms are given: type-only imports
 *
 * Any rooms file may import rooms/services.ts. Outside rooms/, only the composition root
 * (app.ts) imports the shells.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const SRC = path.resolve(import.meta.dirname, "..");
const LEVEL: Record<string, number> = { edge: 1, projection: 1, cluster: 1, effects: 2, operator: 2, connections: 2, telemetry: 2, device: 3, pool: 3 };
const SHELLS = new Set(["device", "pool"]);

interface Import { from: string; to: string; typeOnly: boolean; line: number }

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(full);
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

/** Static imports, re-exports and dynamic `import()` of one file (comments stripped first). */
export function importsOf(file: string, text = fs.readFileSync(file, "utf8")): Import[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, " ")).replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  const found: Import[] = [];
  const pattern = /\b(import|export)\s+(type\s+)?(?:[^'"`;]*?\s+from\s+)?["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g;
  for (const match of code.matchAll(pattern)) {
    const specifier = match[3] ?? match[4]!;
    const line = code.slice(0, match.index).split("\n").length;
    found.push({ from: file, to: specifier.startsWith(".") ? path.resolve(path.dirname(file), specifier) : specifier, typeOnly: Boolean(match[2]), line });
  }
  return found;
}

/** Where a file sits: "session", "rooms/<folder>", "rooms/services.ts", "rooms" (a file directly in rooms/), or "other". */
function placeOf(file: string): string {
  const relative = path.relative(SRC, file).split(path.sep);
  if (relative[0] === "session") return "session";
  if (relative[0] !== "rooms") return "other";
  if (relative.length === 2) return relative[1] === "services.ts" ? "rooms/services.ts" : "rooms";
  return `rooms/${relative[1]}`;
}

/** The broken rule, or null when `entry` is allowed. */
export function violation(entry: Import): string | null {
  const from = placeOf(entry.from);
  const isPath = path.isAbsolute(entry.to);
  if (from === "session") {
    if (!isPath) return /^(@baton\/protocol(\/.*)?|vitest|fast-check|node:.*)$/.test(entry.to) ? null : `the core imports only @baton/protocol, not ${entry.to}`;
    return placeOf(entry.to) === "session" ? null : "the core imports only session/";
  }
  if (!isPath) return null;
  const to = placeOf(entry.to);
  if (from === "rooms/services.ts") return entry.typeOnly ? null : "rooms/services.ts imports types only";
  if (!from.startsWith("rooms/") || to === "rooms/services.ts" || !to.startsWith("rooms/")) {
    // Outside rooms/: only the composition root reaches a shell.
    const shell = to.startsWith("rooms/") && SHELLS.has(to.slice("rooms/".length));
    return shell && from === "other" && !entry.from.endsWith(`${path.sep}app.ts`) ? `only app.ts imports ${to}` : null;
  }
  if (from === to) return null;
  const fromLevel = LEVEL[from.slice("rooms/".length)];
  const toLevel = LEVEL[to.slice("rooms/".length)];
  if (fromLevel === undefined || toLevel === undefined) return `${from} or ${to} is not a known layer (add it to LEVEL and docs/DESIGN.md)`;
  return toLevel < fromLevel ? null : `${from} (level ${fromLevel}) may not import ${to} (level ${toLevel})`;
}

describe("the room pipeline's layers", () => {
  const files = [...filesUnder(path.join(SRC, "session")), ...filesUnder(path.join(SRC, "rooms")), ...filesUnder(SRC).filter((file) => placeOf(file) === "other")];

  it("no import goes back up", () => {
    const broken = files.flatMap((file) => importsOf(file)).flatMap((entry) => {
      const why = violation(entry);
      return why ? [`${path.relative(SRC, entry.from)}:${entry.line} → ${path.isAbsolute(entry.to) ? path.relative(SRC, entry.to) : entry.to}: ${why}`] : [];
    });
    expect(broken).toEqual([]);
  });

  it("every rooms/ folder is a known layer, and no file sits loose in rooms/ but services.ts and this test", () => {
    const entries = fs.readdirSync(path.join(SRC, "rooms"), { withFileTypes: true });
    expect(entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort()).toEqual(Object.keys(LEVEL).sort());
    expect(entries.filter((entry) => entry.isFile()).map((entry) => entry.name).sort()).toEqual(["layers.test.ts", "services.ts"]);
  });

  it("catches an arrow going back up (the checker checks)", () => {
    const at = (relative: string) => path.join(SRC, relative);
    const parsed = importsOf(at("rooms/edge/x.ts"), 'import { DeviceRoom } from "../device/DeviceRoom.ts";\nimport type { X } from "../projection/views.ts";');
    expect(parsed.map(violation)).toEqual([expect.stringContaining("may not import rooms/device"), expect.stringContaining("may not import rooms/projection")]);
    expect(importsOf(at("session/x.ts"), 'import { mirrorQueue } from "../rooms/projection/queueMirror.ts";').map(violation)).toEqual(["the core imports only session/"]);
    expect(importsOf(at("session/x.ts"), 'import { Room } from "@colyseus/core";').map(violation)).toEqual([expect.stringContaining("only @baton/protocol")]);
    expect(importsOf(at("rooms/device/x.ts"), 'import { x } from "../pool/PoolRoom.ts";').map(violation)).toEqual([expect.stringContaining("may not import rooms/pool")]);
    expect(importsOf(at("rooms/device/x.ts"), '// import { x } from "../pool/PoolRoom.ts";\nimport { y } from "../edge/commands.ts";').map(violation)).toEqual([null]);
  });
});
