/**
 * The device the vectors test is the device that runs: `npm run simulate`, the e2e tests and
 * the loadtest all use `SimulatedDevice` (client/src/simulator/device.ts), and that class is
 * only the shell around `DeviceCore` — the machine deviceContract.test.ts runs the vectors
 * against. Three checks keep it so:
 * - the vectors pass against the machine built from the simulator's own options (deviceProfile);
 * - against a scripted room, every frame the simulator sends is one the core decided to send, in
 *   the core's order, and every command it receives goes through the core;
 * - the shell does not import the rule modules the core is built from, so it cannot decide
 *   anything on the side.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SimulatedDevice, deviceProfile } from "../../client/src/simulator/device.ts";
import { DeviceCore, type CoreOutput } from "../../client/src/simulator/deviceCore.ts";
import { FakeRoom } from "../../client/src/simulator/fakeRoom.ts";
import { getInstrument } from "../../client/src/simulator/instruments.ts";
import { loadProfile, loadVectors, repoRoot, runScenario } from "./vectors.ts";

const contract = loadProfile();

describe("the simulator's machine is the contract's machine", () => {
  it("runs the vectors with the profile the simulator builds from its options", () => {
    const profile = deviceProfile({
      url: "http://unused", deviceId: "d", secret: "s", instrument: "scale",
      heartbeatIntervalMs: contract.heartbeatIntervalMs, reconnect: contract.reconnect, sessionTypes: contract.sessionTypes.map((type) => ({ ...type, inputSchema: {} })), firmware: "contract",
    }, getInstrument("scale"));
    const { $comment: _comment, ...numbers } = contract as typeof contract & { $comment?: string };
    expect(profile).toMatchObject(numbers);
    for (const vector of loadVectors()) {
      for (const scenario of vector.scenarios) expect(runScenario(scenario, profile), `${vector.file}: ${scenario.name}`).toBeUndefined();
    }
  });

  it("is a DeviceCore", () => {
    const device = new SimulatedDevice({ url: "http://unused", deviceId: "d", secret: "s", instrument: "scale" });
    expect(device.core).toBeInstanceOf(DeviceCore);
  });
});

describe("the simulator shell sends what its core decides, and nothing else", () => {
  let room: FakeRoom | undefined;
  let device: SimulatedDevice | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await device?.close();
    await room?.stop().catch(() => undefined);
  });

  /** Every input the shell gives the core, recorded with the sends it got back. */
  function recordCore(): { sends: { type: string; payload: unknown }[]; received: string[] } {
    const record = { sends: [] as { type: string; payload: unknown }[], received: [] as string[] };
    const inputs = ["receive", "advance", "rejoin", "reportResult", "reportFailure", "progress", "ready", "closed", "leave", "attemptFailed", "refused", "powerCycle"] as const;
    for (const name of inputs) {
      const original = DeviceCore.prototype[name] as (...args: unknown[]) => CoreOutput[];
      vi.spyOn(DeviceCore.prototype, name).mockImplementation(function (this: DeviceCore, ...args: unknown[]) {
        if (name === "receive") record.received.push(String(args[0]));
        const outputs = original.apply(this, args);
        for (const output of outputs) if ("send" in output) record.sends.push({ type: output.send, payload: output.payload });
        return outputs;
      });
    }
    return record;
  }

  it("through a run, an ack, a stale command, a lost connection and a resume", async () => {
    const record = recordCore();
    room = await FakeRoom.start();
    device = new SimulatedDevice({
      url: room.url, deviceId: "dev-1", secret: "s3cret", instrument: "scale", speed: 100, heartbeatIntervalMs: 20, resetDelayMs: 500,
      reconnect: { baseDelayMs: 5, maxDelayMs: 10, maxAttempts: 3 }, seed: 3,
    });
    await device.connect();
    room.send("start", { epoch: 2, runId: "r-1", sessionType: "weighing", input: { userAge: 30 }, deadlineMs: 30_000 });
    await room.next("result", 0);
    room.send("ack", { runId: "r-1" });
    await device.waitFor("ack");
    await room.next("ready", 0);
    room.send("start", { epoch: 1, runId: "r-old", sessionType: "weighing", input: {}, deadlineMs: 1 });
    await device.waitFor("staleIgnored");
    room.welcome = { epoch: 2, phase: "idle" };
    const mark = room.received.length;
    room.terminate();
    await room.next("hello", mark);
    await device.next("welcome");
    await room.next("heartbeat", mark);

    // Every message the shell sent is one its core decided, in the core's order. A heartbeat
    // (every 20 ms here) the core decided while the socket was down, or just before this
    // check, may not have left: heartbeats are compared as "sent ⊆ decided", the rest exactly.
    const sent = device.sent.map(({ type, payload }) => ({ type, payload }));
    const notHeartbeat = (message: { type: string }) => message.type !== "heartbeat";
    expect(sent.filter(notHeartbeat)).toEqual(record.sends.filter(notHeartbeat));
    const heartbeatsSent = sent.filter((message) => !notHeartbeat(message)).length;
    expect(heartbeatsSent).toBeGreaterThan(0);
    expect(heartbeatsSent).toBeLessThanOrEqual(record.sends.filter((message) => !notHeartbeat(message)).length);
    expect(device.sent.map((message) => message.type)).toEqual(expect.arrayContaining(["hello", "accepted", "result", "ready", "heartbeat"]));
    expect(record.received).toEqual(device.received.map((message) => message.type));
  });
});

describe("the shell decides nothing on the side", () => {
  it("reaches the rule modules only through deviceCore.ts", () => {
    const shell = ["device.ts", "deviceNotes.ts", "deviceProfile.ts"].map((file) => readFileSync(path.join(repoRoot, "client/src/simulator", file), "utf8")).join("\n");
    for (const rules of ["./decisions.ts", "./heldReports.ts", "./resend.ts\"", "./backoff.ts\"", "planWelcome", "planStart", "planCancel", "planRateLimited", "planResendDue", "reconnectDelayMs", "holdReport"]) {
      if (rules === "./resend.ts\"" || rules === "./backoff.ts\"") {
        // Only the policy defaults are taken from these, to build the profile.
        expect(shell).not.toMatch(new RegExp(`import \\{[^}]*(plan|resendAfter|reconnectDelayMs)[^}]*\\} from "${rules.slice(0, -1).replace(".", "\\.")}"`));
      } else {
        expect(shell, rules).not.toContain(rules);
      }
    }
  });
});
