/**
 * The log lines of one full session, from the real entry point in production mode: JSON on
 * stdout, one line per lifecycle event, each with device id, epoch, run id, user id and
 * reason where the event has them.
 */
import { afterAll, expect, it } from "vitest";
import { PRODUCTION_DEVICE, productionToken, spawnProductionServer, stopAllServers } from "../support/serverProcess.ts";
import { ScriptedDevice } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";
import { joinDevice } from "../support/deviceSession.ts";

afterAll(stopAllServers);

it("writes one JSON line per lifecycle event of a session", async () => {
  const server = await spawnProductionServer();
  const { device } = await ScriptedDevice.online(server.httpUrl, PRODUCTION_DEVICE.deviceId, PRODUCTION_DEVICE.secret);
  const owner = await joinDevice({ url: server.httpUrl, token: await productionToken("olga"), deviceId: PRODUCTION_DEVICE.deviceId });
  await waitFor(() => owner.state.device.online);
  owner.claim({ sessionType: "weighing", input: { userAge: 30 } });
  const start = (await device.next("start")).payload;
  device.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 61 } });
  await owner.nextResult();
  owner.release();

  const lines = () => server.stdout.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line));
  await waitFor(() => lines().some((line) => line.event === "session.ended"), 10_000, "the session.ended line");
  const events = lines().filter((line) => line.deviceId === PRODUCTION_DEVICE.deviceId);
  const deviceId = PRODUCTION_DEVICE.deviceId;
  expect(events.map((line) => line.event)).toEqual(["device.connected", "session.started", "run.started", "run.completed", "session.ended"]);
  expect(events[1]).toMatchObject({ level: 30, service: "baton", deviceId, epoch: start.epoch, userId: "olga", msg: "session.started" });
  expect(events[2]).toMatchObject({ deviceId, epoch: start.epoch, runId: start.runId, userId: "olga", sessionType: "weighing" });
  expect(events[3]).toMatchObject({ deviceId, epoch: start.epoch, runId: start.runId, userId: "olga", durationMs: expect.any(Number) });
  expect(events[4]).toMatchObject({ deviceId, epoch: start.epoch, userId: "olga", reason: "released" });
  for (const line of events) expect(typeof line.time).toBe("string");

  await owner.leave();
  await device.leave();
}, 30_000);
