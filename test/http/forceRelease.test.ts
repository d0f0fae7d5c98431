/**
 * "How do I take it back": an admin force-releases a device through the HTTP API. The
 * holder's connections get `session_ended` with reason `kicked` and a message naming the
 * admin and the reason; the device gets `cancel` with the current epoch for the run in
 * flight; the next claim gets a higher epoch; the audit log names the admin.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";
import { joinDevice } from "../support/deviceSession.ts";
import { call } from "./support.ts";
import { initialState } from "@baton/server/session/index.ts";

let baton: TestBaton;
beforeAll(async () => {
  baton = await startBaton();
});
afterAll(() => baton.shutdown());

it("ends the holder's session as kicked, cancels the run on the device, fences the next claim, and audits the admin", async () => {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
  const olga = await baton.tokenFor("olga", "Olga");
  const holderTab1 = await joinDevice({ url: baton.httpUrl, token: olga, deviceId });
  const holderTab2 = await joinDevice({ url: baton.httpUrl, token: olga, deviceId });
  await waitFor(() => holderTab1.state.device.online);
  holderTab1.claim({ sessionType: "weighing", input: { userAge: 33 } });
  const start = (await device.next("start")).payload;

  const admin = await baton.tokenFor("root", "Rita Root", ["admin"]);
  const answer = await call(baton, "POST", `/admin/devices/${deviceId}/force-release`, { token: admin, body: { reason: "the scale must be recalibrated" } });
  expect(answer).toMatchObject({ status: 200, body: { deviceId, released: true, epoch: start.epoch, holder: { userId: "olga", name: "Olga" } } });

  // The device is told to cancel the run, with the epoch it was started under.
  expect((await device.next("cancel")).payload).toEqual({ epoch: start.epoch, runId: start.runId });
  // Every connection of the holder hears why, with a documented end reason.
  for (const tab of [holderTab1, holderTab2]) {
    expect(await tab.nextSessionEnded()).toEqual({ deviceId, epoch: start.epoch, reason: "kicked", message: expect.stringMatching(/Rita Root.*recalibrated/), ackId: expect.any(String) });
  }
  await waitFor(() => holderTab1.state.session.phase === "idle");
  expect(holderTab1.state.session.endReason).toBe("kicked");

  // A second force-release finds nobody holding the device.
  expect((await call(baton, "POST", `/admin/devices/${deviceId}/force-release`, { token: admin, body: { reason: "again" } })).body).toMatchObject({ released: false });

  // The next claim takes a higher epoch; a late result of the kicked run is not credited to it.
  const pete = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("pete"), deviceId });
  pete.claim({ sessionType: "weighing", input: { userAge: 20 } });
  const next = (await device.next("start")).payload;
  expect(next.epoch).toBeGreaterThan(start.epoch);

  await waitFor(() => baton.events.some((event) => event.type === "session.ended" && event.deviceId === deviceId && event.reason === "kicked"));
  // The audit entry is written after the messages go out: poll for it.
  let audit: any[] = [];
  for (let attempt = 0; attempt < 100 && !audit.some((entry) => entry.action === "kick"); attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    audit = (await call(baton, "GET", `/admin/audit?deviceId=${deviceId}`, { token: admin })).body.entries;
  }
  expect(audit.find((entry: any) => entry.action === "kick")).toMatchObject({ actor: "root", deviceId, detail: { epoch: start.epoch, holder: "olga", reason: "the scale must be recalibrated" } });

  await Promise.all([holderTab1.leave(), holderTab2.leave(), pete.leave()]);
  await device.leave();
}, 20_000);

it("force-releases a session that is only in the store (no room yet, e.g. after a restart): the room is created and ends it", async () => {
  const deviceId = freshDeviceId();
  const now = Date.now();
  const stored = initialState(deviceId, now);
  await baton.services.deviceStates.save({
    ...stored,
    epoch: 4,
    session: { holder: { userId: "olga", name: "Olga" }, startedAt: now, lastActivity: now, expiresAt: now + 3_600_000, releaseOnComplete: false, ownerLostAt: 0, run: null, lastRun: null },
  });
  expect(baton.colyseus.getRoomById(deviceId)).toBeUndefined();
  const admin = await baton.tokenFor("root", "Rita Root", ["admin"]);
  const answer = await call(baton, "POST", `/admin/devices/${deviceId}/force-release`, { token: admin, body: { reason: "left over from before the restart" } });
  expect(answer).toMatchObject({ status: 200, body: { released: true, epoch: 4, holder: { userId: "olga" } } });
  await waitFor(() => baton.events.some((event) => event.type === "session.ended" && event.deviceId === deviceId && event.reason === "kicked"));
  const status = await call(baton, "GET", `/devices/${deviceId}`, { token: admin });
  expect(status.body.status).toMatchObject({ holder: null, epoch: 4, lastEndReason: "kicked" });
});
