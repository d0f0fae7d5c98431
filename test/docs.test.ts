/**
 * Docs and code stay in step: every error code in shared/ has a section in docs/ERRORS.md,
 * every message type appears in docs/PROTOCOL.md, and every configuration variable is in
 * the README's table.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ErrorCode, DeviceToRoom, RoomToDevice, RoomToUser, UserToRoom, EndReason } from "@baton/protocol";
import { ConfigSchema } from "@baton/server/config/config.ts";

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

  it("names every message type and end reason in docs/PROTOCOL.md", () => {
    const protocol = read("docs/PROTOCOL.md");
    for (const type of [...Object.values(UserToRoom), ...Object.values(RoomToUser), ...Object.values(DeviceToRoom), ...Object.values(RoomToDevice), ...Object.values(EndReason)]) {
      expect(protocol, `docs/PROTOCOL.md should mention \`${type}\``).toContain(`\`${type}\``);
    }
  });

  it("lists every configuration variable in the README", () => {
    const readme = read("README.md");
    for (const variable of Object.keys(ConfigSchema.shape)) {
      expect(readme, `README should document ${variable}`).toContain(`\`${variable}\``);
    }
  });
});
