/**
 * Nothing lost for an owner who was away: a result that arrived while the owner's connection
 * was gone is stored; the owner is handed it when they come back to the room (once), and
 * can always find it with GET /results (paginated). The same for a failed run and a session
 * that ended while they were away (GET /results/outcomes).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { joinThroughProxy } from "../support/drop.ts";
import { ScriptedDevice } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";

let baton: TestBaton;
beforeAll(async () => {
  baton = await startBaton({ timers: { ownerReconnectGraceMs: 300, ownerIdleTimeoutMs: 0 } });
});
afterAll(() => baton.shutdown());

it("keeps a result that came while its owner was away, for that owner only", async () => {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
  const owner = await joinThroughProxy(baton.port, await baton.tokenFor("olga"), deviceId);
  await waitFor(() => owner.session.state.device.online);
  owner.session.claim({ sessionType: "weighing", input: { userAge: 50 } });
  const start = (await device.next("start")).payload;
  owner.cut(); // the owner's network goes away mid-run
  // …and the room has noticed (otherwise the result would go to a socket it still thinks is open).
  await waitFor(() => !(baton.colyseus.getRoomById(deviceId) as any)?.userConnections.has("olga"), 3_000, "the room saw the owner go");
  device.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 64.2 } });
  await device.next("ack");

  const get = async (token: string, query = "") => fetch(`${baton.httpUrl}/results${query}`, { headers: { authorization: `Bearer ${token}` } });
  const mine = await get(await baton.tokenFor("olga"));
  expect(mine.status).toBe(200);
  expect((await mine.json()).results).toEqual([expect.objectContaining({ deviceId, runId: start.runId, sessionType: "weighing", output: { weight: 64.2 } })]);
  expect((await (await get(await baton.tokenFor("someone-else"))).json()).results).toEqual([]);

  const anonymous = await fetch(`${baton.httpUrl}/results`);
  expect(anonymous.status).toBe(401);
  expect(await anonymous.json()).toMatchObject({ code: "UNAUTHORIZED" });
  const badLimit = await get(await baton.tokenFor("olga"), "?limit=9999");
  expect(badLimit.status).toBe(400);
  expect(await badLimit.json()).toMatchObject({ code: "INVALID_MESSAGE" });

  // Back in the room, the owner is handed the result that came while they were away — once.
  const { joinDevice } = await import("../support/deviceSession.ts");
  const back = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("olga"), deviceId });
  expect(await back.nextResult()).toMatchObject({ runId: start.runId, output: { weight: 64.2 } });
  const again = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("olga"), deviceId });
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(again.results).toHaveLength(0);
  expect(back.results).toHaveLength(1);
  expect(await baton.services.results.pendingFor(deviceId, "olga")).toEqual([]);

  await Promise.all([back.leave(), again.leave()]);
  await owner.proxy.close();
  await device.leave();
});

it("the owner is away when the run fails: they get the failure (and their session's end) on return, once after acknowledging; GET /results/outcomes lists them", async () => {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
  const owner = await joinThroughProxy(baton.port, await baton.tokenFor("fritz"), deviceId);
  await waitFor(() => owner.session.state.device.online);
  owner.session.claim({ sessionType: "weighing", input: { userAge: 50 } });
  const start = (await device.next("start")).payload;
  owner.cut();
  await waitFor(() => !(baton.colyseus.getRoomById(deviceId) as any)?.userConnections.has("fritz"), 3_000, "the room saw the owner go");
  device.send("failed", { epoch: start.epoch, runId: start.runId, code: "SCALE_OVERLOAD", message: "Over 200 kg." });
  await device.next("ack");
  // The owner stays away past their grace: the session ends owner_lost.
  await waitFor(() => (baton.colyseus.getRoomById(deviceId) as any)?.core?.session === null, 3_000, "the session ended");
  for (let poll = 0; poll < 100 && (await baton.services.results.pendingOutcomesFor(deviceId, "fritz")).length < 2; poll++) await new Promise((resolve) => setTimeout(resolve, 10));

  const get = async (token: string) => (await fetch(`${baton.httpUrl}/results/outcomes`, { headers: { authorization: `Bearer ${token}` } })).json();
  expect((await get(await baton.tokenFor("fritz"))).outcomes).toEqual([
    expect.objectContaining({ deviceId, kind: "session_ended", outcomeId: `session-${start.epoch}`, epoch: start.epoch, message: expect.objectContaining({ reason: "owner_lost" }), acknowledgedAt: null }),
    expect.objectContaining({ deviceId, kind: "run_failed", outcomeId: start.runId, message: expect.objectContaining({ code: "SCALE_OVERLOAD", message: "Over 200 kg." }), acknowledgedAt: null }),
  ]);
  expect((await get(await baton.tokenFor("someone-else"))).outcomes).toEqual([]);

  const { joinDevice } = await import("../support/deviceSession.ts");
  const back = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("fritz"), deviceId });
  expect(await back.nextFailure()).toMatchObject({ runId: start.runId, code: "SCALE_OVERLOAD" });
  await waitFor(() => back.endings.length === 1, 3_000, "the session's end");
  expect(back.endings[0]).toMatchObject({ reason: "owner_lost", epoch: start.epoch, ackId: `session-${start.epoch}` });
  for (let poll = 0; poll < 100 && (await baton.services.results.pendingOutcomesFor(deviceId, "fritz")).length > 0; poll++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(await baton.services.results.pendingOutcomesFor(deviceId, "fritz")).toEqual([]);
  // Acknowledged: not again.
  const again = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("fritz"), deviceId });
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(again.failures).toHaveLength(0);
  expect(again.endings).toHaveLength(0);
  expect(back.failures).toHaveLength(1);
  expect((await get(await baton.tokenFor("fritz"))).outcomes.every((outcome: { acknowledgedAt: number | null }) => outcome.acknowledgedAt !== null)).toBe(true);

  await Promise.all([back.leave(), again.leave()]);
  await owner.proxy.close();
  await device.leave();
});

it("pages GET /results with `next`, newest first, and refuses a malformed cursor", async () => {
  const deviceId = freshDeviceId();
  for (let index = 0; index < 5; index++) {
    await baton.services.results.saveDelivered({ deviceId, runId: `page-${index}`, epoch: 1, userId: "pia", sessionType: "weighing", output: { index }, storedAt: 1_000 + index });
  }
  const token = await baton.tokenFor("pia");
  const page = async (query: string) => (await fetch(`${baton.httpUrl}/results${query}`, { headers: { authorization: `Bearer ${token}` } })).json();
  const first = await page("?limit=2");
  const second = await page(`?limit=2&before=${first.next}`);
  const third = await page(`?limit=2&before=${second.next}`);
  expect([...first.results, ...second.results, ...third.results].map((result: { runId: string }) => result.runId)).toEqual(["page-4", "page-3", "page-2", "page-1", "page-0"]);
  expect(third.next).toBeUndefined();
  const bad = await fetch(`${baton.httpUrl}/results?before=drop%20table`, { headers: { authorization: `Bearer ${token}` } });
  expect(bad.status).toBe(400);
  expect(await bad.json()).toMatchObject({ code: "INVALID_MESSAGE" });
});

it("does not acknowledge a result until the store has it, retrying while the store fails", async () => {
  const deviceId = freshDeviceId();
  const realStore = baton.services.results;
  const realTransitions = baton.services.transitions;
  let failuresLeft = 3;
  let attempts = 0;
  // Fault injection: the real store behind a door that fails the first commits of a result.
  baton.services.transitions = {
    commit: async (write) => {
      if (write.delivered?.length) {
        attempts++;
        if (failuresLeft-- > 0) throw new Error("store unavailable (injected)");
      }
      return realTransitions.commit(write);
    },
  };
  try {
    const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
    const { joinDevice } = await import("../support/deviceSession.ts");
    const owner = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("sven"), deviceId });
    await waitFor(() => owner.state.device.online);
    owner.claim({ sessionType: "weighing", input: {} });
    const start = (await device.next("start")).payload;
    device.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 9.9 } });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(device.all("ack")).toHaveLength(0); // still failing: no ack, the device keeps its result
    expect((await device.next("ack", 5_000)).payload).toEqual({ runId: start.runId });
    expect(attempts).toBe(4);
    expect(await realStore.findByRunId(deviceId, start.runId)).toMatchObject({ status: "delivered", userId: "sven" });
    expect((await owner.nextResult()).output).toEqual({ weight: 9.9 });
    await Promise.all([owner.leave(), device.leave()]);
  } finally {
    baton.services.transitions = realTransitions;
  }
});

it("records sessions, runs and who did what, readable by admins only", async () => {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
  const { joinDevice } = await import("../support/deviceSession.ts");
  const owner = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("hana", "Hana"), deviceId });
  await waitFor(() => owner.state.device.online);
  owner.claim({ sessionType: "weighing", input: { userAge: 33 } });
  const start = (await device.next("start")).payload;
  device.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 55.5 } });
  await owner.nextResult();
  owner.release();
  await waitFor(() => owner.state.session.phase === "idle");
  await new Promise((resolve) => setTimeout(resolve, 100)); // history is written after the messages

  const history = (token: string, id = deviceId) => fetch(`${baton.httpUrl}/devices/${id}/history`, { headers: { authorization: `Bearer ${token}` } });
  const answer = await history(await baton.tokenFor("root", "Root", ["admin"]));
  expect(answer.status).toBe(200);
  const body = await answer.json();
  expect(body.sessions).toEqual([expect.objectContaining({ epoch: start.epoch, userId: "hana", userName: "Hana", endReason: "released", endedAt: expect.any(Number) })]);
  expect(body.runs).toEqual([expect.objectContaining({ runId: start.runId, sessionType: "weighing", input: { userAge: 33 }, output: { weight: 55.5 }, ok: true })]);
  expect(body.audit.map((entry: { action: string; actor: string }) => [entry.action, entry.actor])).toEqual([["release", "hana"], ["claim", "hana"]]);

  expect((await history(await baton.tokenFor("hana"))).status).toBe(403);
  expect((await history(await baton.tokenFor("root", "Root", ["admin"]), "no-such-device")).status).toBe(404);
  expect(await (await history(await baton.tokenFor("root", "Root", ["admin"]), "bad.id")).json()).toMatchObject({ code: "INVALID_MESSAGE" });
  await Promise.all([owner.leave(), device.leave()]);
});

it("recognises a re-sent copy of a result delivered long ago by its run id in the store, not only in the room's memory", async () => {
  const deviceId = freshDeviceId();
  // Delivered before the room's memory of recent run ids (64) — e.g. before a restart.
  await baton.services.results.saveDelivered({ deviceId, runId: "r-long-ago", epoch: 1, userId: "quinn", sessionType: "weighing", output: { weight: 1 }, storedAt: 1 });
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
  device.send("result", { epoch: 1, runId: "r-long-ago", output: { weight: 999 } });
  expect((await device.next("ack")).payload).toEqual({ runId: "r-long-ago" });
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(await baton.services.results.findOrphan(deviceId, "r-long-ago")).toBeUndefined(); // not an orphan: a duplicate
  expect(await baton.services.results.findByRunId(deviceId, "r-long-ago")).toMatchObject({ output: { weight: 1 }, userId: "quinn" }); // untouched
  await device.leave();
});
