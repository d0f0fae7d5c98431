/**
 * A device's declared output schema (issue 22 item 4), over real sockets: it reaches
 * spectators in the room state and HTTP clients in GET /devices/{id}, beside the input
 * schema; a result that breaks it is still stored and delivered to its owner — a measurement
 * that happened is never thrown away — and the server's log flags the mismatch; a result
 * that matches it is not flagged. The bounds on declared output schemas are in
 * test/security/declaredSchemas.test.ts.
 */
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { SessionTypeSpec } from "@baton/protocol";
import { joinDevice, type DeviceSession } from "../support/deviceSession.ts";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, WEIGHING } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";

const WEIGHING_WITH_OUTPUT: SessionTypeSpec = {
  ...WEIGHING,
  outputSchema: {
    type: "object",
    properties: {
      weight: { type: "number", exclusiveMinimum: 0, title: "Weight", "x-unit": "kg", "x-decimals": 1 },
      stable: { type: "boolean", title: "Stable" },
    },
    required: ["weight"],
    additionalProperties: false,
  },
};

let baton: TestBaton;
const open: { leave(): unknown }[] = [];
/** What the server logged at warn level while the tests ran (the logger itself still logs). */
const warnings: string[] = [];

beforeAll(async () => {
  baton = await startBaton();
  const logger = baton.services.logger;
  const warn = logger.warn.bind(logger);
  logger.warn = ((...args: unknown[]) => {
    warnings.push(args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg))).join(" "));
    return (warn as (...rest: unknown[]) => void)(...args);
  }) as typeof logger.warn;
});
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((connection) => connection.leave()));
});
afterAll(() => baton.shutdown());

async function scaleWithOutputSchema() {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING_WITH_OUTPUT]);
  open.push(device);
  const owner = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("olga", "Olga"), deviceId });
  open.push(owner);
  await waitFor(() => owner.state.device.online);
  return { deviceId, device, owner };
}

async function weigh(device: ScriptedDevice, owner: DeviceSession, output: Record<string, unknown>) {
  owner.claim({ sessionType: "weighing", input: {}, releaseOnComplete: true });
  const start = (await device.next("start")).payload;
  device.send("result", { epoch: start.epoch, runId: start.runId, output });
  await device.next("ack");
  return { runId: start.runId as string, result: await owner.nextResult() };
}

it("shows the declared output schema to spectators in the room state and over HTTP", async () => {
  const { deviceId, owner } = await scaleWithOutputSchema();
  const declared = owner.state.device.sessionTypes[0]!;
  expect(JSON.parse(declared.outputSchema)).toEqual(WEIGHING_WITH_OUTPUT.outputSchema);
  expect(JSON.parse(declared.inputSchema)).toEqual(WEIGHING.inputSchema);

  const response = await fetch(`${baton.httpUrl}/devices/${deviceId}`, { headers: { authorization: `Bearer ${await baton.tokenFor("pete")}` } });
  expect(response.status).toBe(200);
  const details = (await response.json()) as { sessionTypes: SessionTypeSpec[] };
  expect(details.sessionTypes[0]!.outputSchema).toEqual(WEIGHING_WITH_OUTPUT.outputSchema);
});

it("leaves the output schema empty in the state when a device declares none", async () => {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING]);
  open.push(device);
  const spectator = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("pete"), deviceId });
  open.push(spectator);
  await waitFor(() => spectator.state.device.sessionTypes.length === 1);
  expect(spectator.state.device.sessionTypes[0]!.outputSchema).toBe("");
});

it("stores and delivers a result that breaks the output schema, and flags it in the log", async () => {
  const { deviceId, device, owner } = await scaleWithOutputSchema();
  const before = warnings.length;
  const { runId, result } = await weigh(device, owner, { weight: -3 });
  expect(result.output).toEqual({ weight: -3 });
  // Stored as reported: the owner finds it in GET /results too.
  const stored = await (await fetch(`${baton.httpUrl}/results`, { headers: { authorization: `Bearer ${await baton.tokenFor("olga", "Olga")}` } })).json() as { results: { runId: string; output: unknown }[] };
  expect(stored.results.find((entry) => entry.runId === runId)?.output).toEqual({ weight: -3 });
  const flagged = warnings.slice(before).filter((line) => line.includes(runId));
  expect(flagged).toHaveLength(1);
  expect(flagged[0]).toContain(`device ${deviceId}`);
  expect(flagged[0]).toMatch(/does not match the outputSchema it declared for "weighing" \(output.weight must be > 0\); stored and delivered all the same/);
});

it("does not flag a result that matches the output schema", async () => {
  const { device, owner } = await scaleWithOutputSchema();
  const before = warnings.length;
  const { runId, result } = await weigh(device, owner, { weight: 72.4, stable: true });
  expect(result.output).toEqual({ weight: 72.4, stable: true });
  expect(warnings.slice(before).filter((line) => line.includes(runId))).toEqual([]);
});
