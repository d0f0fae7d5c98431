/**
 * Docs and code stay in step: every error code in shared/ has a section in docs/ERRORS.md,
 * every message type appears in docs/PROTOCOL.md, and every configuration variable is in
 * the README's table.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ErrorCode, DeviceToRoom, RoomToDevice, RoomToUser, UserToRoom, EndReason } from "@baton/protocol";
import { ConfigSchema } from "../server/src/config/config.ts";
import { fileKeyOf } from "../server/src/config/configFile.ts";

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");

describe("documentation", () => {
  it("documents every error code in docs/ERRORS.md, and no code that does not exist", () => {
    const errors = read("docs/ERRORS.md");
    const documented = [...errors.matchAll(/^### `([A-Z_]+)`/gm)].map((match) => match[1]);
    expect(documented.sort()).toEqual(Object.values(ErrorCode).sort());
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
