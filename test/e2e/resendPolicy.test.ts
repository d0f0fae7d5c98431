/**
 * The simulator and the firmware re-send held reports after RATE_LIMITED with the same
 * back-off (docs/PROTOCOL.md §7.3): DEFAULT_RESEND_POLICY in client/src/simulator/resend.ts
 * and BATON_RESEND_* in the firmware's baton_config.h. They are device behaviour, not
 * protocol, so they live outside shared/protocol.ts and baton_protocol.h; this test keeps
 * the two devices from drifting apart.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEFAULT_RESEND_POLICY } from "../../client/src/simulator/resend.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const configHeader = readFileSync(path.join(repoRoot, "firmware/components/baton_core/include/baton_config.h"), "utf8");

function define(name: string): number {
  const match = configHeader.match(new RegExp(`^#define ${name} (\\d+)$`, "m"));
  if (!match) throw new Error(`baton_config.h has no numeric #define ${name}`);
  return Number(match[1]);
}

describe("re-send back-off after RATE_LIMITED", () => {
  it("is the same in the simulator and in the firmware", () => {
    expect(define("BATON_RESEND_INITIAL_DELAY_MS")).toBe(DEFAULT_RESEND_POLICY.baseDelayMs);
    expect(define("BATON_RESEND_MAX_DELAY_MS")).toBe(DEFAULT_RESEND_POLICY.maxDelayMs);
  });
});
