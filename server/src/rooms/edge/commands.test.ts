import { describe, expect, it } from "vitest";
import { errorSentence } from "@baton/protocol";
import { deviceCommand, userCommand } from "./commands.ts";

const alice = { userId: "alice", name: "Alice" };

describe("translating messages into core commands", () => {
  it("maps a claim with its options, and a bare claim", () => {
    expect(userCommand("claim", { sessionType: "weighing", input: { userAge: 3 }, releaseOnComplete: true }, alice)).toEqual({
      command: { type: "claim", user: alice, sessionType: "weighing", input: { userAge: 3 }, releaseOnComplete: true },
    });
    expect(userCommand("claim", {}, alice)).toEqual({ command: { type: "claim", user: alice } });
  });

  it("defaults a run's input to {}", () => {
    expect(userCommand("run", { sessionType: "weighing" }, alice)).toEqual({ command: { type: "run", user: alice, sessionType: "weighing", input: {} } });
  });

  it("accepts cancel and release with {}, nil or nothing, and nothing else", () => {
    for (const payload of [{}, null, undefined]) {
      expect(userCommand("release", payload, alice)).toEqual({ command: { type: "release", user: alice } });
      expect(userCommand("cancel", payload, alice)).toEqual({ command: { type: "cancel", user: alice } });
    }
    expect(userCommand("release", { force: true }, alice)).toMatchObject({ refusal: { code: "INVALID_MESSAGE" } });
  });

  it("maps result_ack to the core's acknowledgeResult, refused from devices and when malformed", () => {
    expect(userCommand("result_ack", { runId: "r-1" }, alice)).toEqual({ command: { type: "acknowledgeResult", user: alice, runId: "r-1" } });
    expect(userCommand("result_ack", { runId: "r-1" }, null)).toEqual({ refusal: { code: "FORBIDDEN_MESSAGE", params: { type: "result_ack", role: "device" } } });
    const forbidden = userCommand("result_ack", { runId: "r-1" }, null);
    expect("refusal" in forbidden && errorSentence(forbidden.refusal)).toBe('Devices may not send "result_ack".');
    const malformed = userCommand("result_ack", { runId: 7 }, alice);
    expect(malformed).toMatchObject({ refusal: { code: "INVALID_MESSAGE" } });
    expect("refusal" in malformed && errorSentence(malformed.refusal)).toMatch(/^Payload of "result_ack" is malformed: /);
  });

  it("names the malformed field", () => {
    const translation = userCommand("run", { sessionType: 7 }, alice);
    expect(translation).toMatchObject({ refusal: { code: "INVALID_MESSAGE" } });
    expect("refusal" in translation && errorSentence(translation.refusal)).toContain("sessionType");
  });

  it("refuses user commands from a device and device reports from a user", () => {
    expect(userCommand("claim", {}, null)).toMatchObject({ refusal: { code: "FORBIDDEN_MESSAGE" } });
    expect(deviceCommand("result", { epoch: 1, runId: "r", output: {} }, false)).toMatchObject({ refusal: { code: "FORBIDDEN_MESSAGE" } });
  });

  it("maps device reports and treats a heartbeat as proof of life", () => {
    expect(deviceCommand("result", { epoch: 2, runId: "r-1", output: { weight: 1 } }, true)).toEqual({ command: { type: "deviceResult", epoch: 2, runId: "r-1", output: { weight: 1 } } });
    expect(deviceCommand("failed", { epoch: 2, runId: "r-1", code: "JAM" }, true)).toEqual({ command: { type: "deviceFailed", epoch: 2, runId: "r-1", code: "JAM", message: "" } });
    expect(deviceCommand("heartbeat", { uptimeMs: 5 }, true)).toEqual({ command: { type: "deviceHeartbeat" } });
    expect(deviceCommand("progress", { epoch: 2, runId: "r-1", progress: 1.5 }, true)).toMatchObject({ refusal: { code: "INVALID_MESSAGE" } });
  });

  it("refuses a hello whose declared input schema ajv cannot compile", () => {
    const hello = { firmware: "x", sessionTypes: [{ name: "w", maxDurationMs: 1000, inputSchema: { type: "nonsense" } }] };
    expect(deviceCommand("hello", hello, true)).toMatchObject({ refusal: { code: "INVALID_CAPABILITIES" } });
  });
});

describe("queue messages (issue 13)", () => {
  it("maps enqueue, leave_queue, accept and decline; only admins' claims carry the admin flag", () => {
    expect(userCommand("enqueue", { sessionType: "weighing", input: { userAge: 3 }, releaseOnComplete: true }, alice)).toEqual({
      command: { type: "enqueue", user: alice, sessionType: "weighing", input: { userAge: 3 }, releaseOnComplete: true },
    });
    expect(userCommand("leave_queue", {}, alice)).toEqual({ command: { type: "leaveQueue", user: alice } });
    expect(userCommand("accept", null, alice)).toEqual({ command: { type: "acceptOffer", user: alice } });
    expect(userCommand("decline", undefined, alice)).toEqual({ command: { type: "declineOffer", user: alice } });
    expect(userCommand("claim", {}, alice, { admin: true })).toEqual({ command: { type: "claim", user: alice, admin: true } });
  });

  it("refuses malformed queue payloads at the edge, and devices sending them", () => {
    expect(userCommand("enqueue", { sessionType: "bad name!" }, alice)).toMatchObject({ refusal: { code: "INVALID_MESSAGE" } });
    expect(userCommand("enqueue", { admin: true }, alice)).toMatchObject({ refusal: { code: "INVALID_MESSAGE" } });
    expect(userCommand("accept", { now: 1 }, alice)).toMatchObject({ refusal: { code: "INVALID_MESSAGE" } });
    expect(userCommand("enqueue", {}, null)).toMatchObject({ refusal: { code: "FORBIDDEN_MESSAGE" } });
  });

  it("passes a device's needsReset capability on", () => {
    expect(deviceCommand("hello", { firmware: "f", sessionTypes: [], needsReset: true }, true)).toEqual({ command: { type: "deviceHello", firmware: "f", sessionTypes: [], needsReset: true } });
  });
});
