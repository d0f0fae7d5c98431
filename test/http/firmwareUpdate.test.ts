/**
 * Over-the-air updates, the server's side (issue 23), through a real server and a scripted
 * device: an admin's request reaches a connected device as `update` and an offline one in its
 * next `welcome`; the next hello records it applied (new version) or failed (old version after
 * the offer, never offered again); cancel; bounded bodies; the audit log; the heartbeat's stack
 * high-water marks in the device's status; the CLI writing the same record.
 */
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulatedDevice } from "../../client/src/simulator/index.ts";
import { BatonClient, BatonError } from "@baton/client";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, WEIGHING } from "../support/scriptedDevice.ts";
import { waitUntil } from "../support/waitFor.ts";
import { call } from "./support.ts";

let baton: TestBaton;
let admin: string;
let olga: string;
beforeAll(async () => {
  baton = await startBaton({ timers: { ownerIdleTimeoutMs: 0 } });
  admin = await baton.tokenFor("root", "Root", ["admin"]);
  olga = await baton.tokenFor("olga", "Olga");
});
afterAll(() => baton.shutdown());

const SHA = "ab".repeat(32);
const offer = (version: string) => ({ url: `http://127.0.0.1:9/fw-${version}.bin`, version, sha256: SHA });

/** A device that says hello with `firmware`; resolves with it and its welcome. */
async function online(deviceId: string, firmware: string) {
  const device = await ScriptedDevice.connect(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
  const welcome = device.next("welcome");
  device.send("hello", { firmware, sessionTypes: [WEIGHING] });
  return { device, welcome: (await welcome).payload };
}

async function auditOf(deviceId: string): Promise<{ action: string; actor: string; detail: any }[]> {
  const answer = await call(baton, "GET", `/admin/audit?deviceId=${deviceId}`, { token: admin });
  return answer.body.entries;
}

describe("firmware updates", () => {
  it("offers the image to a connected device at once; its hello with the new version records it applied", async () => {
    const deviceId = freshDeviceId();
    const { device, welcome } = await online(deviceId, "1.0.0");
    expect(welcome.update).toBeUndefined();
    const requested = await call(baton, "POST", `/admin/devices/${deviceId}/update`, { token: admin, body: offer("1.1.0") });
    expect(requested.status).toBe(202);
    expect(requested.body).toMatchObject({ deviceId, firmware: "1.0.0", update: { version: "1.1.0", status: "pending", fromVersion: "1.0.0", requestedBy: "root" } });
    expect(requested.body.update.offeredAt).toBeGreaterThan(0);
    expect((await device.next("update")).payload).toEqual(offer("1.1.0"));
    await device.leave();

    // The new image says hello: applied, and the next welcome offers nothing.
    const again = await online(deviceId, "1.1.0");
    expect(again.welcome.update).toBeUndefined();
    await waitUntil(async () => (await call(baton, "GET", `/admin/devices/${deviceId}/update`, { token: admin })).body.update.status === "applied");
    const state = await call(baton, "GET", `/admin/devices/${deviceId}/update`, { token: admin });
    expect(state.body).toMatchObject({ firmware: "1.1.0", update: { status: "applied", version: "1.1.0" } });
    expect(state.body.update.finishedAt).toBeGreaterThan(0);
    await waitUntil(async () => (await auditOf(deviceId)).some((entry) => entry.action === "update-applied"));
    const audit = await auditOf(deviceId);
    expect(audit.map((entry) => entry.action).slice(0, 2)).toEqual(["update-applied", "update-requested"]);
    expect(audit[0]).toMatchObject({ actor: "system", detail: { version: "1.1.0", fromVersion: "1.0.0" } });
    await again.device.leave();
  });

  it("keeps the request of an offline device and offers it in its next welcome; a hello on the old version after that records it failed, and it is not offered again", async () => {
    const deviceId = freshDeviceId();
    (await online(deviceId, "2.0.0")).device.leave();
    await waitUntil(async () => !(await call(baton, "GET", `/devices/${deviceId}`, { token: olga })).body.status.online);
    const requested = await call(baton, "POST", `/admin/devices/${deviceId}/update`, { token: admin, body: offer("2.1.0") });
    expect(requested.body.update).toMatchObject({ status: "pending", offeredAt: 0, fromVersion: "2.0.0" });

    const first = await online(deviceId, "2.0.0");
    expect(first.welcome.update).toEqual(offer("2.1.0"));
    await first.device.leave();

    // Back on 2.0.0 after the offer: the download, its check or the new image failed.
    const second = await online(deviceId, "2.0.0");
    expect(second.welcome.update).toBeUndefined();
    await waitUntil(async () => (await call(baton, "GET", `/admin/devices/${deviceId}/update`, { token: admin })).body.update.status === "failed");
    const state = (await call(baton, "GET", `/admin/devices/${deviceId}/update`, { token: admin })).body;
    expect(state.update.detail).toMatch(/came back with firmware "2\.0\.0"/);
    await waitUntil(async () => (await auditOf(deviceId)).some((entry) => entry.action === "update-failed"));
    expect((await auditOf(deviceId)).find((entry) => entry.action === "update-failed")).toMatchObject({ actor: "system", detail: { version: "2.1.0", reported: "2.0.0" } });
    expect(second.device.all("update")).toHaveLength(0);
    // Cancelling a request that is no longer pending: nothing to cancel.
    expect(await call(baton, "POST", `/admin/devices/${deviceId}/update/cancel`, { token: admin, body: {} })).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
    await second.device.leave();
  });

  it("records an update applied at once when the device already runs that version", async () => {
    const deviceId = freshDeviceId();
    const { device } = await online(deviceId, "3.0.0");
    const requested = await call(baton, "POST", `/admin/devices/${deviceId}/update`, { token: admin, body: offer("3.0.0") });
    expect(requested.body.update).toMatchObject({ status: "applied", offeredAt: 0 });
    expect(device.all("update")).toHaveLength(0);
    await device.leave();
  });

  it("cancels a pending request: the next welcome carries no offer; audited", async () => {
    const deviceId = freshDeviceId();
    (await online(deviceId, "4.0.0")).device.leave();
    await waitUntil(async () => !(await call(baton, "GET", `/devices/${deviceId}`, { token: olga })).body.status.online);
    await call(baton, "POST", `/admin/devices/${deviceId}/update`, { token: admin, body: offer("4.1.0") });
    const cancelled = await call(baton, "POST", `/admin/devices/${deviceId}/update/cancel`, { token: admin, body: {} });
    expect(cancelled.body.update).toMatchObject({ status: "cancelled", detail: "cancelled by root" });
    const { device, welcome } = await online(deviceId, "4.0.0");
    expect(welcome.update).toBeUndefined();
    expect((await auditOf(deviceId)).map((entry) => entry.action).slice(0, 2)).toEqual(["update-cancelled", "update-requested"]);
    await device.leave();
  });

  it("is reachable through the SDK: request, read, cancel; a second cancel is NOT_FOUND", async () => {
    const deviceId = freshDeviceId();
    (await online(deviceId, "7.0.0")).device.leave();
    await waitUntil(async () => !(await call(baton, "GET", `/devices/${deviceId}`, { token: olga })).body.status.online);
    const client = new BatonClient(baton.httpUrl, { token: admin });
    const requested = await client.admin.requestUpdate(deviceId, offer("7.1.0"));
    expect(requested).toMatchObject({ deviceId, firmware: "7.0.0", update: { status: "pending", version: "7.1.0" } });
    expect((await client.admin.firmwareUpdate(deviceId)).update?.status).toBe("pending");
    expect((await client.admin.cancelUpdate(deviceId)).update?.status).toBe("cancelled");
    const error = await client.admin.cancelUpdate(deviceId).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BatonError);
    expect(error).toMatchObject({ code: "NOT_FOUND" });
  });

  it("refuses a malformed offer with INVALID_MESSAGE and a sentence, an unknown device with UNKNOWN_DEVICE", async () => {
    const deviceId = freshDeviceId();
    (await online(deviceId, "5.0.0")).device.leave();
    const bad = [
      { ...offer("5.1.0"), url: "ftp://fw.lab/x.bin" },
      { ...offer("5.1.0"), url: `https://fw.lab/${"a".repeat(250)}` },
      { ...offer("5.1.0"), url: "https://fw.lab/a b.bin" },
      { ...offer("5.1.0"), version: "" },
      { ...offer("5.1.0"), version: "v".repeat(32) },
      { ...offer("5.1.0"), version: "1.0\n" },
      { ...offer("5.1.0"), sha256: "ab".repeat(31) },
      { ...offer("5.1.0"), sha256: "zz".repeat(32) },
      { ...offer("5.1.0"), extra: 1 },
    ];
    for (const body of bad) {
      const answer = await call(baton, "POST", `/admin/devices/${deviceId}/update`, { token: admin, body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.message, JSON.stringify(body)).toBeTruthy();
    }
    expect((await call(baton, "GET", `/admin/devices/${deviceId}/update`, { token: admin })).body.update).toBeNull();
    expect(await call(baton, "POST", "/admin/devices/no-such-device/update", { token: admin, body: offer("1") })).toMatchObject({ status: 404, body: { code: "UNKNOWN_DEVICE" } });
  });

  it("shows the heartbeat's stack high-water marks and the firmware in the device's status; refuses a bad stackFree", async () => {
    const deviceId = freshDeviceId();
    const { device } = await online(deviceId, "6.0.0");
    device.send("heartbeat", { uptimeMs: 1000, stackFree: { main: 3120, ota: 5400 } });
    await waitUntil(async () => (await call(baton, "GET", `/devices/${deviceId}`, { token: olga })).body.status.stackFree?.main === 3120);
    expect((await call(baton, "GET", `/devices/${deviceId}`, { token: olga })).body.status).toMatchObject({ firmware: "6.0.0", stackFree: { main: 3120, ota: 5400 } });
    device.send("heartbeat", { stackFree: { main: -1 } });
    expect((await device.next("error")).payload).toMatchObject({ code: "INVALID_MESSAGE", request: "heartbeat" });
    await device.leave();
    await waitUntil(async () => !(await call(baton, "GET", `/devices/${deviceId}`, { token: olga })).body.status.online);
    const offline = (await call(baton, "GET", `/devices/${deviceId}`, { token: olga })).body.status;
    expect(offline.firmware).toBe("6.0.0"); // the last hello's, kept
    expect(offline.stackFree).toBeUndefined(); // only while connected
  });

  it("the TypeScript simulator fetches the image, checks it, restarts and says hello with the new version; a wrong digest is refused", async () => {
    const image = Buffer.concat([Buffer.from("BATON-VDEVICE-IMAGE sim-2.0\n"), Buffer.alloc(4096, 7)]);
    const served: string[] = [];
    const files = createServer((request, response) => {
      served.push(request.url ?? "");
      response.writeHead(200, { "content-length": image.length }).end(image);
    });
    await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(files.address() as { port: number }).port}`;
    const deviceId = freshDeviceId();
    const device = await startSimulatedDevice({ url: baton.httpUrl, deviceId, secret: TEST_DEVICE_SECRET, instrument: "scale", speed: 100, heartbeatIntervalMs: 0 });
    try {
      const before = device.firmware;
      // A wrong digest: refused, the version stays, nothing restarts.
      const rejected = device.waitFor("updateRejected");
      await call(baton, "POST", `/admin/devices/${deviceId}/update`, { token: admin, body: { url: `${base}/bad.bin`, version: "sim-2.0", sha256: "0".repeat(64) } });
      expect((await rejected).reason).toMatch(/SHA-256 differs/);
      expect(device.firmware).toBe(before);

      const sha256 = createHash("sha256").update(image).digest("hex");
      const updated = device.waitFor("updated");
      await call(baton, "POST", `/admin/devices/${deviceId}/update`, { token: admin, body: { url: `${base}/good.bin`, version: "sim-2.0", sha256 } });
      expect((await updated).version).toBe("sim-2.0");
      await waitUntil(async () => (await call(baton, "GET", `/admin/devices/${deviceId}/update`, { token: admin })).body.update?.status === "applied", 5_000, "applied");
      expect(device.firmware).toBe("sim-2.0");
      expect((await call(baton, "GET", `/admin/devices/${deviceId}/update`, { token: admin })).body).toMatchObject({ firmware: "sim-2.0", update: { version: "sim-2.0", fromVersion: before } });
      expect(served).toEqual(["/bad.bin", "/good.bin"]);
    } finally {
      await device.close();
      await new Promise((resolve) => files.close(resolve));
    }
  });
});
