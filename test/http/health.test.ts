/**
 * Health endpoints: /healthz answers while the process lives; /readyz is `ready`, turns
 * `degraded` with a reason when connected clients pass 90 % of BATON_MAX_CLIENTS (seed 001),
 * and `unready` (503) while the server drains for shutdown.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice } from "../support/scriptedDevice.ts";
import { joinDevice } from "../support/deviceSession.ts";
import { call } from "./support.ts";

let baton: TestBaton;
beforeAll(async () => {
  baton = await startBaton({ config: { maxClients: 5 } });
});
afterAll(() => baton.shutdown());

it("reports live, ready, then degraded past 90 % of a small capacity, then unready while draining", async () => {
  expect(await call(baton, "GET", "/healthz")).toEqual({ status: 200, body: { status: "ok" } });
  expect(await call(baton, "GET", "/readyz")).toEqual({ status: 200, body: { status: "ready", reasons: [], clients: 0, capacity: 5 } });

  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
  const viewers = [];
  for (const user of ["u1", "u2", "u3"]) viewers.push(await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor(user), deviceId }));
  // The device and three viewers are 4 of 5, 80 %: still ready. A fifth client is 100 %.
  expect((await call(baton, "GET", "/readyz")).body).toMatchObject({ status: "ready", clients: 4 });
  viewers.push(await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("u4"), deviceId }));
  const degraded = await call(baton, "GET", "/readyz");
  expect(degraded).toMatchObject({ status: 200, body: { status: "degraded", clients: 5, capacity: 5 } });
  expect(degraded.body.reasons[0]).toMatch(/5 connected clients is 100 % of the capacity of 5/);

  baton.services.readiness.draining = true;
  try {
    expect(await call(baton, "GET", "/readyz")).toMatchObject({ status: 503, body: { status: "unready", reasons: expect.arrayContaining([expect.stringMatching(/shutting down/)]) } });
    // …and a join is refused while draining, with a sentence that says why.
    await expect(joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("late"), deviceId })).rejects.toThrow(/SERVER_BUSY: The server is shutting down/);
  } finally {
    baton.services.readiness.draining = false;
  }

  await Promise.all(viewers.map((viewer) => viewer.leave()));
  await device.leave();
});
