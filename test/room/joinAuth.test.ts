/**
 * Who may join: refused at HTTP matchmaking with a Baton code, before any socket opens.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@colyseus/sdk";
import { SignJWT } from "jose";
import { BatonClient } from "@baton/client";
import { DEV_DEVICES, TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";

let baton: TestBaton;
beforeAll(async () => {
  baton = await startBaton();
});
afterAll(() => baton.shutdown());

async function join(token: string | undefined, options: Record<string, unknown>) {
  const client = new Client(baton.httpUrl);
  if (token !== undefined) client.auth.token = token;
  try {
    const room = await client.joinOrCreate("device", options);
    await room.leave();
    return { joined: true as const };
  } catch (error) {
    return { joined: false as const, status: (error as { code: number }).code, message: (error as Error).message };
  }
}

describe("joining a device room", () => {
  it("refuses a device with a wrong or missing secret", async () => {
    const wrong = await join("not-the-secret", { deviceId: DEV_DEVICES.scale.deviceId, role: "device" });
    expect(wrong).toMatchObject({ joined: false, status: 401 });
    expect(wrong.joined || wrong.message).toMatch(/^UNAUTHORIZED: /);
    expect(await join(undefined, { deviceId: DEV_DEVICES.scale.deviceId, role: "device" })).toMatchObject({ joined: false, status: 401 });
    // A device's secret opens only its own room.
    expect(await join(DEV_DEVICES.printer.secret, { deviceId: DEV_DEVICES.scale.deviceId, role: "device" })).toMatchObject({ joined: false, status: 401 });
    expect(await join(DEV_DEVICES.scale.secret, { deviceId: DEV_DEVICES.scale.deviceId, role: "device" })).toEqual({ joined: true });
  });

  it("refuses a user with a missing, malformed, forged or expired JWT", async () => {
    const deviceId = freshDeviceId();
    expect(await join(undefined, { deviceId })).toMatchObject({ joined: false, status: 401 });
    expect(await join("garbage", { deviceId })).toMatchObject({ joined: false, status: 401 });
    const forged = await new SignJWT({ name: "Mallory" }).setProtectedHeader({ alg: "HS256" }).setSubject("mallory")
      .sign(new TextEncoder().encode("some-other-secret-that-is-long-enough"));
    expect(await join(forged, { deviceId })).toMatchObject({ joined: false, status: 401 });
    const expired = await new SignJWT({ name: "Old" }).setProtectedHeader({ alg: "HS256" }).setSubject("old")
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(new TextEncoder().encode(baton.services.config.jwtSecret));
    expect(await join(expired, { deviceId })).toMatchObject({ joined: false, status: 401 });
    expect(await join(await baton.tokenFor("ok"), { deviceId })).toEqual({ joined: true });
  });

  it("refuses a user token used to join as the device", async () => {
    expect(await join(await baton.tokenFor("eve"), { deviceId: freshDeviceId(), role: "device" })).toMatchObject({ joined: false, status: 401 });
    expect(await join(TEST_DEVICE_SECRET, { deviceId: freshDeviceId(), role: "admin" })).toMatchObject({ joined: false, status: 401 });
  });

  it("carries the refusal's code as the field errorCode, the CODE: prefix kept for older clients", async () => {
    const wrong = await fetch(`${baton.httpUrl}/matchmake/joinOrCreate/device`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer not-the-secret" },
      body: JSON.stringify({ deviceId: DEV_DEVICES.scale.deviceId, role: "device" }),
    });
    expect(wrong.status).toBe(401);
    const body = await wrong.json();
    expect(body).toMatchObject({ code: 401, errorCode: "UNAUTHORIZED" });
    expect(body.error).toMatch(/^UNAUTHORIZED: The secret for device "[^"]+" is wrong\.$/);
    // The Baton SDK reads the field (Colyseus' MatchMakeError drops the body; joinRefusals.ts keeps it).
    const handle = new BatonClient(baton.httpUrl, { token: await baton.tokenFor("ok") }).device("no-such-device");
    const refused = await handle.ready().then(() => null, (error: unknown) => error);
    expect(refused).toMatchObject({ code: "UNKNOWN_DEVICE", status: 404, message: 'No device "no-such-device" is registered.' });
  });

  it("refuses unknown or malformed device ids", async () => {
    const token = await baton.tokenFor("ok");
    const unknown = await join(token, { deviceId: "no-such-device" });
    expect(unknown).toMatchObject({ joined: false, status: 404 });
    expect(unknown.joined || unknown.message).toMatch(/^UNKNOWN_DEVICE: /);
    expect(await join(token, {})).toMatchObject({ joined: false, status: 404 });
    expect(await join(token, { deviceId: "../../etc/passwd" })).toMatchObject({ joined: false, status: 404 });
    expect(await join(token, { deviceId: { $ne: 1 } })).toMatchObject({ joined: false, status: 404 });
  });
});
