/**
 * The dashboard's admin area in real Chromium against a real Baton server (its production
 * build, strict CSP) and simulated devices (issue 22, item 2):
 * - the admin area is shown to admins only (a token with roles ["admin"]); others get no link
 *   and a "for administrators only" page at its address;
 * - an admin registers a device, sees its secret once (and copies it with the button); the
 *   device connects with that secret;
 * - a user claims "any free scale" from the pool the new device serves in, and holds it; later,
 *   with every scale held, he waits in the pool's line and gets the first one freed;
 * - the admin drains the device with a reason, sees the sessions in progress and who waits in
 *   which line, force-releases the user's session with a reason (the user's page says so), reads both in the audit log with its filters, and the
 *   device's history as a timeline; retries a failed webhook delivery;
 * - axe-core finds no serious or critical violation on each admin page, at desktop and phone
 *   width, and nothing scrolls sideways on a phone.
 * Screenshots go to build/screenshots/ (`npm run screenshots:update` copies them into
 * docs/screenshots/).
 */
import path from "node:path";
import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import { createServer } from "node:http";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatonClient } from "@baton/client";
import { startSimulatedDevice, type SimulatedDevice } from "@baton/client/simulator";
import { DEV_DEVICES, startBaton, type TestBaton } from "../support/baton.ts";
import { SCREENSHOTS, buildDashboard, expectNoSeriousAxeViolations, launchChromium, requireChromium, signIn } from "./browserSupport.ts";

const WAIT = { timeout: 15_000 };
const TEST_TIMEOUT = 120_000;
const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };

let baton: TestBaton;
let browser: Browser;
let dashboardDir: string;
let admin: Page;
let bob: Page;
const devices: SimulatedDevice[] = [];
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  requireChromium();
  [dashboardDir, browser] = await Promise.all([buildDashboard(), launchChromium()]);
  baton = await startBaton({ config: { dashboardDir }, testDevices: false });
  devices.push(await startSimulatedDevice({ url: baton.httpUrl, heartbeatIntervalMs: 0, seed: 7, ...DEV_DEVICES.scale, instrument: "scale", jobDurationMs: 1_500 }));
  [admin, bob] = await Promise.all([adminAt(DESKTOP), personAt(DESKTOP, "Bob Marley")]);
}, 180_000);

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await Promise.all(devices.map((device) => device.close()));
  await baton?.shutdown();
  if (dashboardDir) rmSync(dashboardDir, { recursive: true, force: true });
});

async function newContext(viewport: { width: number; height: number }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, reducedMotion: "reduce" });
  contexts.push(context);
  return context;
}

async function personAt(viewport: { width: number; height: number }, name: string): Promise<Page> {
  const page = await (await newContext(viewport)).newPage();
  await signIn(page, baton.httpUrl, name);
  return page;
}

/** An admin: a token with roles ["admin"], as an identity provider (or `npm run baton -- token --admin`) would issue, pasted into this tab. */
async function adminAt(viewport: { width: number; height: number }): Promise<Page> {
  const context = await newContext(viewport);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baton.httpUrl });
  const token = await baton.tokenFor("ada-admin", "Ada Admin", ["admin"]);
  await context.addInitScript((value) => {
    if (!sessionStorage.getItem("baton.token")) sessionStorage.setItem("baton.token", value);
  }, token);
  const page = await context.newPage();
  await page.goto(`${baton.httpUrl}/`);
  await page.getByRole("heading", { level: 1, name: "Devices", exact: true }).waitFor(WAIT);
  return page;
}

const adminNav = (page: Page, name: string) => page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name });
const cardOf = (page: Page, deviceId: string) => page.locator(`li.admin-device[data-device-id="${deviceId}"]`);

describe("the admin area", () => {
  it("is for admins only: no link and no page for anyone else", async () => {
    expect(await bob.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).count()).toBe(0);
    await bob.goto(`${baton.httpUrl}/manage`);
    await expect.poll(() => bob.getByRole("heading", { level: 1 }).textContent(), WAIT).toBe("For administrators only");
    await bob.goto(`${baton.httpUrl}/`);
    await bob.getByRole("heading", { level: 1, name: "Devices", exact: true }).waitFor(WAIT);
  }, TEST_TIMEOUT);

  it("lets an admin register a device and see its secret once, with a copy button; the device connects with it", async () => {
    await admin.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
    await expect.poll(() => admin.getByRole("heading", { level: 1 }).textContent(), WAIT).toBe("Admin: devices and pools");
    await admin.getByLabel("Device id").fill("scale-2");
    await admin.getByLabel("Label").fill("Clinic scale 2");
    await admin.getByLabel("Kind (its pool)").fill("scale");
    await admin.getByRole("button", { name: "Register", exact: true }).click();
    const secretText = admin.getByTestId("device-secret");
    await secretText.waitFor(WAIT);
    const secret = (await secretText.textContent())!;
    expect(secret.length).toBeGreaterThan(20);
    expect(await admin.getByRole("heading", { name: "Registered scale-2" }).count()).toBe(1);
    await admin.getByRole("button", { name: "Copy secret" }).click();
    await expect.poll(() => admin.getByText("Copied to the clipboard.").count(), WAIT).toBe(1);
    expect(await admin.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await expectNoSeriousAxeViolations(admin, "the admin devices page with a new secret");
    await admin.screenshot({ path: path.join(SCREENSHOTS, "admin-register.png"), fullPage: true });

    // Once: hidden for good when the admin says it is stored; a reload does not bring it back.
    await admin.getByRole("button", { name: /I have stored it/ }).click();
    expect(await admin.getByTestId("device-secret").count()).toBe(0);
    await admin.reload();
    await cardOf(admin, "scale-2").waitFor(WAIT);
    expect(await admin.getByTestId("device-secret").count()).toBe(0);
    expect(await admin.locator("body").textContent()).not.toContain(secret);

    // The device connects with the secret it was given, and serves in the "scale" pool.
    devices.push(await startSimulatedDevice({ url: baton.httpUrl, heartbeatIntervalMs: 0, seed: 8, deviceId: "scale-2", secret, instrument: "scale", jobDurationMs: 1_500 }));
    await expect.poll(() => cardOf(admin, "scale-2").getByTestId("admin-device-status").textContent(), WAIT).toMatch(/^Online · in service/);
    expect(await cardOf(admin, "scale-2").locator(".device-meta").textContent()).toBe("scale-2 · kind scale · pool scale");
    await expect.poll(() => admin.locator('[data-pool="scale"]').textContent(), WAIT).toContain("1 device, 1 free now (scale-2)");
  }, TEST_TIMEOUT);

  it("lets a user claim any free scale from the pool", async () => {
    await bob.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Devices" }).click();
    const claimAny = bob.getByRole("button", { name: "Claim any free scale" });
    await claimAny.waitFor(WAIT);
    await expect.poll(() => bob.locator('.pools [data-pool="scale"]').textContent(), WAIT).toContain("1 of 1 free now");
    await expectNoSeriousAxeViolations(bob, "the device list with a pool");
    await bob.screenshot({ path: path.join(SCREENSHOTS, "devices-pool.png") });
    await claimAny.click();
    await expect.poll(() => bob.getByRole("heading", { level: 1 }).textContent(), WAIT).toBe("Clinic scale 2");
    await expect.poll(() => bob.getByTestId("device-status").textContent(), WAIT).toMatch(/^You hold it/);
  }, TEST_TIMEOUT);

  it("lets the admin drain the device with a reason, force-release the user's session, and read both in the audit log", async () => {
    // Drain: the session in flight goes on, nobody new gets the scale.
    await cardOf(admin, "scale-2").getByLabel("Reason for scale-2").fill("Calibration due");
    await cardOf(admin, "scale-2").getByRole("button", { name: "Drain scale-2" }).click();
    await expect.poll(() => cardOf(admin, "scale-2").getByTestId("admin-device-done").textContent(), WAIT).toBe("Now drained (Calibration due).");
    await expect.poll(() => cardOf(admin, "scale-2").getByTestId("admin-device-status").textContent(), WAIT).toMatch(/drained: Calibration due · held by Bob Marley/);
    expect(await bob.getByTestId("device-status").textContent()).toMatch(/^You hold it/);

    // Meanwhile Carol (from a script, through the SDK) holds the first scale and Dave waits in its line.
    const carol = new BatonClient(baton.httpUrl, { token: await baton.tokenFor("carol", "Carol Chen") }).device("scale-1");
    const dave = new BatonClient(baton.httpUrl, { token: await baton.tokenFor("dave", "Dave Diaz") }).device("scale-1");
    await carol.claim({}, { timeoutMs: 10_000 });
    await dave.enqueue({}, { timeoutMs: 10_000 });

    // Force-release Bob's session, with a reason he is told.
    await adminNav(admin, "Sessions and queues").click();
    const session = admin.locator('[data-session="scale-2"]');
    await expect.poll(() => session.textContent(), WAIT).toContain("Held by Bob Marley (bob-marley)");
    await expect.poll(() => admin.locator('[data-session="scale-1"]').textContent(), WAIT).toContain("Held by Carol Chen (carol)");
    await expect.poll(() => admin.locator('[data-queue="scale-1"]').textContent(), WAIT).toMatch(/Dave Diaz \(dave\), waiting for less than a minute/);
    await expectNoSeriousAxeViolations(admin, "the admin sessions page");
    await admin.screenshot({ path: path.join(SCREENSHOTS, "admin-sessions.png"), fullPage: true });
    await session.getByRole("button", { name: "Force-release scale-2" }).click();
    await expect.poll(() => session.getByRole("alert").textContent(), WAIT).toContain("Give a reason to force-release scale-2");
    await session.getByLabel("Reason to force-release scale-2").fill("Needed for calibration");
    await session.getByRole("button", { name: "Force-release scale-2" }).click();
    await expect.poll(() => admin.getByText(/^Released Bob Marley's session \(epoch \d+\)\.$/).count(), WAIT).toBe(1);
    await expect.poll(() => bob.getByTestId("device-status").textContent(), WAIT).not.toMatch(/^You hold it/);
    await expect.poll(() => bob.locator("body").textContent(), WAIT).toContain("Needed for calibration");
    await dave.leaveQueue({ timeoutMs: 10_000 });
    await dave.leave();
    await carol.release({ timeoutMs: 10_000 });
    await carol.leave();

    // The audit log, filtered by device and by action.
    await adminNav(admin, "Audit log").click();
    await admin.getByLabel("Device").selectOption("scale-2");
    await admin.getByLabel("Action").selectOption("kick");
    const entries = admin.getByRole("list", { name: "Audit entries" }).getByRole("listitem");
    await expect.poll(() => entries.count(), WAIT).toBe(1);
    expect(await entries.first().textContent()).toMatch(/^Force-released bob-marley's session \(epoch \d+\): Needed for calibration on scale-2by ada-admin, /);
    await admin.getByLabel("Action").selectOption("availability");
    await expect.poll(() => entries.first().textContent(), WAIT).toMatch(/^Drained: Calibration due \(was available\) on scale-2by ada-admin/);
    await admin.getByLabel("Action").selectOption("");
    await admin.getByLabel("Actor").fill("ada-admin");
    await expect.poll(() => entries.count(), WAIT).toBe(3); // register, drain, force-release
    await expectNoSeriousAxeViolations(admin, "the audit log");
    await admin.screenshot({ path: path.join(SCREENSHOTS, "admin-audit.png"), fullPage: true });

    // The device's history as a timeline: the session, the force-release, the drain, the registration.
    await entries.first().getByRole("link", { name: "scale-2" }).click();
    await expect.poll(() => admin.getByRole("heading", { level: 1 }).textContent(), WAIT).toBe("History of scale-2");
    const timeline = admin.getByRole("list", { name: /^Timeline of scale-2/ });
    await expect.poll(() => timeline.textContent(), WAIT).toContain("Bob Marley (bob-marley)");
    const text = (await timeline.textContent())!;
    for (const expected of ["Force-released bob-marley's session", "Drained: Calibration due", "Registered as \"Clinic scale 2\", kind scale"]) expect(text).toContain(expected);
    await expectNoSeriousAxeViolations(admin, "a device's history");
    await admin.screenshot({ path: path.join(SCREENSHOTS, "admin-history.png"), fullPage: true });

    // Back in service.
    await adminNav(admin, "Devices and pools").click();
    await cardOf(admin, "scale-2").getByRole("button", { name: "Return to service: scale-2" }).click();
    await expect.poll(() => cardOf(admin, "scale-2").getByTestId("admin-device-status").textContent(), WAIT).toMatch(/in service/);

    // The first scale joins the pool too (it has no kind: an explicit pool).
    await cardOf(admin, "scale-1").getByLabel("Pool of scale-1").fill("scale");
    await cardOf(admin, "scale-1").getByRole("button", { name: "Set pool: scale-1" }).click();
    await expect.poll(() => cardOf(admin, "scale-1").getByText("Now in pool scale.").count(), WAIT).toBe(1);
    await expect.poll(() => admin.locator('[data-pool="scale"]').textContent(), WAIT).toContain("2 devices, 2 free now (scale-1, scale-2)");
  }, TEST_TIMEOUT);

  it("lets a user wait in the pool's line while every scale is held, and gives him the first one freed", async () => {
    const carol = new BatonClient(baton.httpUrl, { token: await baton.tokenFor("carol", "Carol Chen") }).device("scale-1");
    const dave = new BatonClient(baton.httpUrl, { token: await baton.tokenFor("dave", "Dave Diaz") }).device("scale-2");
    await Promise.all([carol.claim({}, { timeoutMs: 10_000 }), dave.claim({}, { timeoutMs: 10_000 })]);
    await bob.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Devices" }).click();
    await expect.poll(() => bob.locator('.pools [data-pool="scale"]').textContent(), WAIT).toContain("0 of 2 free now");
    await bob.getByRole("button", { name: "Claim any free scale" }).click();
    await expect.poll(() => bob.getByTestId("pool-wait").textContent(), WAIT).toBe("Waiting for a free scale: you are number 1 in line.");
    await expectNoSeriousAxeViolations(bob, "the device list while waiting in a pool's line");
    await bob.screenshot({ path: path.join(SCREENSHOTS, "devices-pool-waiting.png") });
    await dave.release({ timeoutMs: 10_000 });
    await expect.poll(() => bob.getByRole("heading", { level: 1 }).textContent(), WAIT).toBe("Clinic scale 2");
    await expect.poll(() => bob.getByTestId("device-status").textContent(), WAIT).toMatch(/^You hold it/);
    await bob.getByRole("button", { name: "Release" }).click();
    await expect.poll(() => bob.getByTestId("device-status").textContent(), WAIT).not.toMatch(/^You hold it/);
    await carol.release({ timeoutMs: 10_000 });
    await Promise.all([carol.leave(), dave.leave()]);
  }, TEST_TIMEOUT);

  it("lists failed webhook deliveries and retries one; the endpoint's query is never shown", async () => {
    // The server has no endpoint configured (so no dispatcher runs): the outbox is filled directly, as a dispatcher that gave up would leave it.
    const outbox = baton.services.store.outbox;
    await outbox.enqueue([{ endpoint: "https://hooks.example.com/baton?token=s3cret", deviceId: "scale-2", eventType: "session.ended", body: "{}", createdAt: Date.now() - 60_000 }]);
    const [delivery] = await outbox.list("pending", 1);
    await outbox.failed(delivery.id, null, "HTTP 503 Service Unavailable", Date.now());
    await adminNav(admin, "Webhooks").click();
    const failed = admin.getByRole("list", { name: "Failed deliveries" }).locator(`[data-delivery="${delivery.id}"]`);
    await expect.poll(() => failed.textContent(), WAIT).toContain("session.ended for scale-2");
    expect(await failed.textContent()).toContain(`#${delivery.id} to https://hooks.example.com/baton1 attempt; last: HTTP 503 Service Unavailable`);
    expect(await admin.locator("body").textContent()).not.toContain("s3cret");
    await expectNoSeriousAxeViolations(admin, "the webhook deliveries");
    await admin.screenshot({ path: path.join(SCREENSHOTS, "admin-webhooks.png"), fullPage: true });
    await failed.getByRole("button", { name: `Retry delivery ${delivery.id}` }).click();
    await expect.poll(() => admin.getByText(`Delivery ${delivery.id} (session.ended for scale-2) is back in line.`).count(), WAIT).toBe(1);
    await expect.poll(() => admin.getByRole("list", { name: "Pending deliveries" }).locator(`[data-delivery="${delivery.id}"]`).count(), WAIT).toBe(1);
    expect(await failed.count()).toBe(0);
  }, TEST_TIMEOUT);

  it("works at phone width: every admin page fits, and axe finds nothing serious", async () => {
    const phone = await adminAt(PHONE);
    const fitsWidth = () => phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    for (const [address, heading] of [["/manage", "Admin: devices and pools"], ["/manage/sessions", "Admin: sessions and queues"], ["/manage/audit", "Admin: audit log"], ["/manage/webhooks", "Admin: webhook deliveries"], ["/manage/device/scale-2", "History of scale-2"]] as const) {
      await phone.goto(`${baton.httpUrl}${address}`);
      await expect.poll(() => phone.getByRole("heading", { level: 1 }).textContent(), WAIT).toBe(heading);
      await expect.poll(() => phone.getByRole("status").filter({ hasText: /^Loading/ }).count(), WAIT).toBe(0);
      expect(await fitsWidth(), address).toBe(true);
      await expectNoSeriousAxeViolations(phone, `${address} at phone width`);
    }
    await phone.goto(`${baton.httpUrl}/manage`);
    await cardOf(phone, "scale-2").waitFor(WAIT);
    await phone.screenshot({ path: path.join(SCREENSHOTS, "admin-phone.png") });
  }, TEST_TIMEOUT);

  it("shows a device's firmware on its admin page and offers an update that the device installs", async () => {
    const scale = devices.find((device) => device.deviceId === "scale-2")!;
    const before = scale.firmware;
    const image = Buffer.concat([Buffer.from("BATON-VDEVICE-IMAGE scale-sim/2.0\n"), Buffer.alloc(2048, 1)]);
    const files = createServer((_request, response) => void response.writeHead(200, { "content-length": image.length }).end(image));
    await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
    try {
      await admin.goto(`${baton.httpUrl}/manage/device/scale-2`);
      await expect.poll(() => admin.getByTestId("firmware-version").textContent(), WAIT).toBe(`Running: ${before}`);
      await expect.poll(() => admin.getByTestId("firmware-update").textContent(), WAIT).toBe("No update was ever asked for.");
      await admin.getByRole("button", { name: "Offer the update" }).click();
      await expect.poll(() => admin.getByRole("alert").textContent(), WAIT).toContain("64 hexadecimal digits");
      await admin.getByLabel("Image URL").fill(`http://127.0.0.1:${(files.address() as { port: number }).port}/scale-sim-2.0.bin`);
      await admin.getByLabel("Version").fill("scale-sim/2.0");
      await admin.getByLabel("SHA-256").fill(createHash("sha256").update(image).digest("hex"));
      await admin.getByRole("button", { name: "Offer the update" }).click();
      await expect.poll(() => admin.getByTestId("firmware-update").textContent(), WAIT).toMatch(/^Updated to scale-sim\/2\.0 /);
      await expect.poll(() => admin.getByTestId("firmware-version").textContent(), WAIT).toBe("Running: scale-sim/2.0");
      expect(scale.firmware).toBe("scale-sim/2.0");
      await expect.poll(() => admin.getByRole("list", { name: "Timeline of scale-2, newest first" }).textContent(), WAIT).toContain(`Firmware updated to scale-sim/2.0 (from ${before})`);
      await expectNoSeriousAxeViolations(admin, "the admin device page with its firmware");
      await admin.screenshot({ path: path.join(SCREENSHOTS, "admin-firmware.png"), fullPage: true });
    } finally {
      await new Promise((resolve) => files.close(resolve));
    }
  }, TEST_TIMEOUT);
});
