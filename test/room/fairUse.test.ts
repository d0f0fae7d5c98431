/**
 * Fair use through a real server (issue 13 item 7): SDK users and scripted devices over real
 * WebSockets. Per-user limits span devices (each its own room); the expiry warning comes
 * before the expiry and `extend` moves it. Waits are generous; nothing depends on tight timing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "@baton/protocol";
import { joinDevice, type DeviceSession } from "../support/deviceSession.ts";
import { Inbox } from "../../client/src/sdk/inbox.ts";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, PRINTING, WEIGHING } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";

let baton: TestBaton;
const open: { leave(): unknown }[] = [];

beforeAll(async () => {
  baton = await startBaton({
    timers: { ownerIdleTimeoutMs: 0, readyTimeoutMs: 0, maxSessionMs: 6_000, sessionExpiryWarningMs: 4_000, maxSessionExtensionMs: 60_000 },
    config: { fairUse: { maxDevicesPerUser: 1, maxQueueEntriesPerUser: 1, maxSessionMinutesPerDay: 0 } },
  });
});
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((connection) => connection.leave()));
  await baton.colyseus.cleanup();
});
afterAll(async () => {
  await baton.shutdown();
});

interface User {
  session: DeviceSession;
  next(kind: "session_expiring" | "session_extended", timeoutMs?: number): Promise<any>;
  send(type: string, payload?: unknown): void;
}

async function user(deviceId: string, userId: string): Promise<User> {
  const session = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor(userId, userId), deviceId });
  open.push(session);
  const inbox = new Inbox<any>();
  session.room.onMessage("session_expiring", (message: unknown) => inbox.push("session_expiring", message));
  session.room.onMessage("session_extended", (message: unknown) => inbox.push("session_extended", message));
  return { session, next: (kind, timeoutMs = 10_000) => inbox.next(kind, timeoutMs), send: (type, payload = {}) => session.room.send(type, payload) };
}

async function onlineDevice() {
  const deviceId = freshDeviceId();
  const device = await ScriptedDevice.connect(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
  open.push(device);
  const welcome = device.next("welcome");
  device.send("hello", { firmware: "scripted/1.0", sessionTypes: [WEIGHING, PRINTING] });
  await welcome;
  return deviceId;
}

async function holding(deviceId: string, userId: string): Promise<User> {
  const holder = await user(deviceId, userId);
  await waitFor(() => holder.session.state.device.online);
  holder.session.claim();
  await waitFor(() => holder.session.state.session.ownerId === userId);
  return holder;
}

describe("per-user limits across devices", () => {
  it("refuses a user at their device limit a second device, with the code and a sentence; after a release it is theirs", async () => {
    const [scale, printer] = [await onlineDevice(), await onlineDevice()];
    const onScale = await holding(scale, "fu-alice");
    const onPrinter = await user(printer, "fu-alice");
    await waitFor(() => onPrinter.session.state.device.online);
    onPrinter.session.claim();
    const refused = await onPrinter.session.nextError();
    expect(refused.code).toBe(ErrorCode.USER_DEVICE_LIMIT);
    expect(refused.message).toContain("You already hold 1 device");
    expect(onPrinter.session.state.session.ownerId).toBe("");

    onScale.session.release();
    await waitFor(() => onScale.session.state.session.ownerId === "");
    onPrinter.session.claim();
    await waitFor(() => onPrinter.session.state.session.ownerId === "fu-alice");
  });

  it("refuses a second line to a user at their queue limit", async () => {
    const [scale, printer] = [await onlineDevice(), await onlineDevice()];
    await holding(scale, "fu-carol");
    await holding(printer, "fu-dave");
    const bobScale = await user(scale, "fu-bob");
    const bobPrinter = await user(printer, "fu-bob");
    bobScale.send("enqueue");
    await waitFor(() => bobScale.session.state.queue.length === 1);
    bobPrinter.send("enqueue");
    const refused = await bobPrinter.session.nextError();
    expect(refused.code).toBe(ErrorCode.USER_QUEUE_LIMIT);
    expect(refused.message).toContain("You already wait in 1 line");
    expect(bobPrinter.session.state.queue.length).toBe(0);

    bobScale.send("leave_queue");
    await waitFor(() => bobScale.session.state.queue.length === 0);
    bobPrinter.send("enqueue");
    await waitFor(() => bobPrinter.session.state.queue.length === 1);
  });
});

describe("the expiry warning and extend", () => {
  it("warns before the expiry; extend moves the expiry and the warning comes again for the new one", async () => {
    const scale = await onlineDevice();
    const erin = await holding(scale, "fu-erin");
    const expiresAt = erin.session.state.session.expiresAt;
    expect(expiresAt).toBeGreaterThan(0);

    const warning = await erin.next("session_expiring");
    expect(warning.expiresAt).toBe(expiresAt);
    expect(Date.now()).toBeLessThan(expiresAt);
    expect(warning.message).toContain("extend");

    erin.send("extend", { byMs: 5_000 });
    const extended = await erin.next("session_extended");
    expect(extended.expiresAt).toBe(expiresAt + 5_000);
    await waitFor(() => erin.session.state.session.expiresAt === expiresAt + 5_000);

    const again = await erin.next("session_expiring", 15_000);
    expect(again.expiresAt).toBe(expiresAt + 5_000);
    expect(erin.session.state.session.ownerId).toBe("fu-erin");
  });

  it("refuses extend to someone who does not hold the device, and a malformed one at the edge", async () => {
    const scale = await onlineDevice();
    await holding(scale, "fu-frank");
    const grace = await user(scale, "fu-grace");
    grace.send("extend", {});
    expect((await grace.session.nextError()).code).toBe(ErrorCode.NOT_OWNER);
    grace.send("extend", { byMs: -5 });
    expect((await grace.session.nextError()).code).toBe(ErrorCode.INVALID_MESSAGE);
  });
});
