/**
 * The HTTP API through a real server: devices with live status, history with its privacy
 * rule, admin actions, and the refusals — no token, an expired token, a non-admin on admin
 * routes, another user's run, malformed bodies and queries — each with its `{ code, message }`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@colyseus/sdk";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";
import { joinDevice } from "../support/deviceSession.ts";
import { call, expiredToken } from "./support.ts";

let baton: TestBaton;
let admin: string;
let olga: string;
let pete: string;
beforeAll(async () => {
  baton = await startBaton({ timers: { ownerIdleTimeoutMs: 0 } });
  admin = await baton.tokenFor("root", "Root", ["admin"]);
  olga = await baton.tokenFor("olga", "Olga");
  pete = await baton.tokenFor("pete", "Pete");
});
afterAll(() => baton.shutdown());

/** A device online, claimed by olga, with one finished run; resolves once the history is stored. */
async function deviceWithOneRun() {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
  const owner = await joinDevice({ url: baton.httpUrl, token: olga, deviceId });
  await waitFor(() => owner.state.device.online);
  owner.claim({ sessionType: "weighing", input: { userAge: 41 } });
  const start = (await device.next("start")).payload;
  device.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 70.5 } });
  await owner.nextResult();
  await waitFor(() => baton.events.some((event) => event.type === "run.completed" && event.runId === start.runId));
  return { deviceId, device, owner, epoch: start.epoch as number, runId: start.runId as string };
}

describe("authentication", () => {
  const userRoutes = ["/devices", "/devices/test-0", "/devices/test-0/sessions", "/devices/test-0/sessions/1", "/devices/test-0/runs/r-1", "/me/sessions", "/results"];
  it("refuses every user route without a token, and with an expired one", async () => {
    const expired = await expiredToken(baton, "olga");
    for (const path of userRoutes) {
      const anonymous = await call(baton, "GET", path);
      expect(anonymous, path).toMatchObject({ status: 401, body: { code: "UNAUTHORIZED" } });
      const stale = await call(baton, "GET", path, { token: expired });
      expect(stale.status, path).toBe(401);
      expect(stale.body.message, path).toMatch(/expired/);
    }
  });

  it("refuses every admin route to a non-admin with FORBIDDEN, and without a token with UNAUTHORIZED", async () => {
    const adminRoutes: [string, string, unknown?][] = [
      ["POST", "/admin/devices", { deviceId: "x-1" }],
      ["POST", "/admin/devices/test-0/disable", {}],
      ["POST", "/admin/devices/test-0/rotate-secret", {}],
      ["POST", "/admin/devices/test-0/force-release", { reason: "r" }],
      ["GET", "/admin/devices/test-0/update"],
      ["POST", "/admin/devices/test-0/update", { url: "https://fw.lab/a.bin", version: "2", sha256: "a".repeat(64) }],
      ["POST", "/admin/devices/test-0/update/cancel", {}],
      ["GET", "/admin/audit"],
      ["GET", "/devices/test-0/history"],
    ];
    for (const [method, path, body] of adminRoutes) {
      expect(await call(baton, method, path, { token: olga, body }), path).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });
      expect(await call(baton, method, path, { body }), path).toMatchObject({ status: 401, body: { code: "UNAUTHORIZED" } });
    }
    // Nothing happened: test-0 is neither disabled nor rotated.
    expect((await baton.services.registry.find("test-0"))?.disabledAt).toBeNull();
  });
});

describe("devices", () => {
  it("lists devices with live status — holder, since, phase, progress — and filters by kind and status", async () => {
    const deviceId = freshDeviceId();
    const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
    const owner = await joinDevice({ url: baton.httpUrl, token: olga, deviceId });
    await waitFor(() => owner.state.device.online);
    owner.claim({ sessionType: "weighing", input: { userAge: 30 } });
    const start = (await device.next("start")).payload;
    device.send("progress", { epoch: start.epoch, runId: start.runId, progress: 0.5 });
    await waitFor(() => owner.state.session.progress === 0.5);

    const held = await call(baton, "GET", `/devices?kind=test&status=held`, { token: pete });
    expect(held.status).toBe(200);
    const entry = held.body.devices.find((d: any) => d.deviceId === deviceId);
    expect(entry).toMatchObject({
      deviceId, kind: "test", disabled: false,
      status: { online: true, phase: "running", epoch: start.epoch, holder: { userId: "olga", name: "Olga" }, runId: start.runId, sessionType: "weighing", progress: 0.5, viewers: 1 },
    });
    expect(entry.status.heldSince).toEqual(expect.any(Number));
    expect(entry.secretHash).toBeUndefined();
    const free = await call(baton, "GET", `/devices?status=free&limit=500`, { token: pete });
    expect(free.body.devices.map((d: any) => d.deviceId)).not.toContain(deviceId);
    const otherKind = await call(baton, "GET", `/devices?kind=printer`, { token: pete });
    expect(otherKind.body.devices.every((d: any) => d.kind === "printer")).toBe(true);

    const one = await call(baton, "GET", `/devices/${deviceId}`, { token: pete });
    expect(one.status).toBe(200);
    expect(one.body.sessionTypes.map((t: any) => t.name)).toEqual(["weighing", "printing"]);
    expect(one.body.sessionTypes[0].inputSchema).toMatchObject({ type: "object" });
    expect(one.body.status.holder.userId).toBe("olga");

    await owner.leave();
    await device.leave();
  });

  it("answers a device without a room from its stored state, offline", async () => {
    const stored = await call(baton, "GET", `/devices/test-99`, { token: pete });
    expect(stored).toMatchObject({ status: 200, body: { deviceId: "test-99", status: { online: false, phase: "idle", holder: null, viewers: 0 } } });
  });

  it("pages the list with limit and next", async () => {
    const first = await call(baton, "GET", `/devices?limit=3`, { token: pete });
    expect(first.body.devices).toHaveLength(3);
    const second = await call(baton, "GET", `/devices?limit=3&after=${first.body.next}`, { token: pete });
    expect(second.body.devices[0].deviceId > first.body.next).toBe(true);
  });

  it("refuses malformed queries and ids, and names an unknown device", async () => {
    for (const query of ["limit=0", "limit=501", "limit=abc", "status=busy", "unknown=1", "after=bad%20id"]) {
      expect(await call(baton, "GET", `/devices?${query}`, { token: pete }), query).toMatchObject({ status: 400, body: { code: "INVALID_MESSAGE" } });
    }
    expect(await call(baton, "GET", `/devices/${"x".repeat(65)}`, { token: pete })).toMatchObject({ status: 400, body: { code: "INVALID_MESSAGE" } });
    expect(await call(baton, "GET", `/devices/no-such-device`, { token: pete })).toMatchObject({ status: 404, body: { code: "UNKNOWN_DEVICE" } });
  });
});

describe("history", () => {
  it("lists a device's sessions newest first, and shows runs' inputs and outputs to their holder and admins only", async () => {
    const { deviceId, device, owner, epoch, runId } = await deviceWithOneRun();
    owner.release();
    await waitFor(() => baton.events.some((event) => event.type === "session.ended" && event.deviceId === deviceId));

    const sessions = await call(baton, "GET", `/devices/${deviceId}/sessions`, { token: pete });
    expect(sessions.status).toBe(200);
    expect(sessions.body.sessions[0]).toMatchObject({ deviceId, epoch, userId: "olga", userName: "Olga" });

    for (const token of [olga, admin]) {
      const detail = await call(baton, "GET", `/devices/${deviceId}/sessions/${epoch}`, { token });
      expect(detail.status).toBe(200);
      expect(detail.body.runs).toEqual([expect.objectContaining({ runId, input: { userAge: 41 }, output: { weight: 70.5 }, ok: true })]);
      expect(await call(baton, "GET", `/devices/${deviceId}/runs/${runId}`, { token })).toMatchObject({ status: 200, body: { run: { runId, output: { weight: 70.5 } } } });
    }
    // Pete sees that the session happened, not what was weighed.
    const redacted = await call(baton, "GET", `/devices/${deviceId}/sessions/${epoch}`, { token: pete });
    expect(redacted.body.runs).toEqual([expect.objectContaining({ runId, private: true })]);
    expect(redacted.body.runs[0].input).toBeUndefined();
    expect(redacted.body.runs[0].output).toBeUndefined();
    expect(await call(baton, "GET", `/devices/${deviceId}/runs/${runId}`, { token: pete })).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });

    expect(await call(baton, "GET", `/devices/${deviceId}/sessions/${epoch + 100}`, { token: olga })).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
    expect(await call(baton, "GET", `/devices/${deviceId}/runs/r-nothing`, { token: olga })).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
    for (const path of [`/devices/${deviceId}/sessions?limit=101`, `/devices/${deviceId}/sessions?before=-1`, `/devices/${deviceId}/sessions/abc`, `/devices/${deviceId}/runs/${"r".repeat(65)}`, `/me/sessions?before=not-a-cursor`, `/me/sessions?limit=0`]) {
      expect(await call(baton, "GET", path, { token: olga }), path).toMatchObject({ status: 400, body: { code: "INVALID_MESSAGE" } });
    }
    await owner.leave();
    await device.leave();
  });

  it("pages the caller's own sessions across devices with an opaque cursor", async () => {
    const first = await deviceWithOneRun();
    first.owner.release();
    const second = await deviceWithOneRun();
    second.owner.release();
    await waitFor(() => baton.events.filter((event) => event.type === "session.ended" && [first.deviceId, second.deviceId].includes(event.deviceId)).length === 2);
    const page1 = await call(baton, "GET", `/me/sessions?limit=1`, { token: olga });
    expect(page1.body.sessions.map((s: any) => s.deviceId)).toEqual([second.deviceId]);
    const page2 = await call(baton, "GET", `/me/sessions?limit=1&before=${page1.body.next}`, { token: olga });
    expect(page2.body.sessions.map((s: any) => s.deviceId)).toEqual([first.deviceId]);
    expect((await call(baton, "GET", `/me/sessions`, { token: pete })).body.sessions).toEqual([]);
    await Promise.all([first.owner.leave(), second.owner.leave(), first.device.leave(), second.device.leave()]);
  });
});

describe("admin", () => {
  it("registers a device whose secret works once shown, refuses a duplicate, rotates and disables it, and audits each with the admin's id", async () => {
    const created = await call(baton, "POST", "/admin/devices", { token: admin, body: { deviceId: "api-scale-1", label: "API scale", kind: "scale" } });
    expect(created).toMatchObject({ status: 201, body: { deviceId: "api-scale-1", kind: "scale", secret: expect.any(String) } });
    const { device } = await ScriptedDevice.online(baton.httpUrl, "api-scale-1", created.body.secret);
    await device.leave();
    expect(await call(baton, "POST", "/admin/devices", { token: admin, body: { deviceId: "api-scale-1" } })).toMatchObject({ status: 409, body: { code: "DEVICE_EXISTS" } });

    const rotated = await call(baton, "POST", "/admin/devices/api-scale-1/rotate-secret", { token: admin, body: {} });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    const oldSecret = new Client(baton.httpUrl);
    oldSecret.auth.token = created.body.secret;
    await expect(oldSecret.joinOrCreate("device", { deviceId: "api-scale-1", role: "device" })).rejects.toThrow(/UNAUTHORIZED/);

    expect(await call(baton, "POST", "/admin/devices/api-scale-1/disable", { token: admin, body: {} })).toMatchObject({ status: 200, body: { disabled: true } });
    expect(await call(baton, "POST", "/admin/devices/nope-1/disable", { token: admin, body: {} })).toMatchObject({ status: 404, body: { code: "UNKNOWN_DEVICE" } });

    const audit = await call(baton, "GET", "/admin/audit?deviceId=api-scale-1", { token: admin });
    expect(audit.body.entries.map((entry: any) => [entry.action, entry.actor])).toEqual([["disable", "root"], ["rotate", "root"], ["register", "root"]]);
  });

  it("refuses malformed admin bodies and queries", async () => {
    const bad: [string, string, { body?: unknown; rawBody?: string }][] = [
      ["POST", "/admin/devices", { body: {} }],
      ["POST", "/admin/devices", { body: { deviceId: "has space" } }],
      ["POST", "/admin/devices", { body: { deviceId: "ok-1", secret: "chosen" } }],
      ["POST", "/admin/devices", { rawBody: "{not json" }],
      ["POST", "/admin/devices/test-0/disable", { body: { now: true } }],
      ["POST", "/admin/devices/test-0/force-release", { body: {} }],
      ["POST", "/admin/devices/test-0/force-release", { body: { reason: "   " } }],
      ["POST", "/admin/devices/test-0/force-release", { body: { reason: "x".repeat(501) } }],
      ["GET", "/admin/audit?limit=1000", {}],
      ["GET", "/admin/audit?deviceId=%00", {}],
    ];
    for (const [method, path, options] of bad) {
      expect(await call(baton, method, path, { token: admin, ...options }), `${method} ${path} ${JSON.stringify(options)}`).toMatchObject({ status: 400, body: { code: "INVALID_MESSAGE" } });
    }
    const tooLarge = await call(baton, "POST", "/admin/devices", { token: admin, rawBody: JSON.stringify({ deviceId: "big-1", label: "x".repeat(20_000) }) });
    expect(tooLarge).toMatchObject({ status: 413, body: { code: "PAYLOAD_TOO_LARGE" } });
  });
});
