/**
 * Over-the-air update end to end (issue 23): the real server, the C virtual device built from
 * the ESP32's sources (`baton-vdevice --ota-dir`, ports/posix/src/posix_ota.c under the shared
 * state machine baton_ota.c), and an image served by a plain http server on 127.0.0.1.
 * An admin asks for the update through the HTTP API; the device downloads it, checks its
 * SHA-256 and version, "reboots" into it, says hello with the new version and confirms it;
 * the store records it applied and the audit log has both entries. A wrong SHA-256 is refused
 * by the device, the old version stays, and the server records the request failed when the
 * device comes back on it — and does not offer it again. A new version that cannot reach the
 * server within the confirm timeout rolls back to the previous one.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { waitUntil } from "../support/waitFor.ts";
import { call } from "../http/support.ts";
import { requireVdeviceBinary, runCleanups, startSwitchableProxy, startVdevice, stopAllVdevices, tempStateDir, type Vdevice } from "./support-firmware.ts";

let baton: TestBaton;
let admin: string;
let images: Server;
let imagesUrl: string;
/** Path → bytes served; every GET is counted. */
const served = new Map<string, Buffer>();
/** Path → what the answer waits for (a test's gate). */
const gates = new Map<string, Promise<unknown>>();
const requests: string[] = [];
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  requireVdeviceBinary();
  baton = await startBaton({ timers: { ownerIdleTimeoutMs: 0 } });
  admin = await baton.tokenFor("root", "Root", ["admin"]);
  images = createServer((request, response) => {
    requests.push(request.url ?? "");
    const body = served.get(request.url ?? "");
    if (!body) return void response.writeHead(404).end();
    void (gates.get(request.url ?? "") ?? Promise.resolve()).then(() => {
      response.writeHead(200, { "content-type": "application/octet-stream", "content-length": body.length }).end(body);
    });
  });
  await new Promise<void>((resolve) => images.listen(0, "127.0.0.1", resolve));
  imagesUrl = `http://127.0.0.1:${(images.address() as { port: number }).port}`;
});
afterEach(() => runCleanups(cleanups));
afterAll(async () => {
  await stopAllVdevices();
  await new Promise((resolve) => images?.close(resolve));
  await baton?.shutdown();
});

/** A host image (baton_posix_ota.h): its version line, then some bytes. */
function image(version: string): { bytes: Buffer; sha256: string } {
  const bytes = Buffer.concat([Buffer.from(`BATON-VDEVICE-IMAGE ${version}\n`), Buffer.alloc(64 * 1024, version)]);
  return { bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
}

function device(deviceId: string, dir: string, firmware: string, options: { url?: string; confirmMs?: number } = {}): Vdevice {
  return startVdevice({
    url: options.url ?? baton.httpUrl, deviceId, secret: TEST_DEVICE_SECRET, instrument: "scale", stateFile: path.join(dir, "device.state"),
    extraArgs: ["--firmware", firmware, "--ota-dir", dir, "--ota-confirm-ms", String(options.confirmMs ?? 15_000)],
  });
}

function otaDir(): string {
  const dir = tempStateDir();
  cleanups.push(dir.remove);
  return path.dirname(dir.file);
}

async function updateState(deviceId: string) {
  return (await call(baton, "GET", `/admin/devices/${deviceId}/update`, { token: admin })).body;
}

async function auditActions(deviceId: string): Promise<string[]> {
  return (await call(baton, "GET", `/admin/audit?deviceId=${deviceId}`, { token: admin })).body.entries.map((entry: { action: string }) => entry.action);
}

describe("over-the-air update of the C virtual device", () => {
  it("downloads, verifies, switches, says hello with the new version and confirms it; the store says applied, the audit log has both entries", async () => {
    const deviceId = freshDeviceId();
    const dir = otaDir();
    const { bytes, sha256 } = image("0.2.0");
    served.set(`/${deviceId}/0.2.0.bin`, bytes);
    const vdevice = device(deviceId, dir, "0.1.0");
    await vdevice.waitForEvent((event) => event.name === "joined", 20_000, "joined");

    const requested = await call(baton, "POST", `/admin/devices/${deviceId}/update`, {
      token: admin, body: { url: `${imagesUrl}/${deviceId}/0.2.0.bin`, version: "0.2.0", sha256: sha256.toUpperCase() },
    });
    expect(requested).toMatchObject({ status: 202, body: { firmware: "0.1.0", update: { status: "pending", fromVersion: "0.1.0", sha256 } } });

    await vdevice.waitForEvent((event) => event.name === "ota-offered" && event.runId === "0.2.0", 5_000, "offer taken");
    await vdevice.waitForEvent((event) => event.name === "ota-switching" && event.runId === "0.2.0", 10_000, "verified and switching");
    await vdevice.waitForEvent((event) => event.name === "restarting" && event.runId === "0.2.0", 5_000, "reboot");
    await vdevice.waitForEvent((event) => event.name === "ota-confirmed" && event.runId === "0.2.0", 10_000, "confirmed at the first welcome");
    expect(vdevice.count("joined")).toBe(2);
    expect(vdevice.count("ota-rejected")).toBe(0);
    expect(readFileSync(path.join(dir, "firmware"), "utf8")).toBe("confirmed 0.2.0\n");
    expect(requests.filter((url) => url === `/${deviceId}/0.2.0.bin`)).toHaveLength(1);

    await waitUntil(async () => (await updateState(deviceId)).update.status === "applied", 5_000, "the store records it applied");
    expect(await updateState(deviceId)).toMatchObject({ firmware: "0.2.0", update: { status: "applied", version: "0.2.0", fromVersion: "0.1.0" } });
    expect((await call(baton, "GET", `/devices/${deviceId}`, { token: admin })).body.status.firmware).toBe("0.2.0");
    await waitUntil(async () => (await auditActions(deviceId)).includes("update-applied"), 5_000, "audited");
    expect((await auditActions(deviceId)).slice(0, 2)).toEqual(["update-applied", "update-requested"]);

    // The record is the boot slot: a restarted process runs the new version, and nothing is offered again.
    expect(await vdevice.stop("SIGTERM")).toBe(0);
    const again = device(deviceId, dir, "0.1.0");
    await again.waitForEvent((event) => event.name === "joined", 20_000, "joined again");
    expect(again.log()).toContain("firmware=0.2.0");
    expect(again.count("ota-offered")).toBe(0);
    expect(await again.stop("SIGTERM")).toBe(0);
  });

  it("refuses an image whose SHA-256 differs: the old version stays; back on it, the server records the request failed and offers it no more", async () => {
    const deviceId = freshDeviceId();
    const dir = otaDir();
    const { bytes } = image("0.3.0");
    served.set(`/${deviceId}/0.3.0.bin`, bytes);
    const vdevice = device(deviceId, dir, "0.1.0");
    await vdevice.waitForEvent((event) => event.name === "joined", 20_000, "joined");

    const wrong = createHash("sha256").update("another image").digest("hex");
    await call(baton, "POST", `/admin/devices/${deviceId}/update`, { token: admin, body: { url: `${imagesUrl}/${deviceId}/0.3.0.bin`, version: "0.3.0", sha256: wrong } });
    await vdevice.waitForEvent((event) => event.name === "ota-rejected" && event.runId === "0.3.0", 10_000, "image refused");
    expect(vdevice.log()).toContain("SHA-256 differs");
    expect(vdevice.count("ota-switching")).toBe(0);
    expect(vdevice.count("restarting")).toBe(0);
    expect(existsSync(path.join(dir, "image.bin"))).toBe(false);
    expect(existsSync(path.join(dir, "firmware"))).toBe(false); // the boot record never moved
    expect((await updateState(deviceId)).update).toMatchObject({ status: "pending" }); // the device does not answer an offer

    // The device restarts on 0.1.0: its hello tells the server the update did not happen.
    expect(await vdevice.stop("SIGTERM")).toBe(0);
    const again = device(deviceId, dir, "0.1.0");
    await again.waitForEvent((event) => event.name === "joined", 20_000, "joined again");
    await waitUntil(async () => (await updateState(deviceId)).update.status === "failed", 5_000, "the store records it failed");
    expect((await updateState(deviceId)).update.detail).toMatch(/came back with firmware "0\.1\.0"/);
    await waitUntil(async () => (await auditActions(deviceId)).includes("update-failed"), 5_000, "audited");
    expect(again.count("ota-offered")).toBe(0); // not offered again
    expect(requests.filter((url) => url === `/${deviceId}/0.3.0.bin`)).toHaveLength(1);
    expect(await again.stop("SIGTERM")).toBe(0);
  });

  it("rolls back a new version that cannot reach the server within the confirm timeout; back on the old one, the server records the request failed", async () => {
    const deviceId = freshDeviceId();
    const dir = otaDir();
    const { bytes, sha256 } = image("0.4.0");
    const url = `/${deviceId}/0.4.0.bin`;
    served.set(url, bytes);
    let cut!: () => void;
    gates.set(url, new Promise((resolve) => { cut = () => resolve(undefined); })); // the image waits until the network is cut
    const proxy = await startSwitchableProxy(baton.port);
    cleanups.push(() => proxy.close());
    const vdevice = device(deviceId, dir, "0.1.0", { url: proxy.httpUrl, confirmMs: 2_000 });
    await vdevice.waitForEvent((event) => event.name === "joined", 20_000, "joined");

    await call(baton, "POST", `/admin/devices/${deviceId}/update`, { token: admin, body: { url: `${imagesUrl}${url}`, version: "0.4.0", sha256 } });
    await vdevice.waitForEvent((event) => event.name === "ota-downloading", 5_000, "downloading");
    proxy.retarget(9); // the server is out of reach from now on (nothing listens on port 9)
    cut();
    await vdevice.waitForEvent((event) => event.name === "restarting" && event.runId === "0.4.0", 10_000, "switched to 0.4.0");
    await vdevice.waitForEvent((event) => event.name === "ota-rolled-back" && event.runId === "0.1.0", 10_000, "rolled back");
    await vdevice.waitForEvent((event) => event.name === "restarting" && event.runId === "0.1.0", 5_000, "restarted on 0.1.0");
    expect(readFileSync(path.join(dir, "firmware"), "utf8")).toBe("confirmed 0.1.0\n");
    expect(vdevice.count("ota-confirmed")).toBe(0);

    proxy.retarget(baton.port); // the network is back: the device joins on its old version
    await vdevice.waitForEvent((event) => event.name === "joined" && vdevice.count("joined") >= 2, 15_000, "joined again");
    await waitUntil(async () => (await updateState(deviceId)).update.status === "failed", 5_000, "the store records it failed");
    expect(await updateState(deviceId)).toMatchObject({ firmware: "0.1.0", update: { status: "failed", version: "0.4.0" } });
    await waitUntil(async () => (await auditActions(deviceId)).includes("update-failed"), 5_000, "audited");
    expect(vdevice.count("ota-offered")).toBe(1); // not offered again
    expect(await vdevice.stop("SIGTERM")).toBe(0);
  });
});
