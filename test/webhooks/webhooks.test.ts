/**
 * Webhooks through a real server and a local receiver: every delivery carries a valid
 * Baton-Signature over its delivery id and raw body; a refused delivery is retried (same delivery id) and
 * nothing after it for that device overtakes it; a device's notifications arrive in the order
 * they happened; the room never waited for the receiver; every body matches its wire schema
 * (`WebhookNotification` of `@baton/protocol/http`, the one openapi.json's `webhooks` names).
 */
import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";
import { joinDevice } from "../support/deviceSession.ts";
import { WebhookNotification } from "@baton/protocol/http";
import { verifySignature } from "@baton/server/webhooks/signature.ts";

const SECRET = "webhook-secret-0123456789";
interface Delivery { id: string; event: string; body: string; valid: boolean; status: number }
const deliveries: Delivery[] = [];
let refuseNext = 0;
let receiver: http.Server;
let baton: TestBaton;

beforeAll(async () => {
  receiver = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const status = refuseNext > 0 ? 503 : 204;
      if (refuseNext > 0) refuseNext--;
      deliveries.push({ id: String(request.headers["baton-delivery"]), event: String(request.headers["baton-event"]), body, valid: verifySignature(SECRET, { body, delivery: String(request.headers["baton-delivery"] ?? ""), signature: String(request.headers["baton-signature"] ?? "") }), status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  baton = await startBaton({
    timers: { ownerIdleTimeoutMs: 0 },
    config: {
      webhooks: { endpoints: [{ url, secret: SECRET }], pollMs: 20, retryBaseMs: 100, maxAttempts: 10, timeoutMs: 2_000 },
      // Booked slots in seconds, for the booking notifications below.
      bookingRules: { "*": { minSlotMs: 1_000, warnBeforeMs: 500, checkInWindowMs: 1_000 } },
    },
  });
});
afterAll(async () => {
  await baton.shutdown();
  await new Promise((resolve) => receiver.close(resolve));
});

it("signs every delivery, retries a refused one, and keeps each device's notifications in order", async () => {
  const deviceId = freshDeviceId();
  refuseNext = 1; // the first delivery (device.online) is refused once
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
  const owner = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("olga"), deviceId });
  await waitFor(() => owner.state.device.online);
  owner.claim({ sessionType: "weighing", input: { userAge: 30 }, releaseOnComplete: true });
  const start = (await device.next("start")).payload;
  device.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 70 } });
  // The room did not wait for the receiver: the owner has the result long before retries end.
  await owner.nextResult();
  await device.leave();

  const accepted = () => deliveries.filter((d) => d.status === 204 && JSON.parse(d.body).deviceId === deviceId);
  await waitFor(() => accepted().length === 5, 10_000, "five notifications delivered");
  expect(accepted().map((d) => d.event)).toEqual(["device.online", "result.ready", "session.ended", "device.free", "device.offline"]);
  expect(deliveries.every((d) => d.valid)).toBe(true);
  for (const delivery of deliveries) expect(WebhookNotification.safeParse(JSON.parse(delivery.body)).error, delivery.body).toBeUndefined();

  // The refused delivery was retried with the same id, and nothing overtook it.
  const mine = deliveries.filter((d) => JSON.parse(d.body).deviceId === deviceId);
  expect(mine[0]).toMatchObject({ event: "device.online", status: 503 });
  expect(mine[1]).toMatchObject({ event: "device.online", status: 204, id: mine[0].id });

  const ended = JSON.parse(accepted()[2].body);
  expect(ended).toMatchObject({ type: "session.ended", deviceId, data: { epoch: start.epoch, userId: "olga", reason: "completed" } });
  const ready = JSON.parse(accepted()[1].body);
  expect(ready.data).toEqual({ epoch: start.epoch, runId: start.runId, userId: "olga", sessionType: "weighing" }); // no output: fetch it with a token
  // The dispatcher marks a message delivered once the receiver's 204 is back, which the receiver
  // records before that mark is committed (on SQLite, by the store's worker thread): wait for it.
  let pending = await baton.services.store.outbox.pendingCount();
  for (const deadline = Date.now() + 5_000; pending > 0 && Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    pending = await baton.services.store.outbox.pendingCount();
  }
  expect(pending).toBe(0);
  await owner.leave();
});

it("notifies booking.starting before a booked slot and booking.no_show when its booker does not come", async () => {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
  const holder = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("hana"), deviceId });
  await waitFor(() => holder.state.device.online);
  holder.claim();
  await waitFor(() => holder.state.session.ownerId === "hana");
  const start = Date.now() + 1_500;
  const answer = await fetch(`${baton.httpUrl}/devices/${deviceId}/bookings`, {
    method: "POST", headers: { authorization: `Bearer ${await baton.tokenFor("ivan")}`, "content-type": "application/json" }, body: JSON.stringify({ start, end: start + 10_000 }),
  });
  const { booking } = await answer.json();
  const bodies = () => deliveries.filter((d) => d.status === 204).map((d) => JSON.parse(d.body)).filter((body) => body.deviceId === deviceId);
  await waitFor(() => bodies().some((body) => body.type === "booking.no_show"), 10_000, "booking.no_show delivered");
  expect(bodies().find((body) => body.type === "booking.starting")).toMatchObject({ data: { bookingId: booking.bookingId, userId: "ivan", start, end: start + 10_000, holderId: "hana" } });
  expect(bodies().find((body) => body.type === "session.ended")).toMatchObject({ data: { userId: "hana", reason: "booking" } });
  expect(bodies().find((body) => body.type === "booking.no_show")).toMatchObject({ data: { bookingId: booking.bookingId, userId: "ivan" } });
  for (const body of bodies()) expect(WebhookNotification.safeParse(body).error, JSON.stringify(body)).toBeUndefined();
  await holder.leave();
  await device.leave();
});

it("refuses a forged or stale signature", () => {
  const body = '{"type":"device.free"}';
  const now = Math.floor(Date.now() / 1000);
  const good = `t=${now},v2=` + createHmac("sha256", SECRET).update(`${now}.42.${body}`).digest("hex");
  expect(verifySignature(SECRET, { delivery: "42", body, signature: good })).toBe(true);
  expect(verifySignature(SECRET, { delivery: "42", body: body.replace("free", "busy"), signature: good })).toBe(false);
  expect(verifySignature(SECRET, { delivery: "43", body, signature: good })).toBe(false);
  expect(verifySignature("another-secret-0123456", { delivery: "42", body, signature: good })).toBe(false);
  expect(verifySignature(SECRET, { delivery: "42", body, signature: good }, now + 3_600)).toBe(false);
});
