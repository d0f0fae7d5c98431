/**
 * Docs and code stay in step: every error code in shared/ has a section in docs/ERRORS.md,
 * every message type appears in docs/PROTOCOL.md, and every configuration variable is in
 * the README's table.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as protocol from "@baton/protocol";
import { BatonCloseCode, ErrorCode, DeviceToRoom, RoomToDevice, RoomToUser, UserToRoom, EndReason } from "@baton/protocol";
import { ConfigSchema } from "@baton/server/config/config.ts";
import * as core from "@baton/server/session/core.ts";
import * as resend from "../client/src/simulator/resend.ts";
import * as heldReports from "../client/src/simulator/heldReports.ts";
import { fileKeyOf } from "@baton/server/config/configFile.ts";

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");

describe("documentation", () => {
  it("documents every error code in docs/ERRORS.md, and no code that does not exist", () => {
    const errors = read("docs/ERRORS.md");
    const documented = [...errors.matchAll(/^### `([A-Z_]+)`/gm)].map((match) => match[1]);
    expect(documented.sort()).toEqual(Object.values(ErrorCode).sort());
  });

  it("documents the join refusal's errorCode field in docs/PROTOCOL.md and docs/ERRORS.md", () => {
    // The code travels as a field; the text prefix stays only for clients that predate it.
    expect(read("docs/PROTOCOL.md")).toMatch(/\{ code, error, errorCode \}/);
    expect(read("docs/ERRORS.md")).toContain("\"errorCode\": \"<CODE>\"");
  });

  it("names no error code in docs/PROTOCOL.md that the server does not have (ErrorCode in shared/protocol.ts)", () => {
    // Every `UPPER_SNAKE` name in PROTOCOL.md is an error code unless it is a close code, an
    // exported constant of @baton/protocol, a setting (BATON_…, server or firmware Kconfig), or
    // a device's own failure code given as an example.
    const DEVICE_FAILURE_EXAMPLES = ["FILAMENT_JAM"];
    const notErrors = new Set([...Object.keys(BatonCloseCode), ...Object.keys(protocol), ...Object.keys(core), ...Object.keys(resend), ...Object.keys(heldReports), ...DEVICE_FAILURE_EXAMPLES]);
    const named = [...read("docs/PROTOCOL.md").matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{4,})`/g)].map((match) => match[1]);
    const codes = new Set<string>(Object.values(ErrorCode));
    const unknown = [...new Set(named)].filter((name) => !codes.has(name) && !notErrors.has(name) && !name.startsWith("BATON_"));
    expect(unknown, "names in docs/PROTOCOL.md that are neither an ErrorCode nor another known constant").toEqual([]);
  });

  it("names every message type and end reason in docs/PROTOCOL.md", () => {
    const protocol = read("docs/PROTOCOL.md");
    for (const type of [...Object.values(UserToRoom), ...Object.values(RoomToUser), ...Object.values(DeviceToRoom), ...Object.values(RoomToDevice), ...Object.values(EndReason)]) {
      expect(protocol, `docs/PROTOCOL.md should mention \`${type}\``).toContain(`\`${type}\``);
    }
  });

  it("lists every configuration variable in the README's one table, with its file key, and nothing else", () => {
    const readme = read("README.md");
    const section = readme.slice(readme.indexOf("## Configuration\n"), readme.indexOf("\n## ", readme.indexOf("## Configuration\n") + 1));
    const rows = [...section.matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \|/gm)].map((match) => [match[1], match[2].trim()]);
    expect(rows.map(([variable]) => variable).sort()).toEqual(Object.keys(ConfigSchema.shape).sort());
    for (const [variable, key] of rows) {
      expect(key, `the file key of ${variable}`).toBe(variable === "BATON_CONFIG_FILE" ? "*(environment only)*" : `\`${fileKeyOf(variable)}\``);
    }
  });
});
