/**
 * The simulated device's updater (docs/PROTOCOL.md §15): fetch the offered image and check it
 * as the firmware does (firmware/README.md, "Over-the-air updates") — its SHA-256 must be the
 * offer's, and its version the offer's. A simulated image has the virtual device's format
 * (firmware/ports/posix/include/baton_posix_ota.h): a first line `BATON-VDEVICE-IMAGE <version>`,
 * then anything. Web APIs only (fetch, crypto.subtle), so it runs in Node and in a browser.
 */

/** The largest image fetched (as the virtual device's BATON_POSIX_OTA_IMAGE_MAX). */
export const MAX_IMAGE_BYTES = 8 * 1024 * 1024;
const MAGIC = "BATON-VDEVICE-IMAGE ";

export type InstallOutcome = { ok: true } | { ok: false; reason: string };

/** The version an image declares in its first line, or undefined. */
export function imageVersion(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder().decode(bytes.subarray(0, MAGIC.length + 33));
  if (!head.startsWith(MAGIC)) return undefined;
  const end = head.indexOf("\n");
  return end > MAGIC.length ? head.slice(MAGIC.length, end) : undefined;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return [...digest].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Fetches and checks the image; the caller "installs" it (restarts with the new version). */
export async function installImage(offer: { url: string; version: string; sha256: string }, timeoutMs = 30_000): Promise<InstallOutcome> {
  let bytes: Uint8Array;
  try {
    const response = await fetch(offer.url, { redirect: "error", signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return { ok: false, reason: `download failed: HTTP ${response.status}` };
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > MAX_IMAGE_BYTES) return { ok: false, reason: `the image is larger than ${MAX_IMAGE_BYTES} bytes` };
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    return { ok: false, reason: `download failed: ${(error as Error).message}` };
  }
  if (bytes.length > MAX_IMAGE_BYTES) return { ok: false, reason: `the image is larger than ${MAX_IMAGE_BYTES} bytes` };
  if ((await sha256Hex(bytes)) !== offer.sha256.toLowerCase()) return { ok: false, reason: "the image's SHA-256 differs from the offer's" };
  if (imageVersion(bytes) !== offer.version) return { ok: false, reason: "the image's version differs from the offer's" };
  return { ok: true };
}
