/**
 * Finding 16: receivers are told to deduplicate by `Baton-Delivery`, but the signature
 * covered only the timestamp and the body — so whoever captured one delivery could replay it
 * within the five-minute window under a fresh delivery id, and a receiver that deduplicates
 * by id would process it twice. The signature now covers the delivery id too. A real server
 * delivers to a loopback receiver; the delivery is checked by the README's recipe, written
 * out here, and by the example verifier (`verifySignature`); the same bytes under another
 * id are refused.
 */
import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";
import { verifySignature } from "@baton/server/webhooks/signature.ts";

const SECRET = "webhook-secret-replay-0123456789";
interface Received { delivery: string; signature: string; body: string }
const received: Received[] = [];
let receiver: http.Server;
let baton: TestBaton;

beforeAll(async () => {
  receiver = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      received.push({ delivery: String(request.headers["baton-delivery"]), signature: String(request.headers["baton-signature"] ?? ""), body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  baton = await startBaton({ config: { mode: "production", webhooks: { endpoints: [{ url, secret: SECRET }], pollMs: 20, retryBaseMs: 100, maxAttempts: 3, timeoutMs: 2_000 } } });
});
afterAll(async () => {
  await baton?.shutdown();
  await new Promise((resolve) => receiver.close(resolve));
});

/** The README's recipe: HMAC-SHA256(secret, "<t>.<Baton-Delivery>.<raw body>") as v2, constant-time compare. */
function readmeRecipe(secret: string, delivery: string, body: string, header: string): boolean {
  const fields = Object.fromEntries(header.split(",").map((part) => part.split("=", 2)));
  if (!fields.t || !fields.v2) return false;
  const expected = createHmac("sha256", secret).update(`${fields.t}.${delivery}.${body}`).digest("hex");
  return expected === fields.v2;
}

describe("webhook signatures cover Baton-Delivery", () => {
  it("signs the delivery id with the body; the same bytes under another id do not verify", async () => {
    const deviceId = freshDeviceId();
    const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
    await waitFor(() => received.some((each) => JSON.parse(each.body).deviceId === deviceId), 10_000, "device.online delivered");
    await device.leave();
    const delivery = received.find((each) => JSON.parse(each.body).deviceId === deviceId)!;

    expect(readmeRecipe(SECRET, delivery.delivery, delivery.body, delivery.signature)).toBe(true);
    expect(verifySignature(SECRET, { delivery: delivery.delivery, body: delivery.body, signature: delivery.signature })).toBe(true);

    // A replay of the captured request with a fresh id, as a receiver deduplicating by id would see it.
    const replayedId = String(Number(delivery.delivery) + 1_000_000);
    expect(readmeRecipe(SECRET, replayedId, delivery.body, delivery.signature)).toBe(false);
    expect(verifySignature(SECRET, { delivery: replayedId, body: delivery.body, signature: delivery.signature })).toBe(false);
  });
});
