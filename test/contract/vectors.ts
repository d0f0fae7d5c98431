/**
 * Loads the device contract vectors (shared/device-contract/) and runs them against the
 * simulator's pure device core (client/src/simulator/deviceCore.ts). The C firmware runs the
 * same files with firmware/tests/test_contract.c. Used by deviceContract.test.ts, and by the
 * mutation test that proves a wrong vector fails both runners.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { DeviceCore, actionsOf, type CoreOutput, type CoreState, type DeviceProfile } from "../../client/src/simulator/deviceCore.ts";
import type { HeldReport } from "../../client/src/simulator/heldReports.ts";
import { NO_RESEND } from "../../client/src/simulator/resend.ts";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CONTRACT_DIR = path.join(repoRoot, "shared", "device-contract");

type Json = Record<string, unknown>;

export interface Scenario {
  name: string;
  memory: {
    connection: "offline" | "awaitingWelcome" | "online";
    highestEpoch?: number;
    job?: { runId: string; epoch: number; sessionType: string };
    held?: { report: "result" | "failed"; runId: string; epoch: number; output?: Json; code?: string }[];
  };
  steps: (Json & { expect: Json[] })[];
}

export interface VectorFile {
  file: string;
  rule: string;
  section: string;
  scenarios: Scenario[];
}

export function loadProfile(dir = CONTRACT_DIR): DeviceProfile {
  return JSON.parse(readFileSync(path.join(dir, "device.json"), "utf8")) as DeviceProfile;
}

/** Every vector file, each checked against vector.schema.json (a malformed file throws). */
export function loadVectors(dir = CONTRACT_DIR): VectorFile[] {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(JSON.parse(readFileSync(path.join(dir, "vector.schema.json"), "utf8")));
  const vectorDir = path.join(dir, "vectors");
  return readdirSync(vectorDir).filter((name) => name.endsWith(".json")).sort().map((name) => {
    const data: unknown = JSON.parse(readFileSync(path.join(vectorDir, name), "utf8"));
    if (!validate(data)) throw new Error(`${name} does not match vector.schema.json: ${ajv.errorsText(validate.errors)}`);
    return { file: name, ...(data as Omit<VectorFile, "file">) };
  });
}

function startingState(scenario: Scenario, profile: DeviceProfile): CoreState {
  const { memory } = scenario;
  const now = 1_000;
  const held: HeldReport[] = (memory.held ?? []).map((report) => ({
    report: report.report,
    runId: report.runId,
    epoch: report.epoch,
    inFlight: false,
    payload: report.report === "result"
      ? { epoch: report.epoch, runId: report.runId, output: report.output ?? {} }
      : { epoch: report.epoch, runId: report.runId, code: report.code ?? "DEVICE_FAILED", message: "held" },
  }));
  const job = memory.job && {
    ...memory.job,
    deadlineAtMs: now + profile.sessionTypes.find((type) => type.name === memory.job!.sessionType)!.maxDurationMs + profile.jobGraceMs,
  };
  return {
    nowMs: now,
    connection: memory.connection === "offline" ? "stopped" : memory.connection,
    reconnectAttempts: 0,
    nextHeartbeatAtMs: memory.connection === "online" ? now + profile.heartbeatIntervalMs : undefined,
    highestEpoch: memory.highestEpoch,
    job,
    held,
    resend: NO_RESEND,
  };
}

function runStep(device: DeviceCore, step: Json): CoreOutput[] {
  if (step.receive) {
    const message = step.receive as { type: string; payload: Json };
    return device.receive(message.type, message.payload);
  }
  if (typeof step.advanceMs === "number") return device.advance(step.advanceMs);
  if (step.job) {
    const job = step.job as { event: string; runId: string; output?: Json; code?: string; message?: string };
    return job.event === "result" ? device.jobResult(job.runId, job.output ?? {}) : device.jobFailed(job.runId, job.code ?? "DEVICE_FAILED", job.message ?? "");
  }
  if (step.telemetry) return device.telemetry((step.telemetry as { values: Record<string, number> }).values);
  if (step.device === "ready") return device.ready();
  if (step.device === "leave") return device.leave();
  const connection = step.connection;
  if (connection === "rejoin") return device.rejoin();
  if (connection === "attemptFailed") return device.attemptFailed();
  if (connection === "refused") return device.refused();
  if (connection && typeof connection === "object") return device.closed((connection as { closed: number }).closed);
  throw new Error(`unknown step ${JSON.stringify(step)}`);
}

/** Deep equality of JSON values, numbers compared by value. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === null || typeof a !== "object" || b === null || typeof b !== "object") return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a), keysB = Object.keys(b);
  return keysA.length === keysB.length && keysA.every((key) => sameJson((a as Json)[key], (b as Json)[key]));
}

/** An output matches its expectation: same kind and fields; a payload on the keys listed (null = absent). */
function matches(expected: Json, actual: CoreOutput): boolean {
  if ("send" in expected) {
    if (!("send" in actual) || actual.send !== expected.send) return false;
    const payload = (expected.payload ?? {}) as Json;
    return Object.entries(payload).every(([key, value]) => value === null ? actual.payload[key] === undefined : sameJson(value, actual.payload[key]));
  }
  return sameJson(expected, actual);
}

/** Runs one scenario; returns a description of the first mismatch, or undefined if it passes. */
export function runScenario(scenario: Scenario, profile: DeviceProfile): string | undefined {
  const device = new DeviceCore(profile, startingState(scenario, profile));
  for (const [index, step] of scenario.steps.entries()) {
    const actual = actionsOf(runStep(device, step)); // notes are the machine's explanations, not actions
    const expected = step.expect;
    const ok = actual.length === expected.length && expected.every((want, i) => matches(want, actual[i]!));
    if (!ok) return `step ${index + 1}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
  }
  return undefined;
}
