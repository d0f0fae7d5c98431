/**
 * The numbers the simulator and the firmware must agree on but that are not protocol
 * constants (those are checked by test/e2e/protocolHeader.test.ts): the limits the firmware
 * repeats from shared/messages.ts, the held-report bound, the job grace, and the device
 * profile the contract vectors run with. Like test/e2e/resendPolicy.test.ts, it reads the C
 * sources, so a change on one side only fails here instead of drifting.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Limits, MAX_DURATION_MS } from "@baton/protocol";
import { DEFAULT_BACKOFF } from "../../client/src/simulator/backoff.ts";
import { MAX_HELD_REPORTS } from "../../client/src/simulator/heldReports.ts";
import { JOB_GRACE_MS } from "../../client/src/simulator/jobBudget.ts";
import { loadProfile, repoRoot } from "./vectors.ts";

const core = path.join(repoRoot, "firmware/components/baton_core");
const source = (file: string) => readFileSync(path.join(core, file), "utf8");

/** The value of `#define name <expr>` in a C file, where expr is a product of integer literals. */
function define(file: string, name: string): number {
  const match = source(file).match(new RegExp(`^#define ${name} \\(?([0-9ul* ]+?)\\)?$`, "m"));
  if (!match) throw new Error(`${file} has no #define ${name} that is a product of integers`);
  return match[1]!.split("*").map((factor) => Number(factor.trim().replace(/u(ll)?$/i, ""))).reduce((a, b) => a * b, 1);
}

describe("limits the firmware repeats", () => {
  it("run id and session type lengths are shared/messages.ts Limits", () => {
    expect(define("include/baton_config.h", "BATON_RUN_ID_MAX")).toBe(Limits.runId);
    expect(define("include/baton_config.h", "BATON_SESSION_TYPE_MAX")).toBe(Limits.sessionTypeName);
    expect(define("src/baton_session_reports.c", "SHORT_TEXT_MAX")).toBe(Limits.shortText);
  });

  it("a deadlineMs up to 7 days is a duration in both devices", () => {
    expect(define("src/baton_session_commands.c", "MAX_RELATIVE_BUDGET_MS")).toBe(MAX_DURATION_MS);
  });

  it("both hold the same number of reports and give a job the same grace", () => {
    expect(define("include/baton_config.h", "BATON_MAX_HELD_REPORTS")).toBe(MAX_HELD_REPORTS);
    expect(define("src/baton_session.c", "DEFAULT_JOB_GRACE_MS")).toBe(JOB_GRACE_MS);
  });

  it("the contract vectors run with the simulator's defaults", () => {
    const profile = loadProfile();
    expect(profile.jobGraceMs).toBe(JOB_GRACE_MS);
    expect(profile.reconnect).toEqual(DEFAULT_BACKOFF);
    expect(profile.heartbeatIntervalMs).toBe(5_000);
  });
});
