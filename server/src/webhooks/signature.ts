/**
 * How a webhook delivery is signed, and how a receiver checks it (README "Webhooks"):
 *
 *     Baton-Signature: t=<unix seconds>,v2=<hex HMAC-SHA256(secret, "<t>.<Baton-Delivery>.<raw body>")>
 *
 * The timestamp is inside the signed text, so a captured delivery cannot be replayed later
 * with a fresh time; receivers should refuse a `t` more than five minutes from their clock.
 * The delivery id is inside it too (issue 18 finding 16): receivers deduplicate by it, so a
 * captured delivery replayed within those five minutes under a fresh id must not verify.
 * (`v1`, which signed "<t>.<raw body>" only, is no longer sent: a receiver still checking
 * it refuses every delivery rather than accepting a re-labelled one.)
 *
 * Replay window: a signed delivery verifies for `DEFAULT_TOLERANCE_SECONDS` either side of
 * `t`; a receiver that remembers the delivery ids it processed for twice that (ten minutes)
 * refuses every replay. Retries of one notification carry the same id with a fresh `t`, so
 * to process each notification once, remember ids as long as retries can last.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "baton-signature";
export const DELIVERY_HEADER = "baton-delivery";
/** How far a receiver should let `t` be from its own clock. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

function digest(secret: string, unixSeconds: number, delivery: string, body: string): string {
  return createHmac("sha256", secret).update(`${unixSeconds}.${delivery}.${body}`).digest("hex");
}

export function signatureHeader(secret: string, delivery: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v2=${digest(secret, unixSeconds, delivery, body)}`;
}

/** What a receiver got: the raw body and the `Baton-Delivery` and `Baton-Signature` headers. */
export interface ReceivedDelivery {
  body: string;
  delivery: string;
  signature: string;
}

/** A receiver's check: the signature matches the delivery id and the raw body, and its time is recent. */
export function verifySignature(secret: string, received: ReceivedDelivery, nowSeconds = Math.floor(Date.now() / 1000), toleranceSeconds = DEFAULT_TOLERANCE_SECONDS): boolean {
  const fields = Object.fromEntries(received.signature.split(",").map((part) => part.split("=", 2) as [string, string]));
  const t = Number(fields.t);
  if (!Number.isInteger(t) || !fields.v2 || !received.delivery || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(digest(secret, t, received.delivery, received.body), "hex");
  const given = Buffer.from(fields.v2, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
