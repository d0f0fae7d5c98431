/**
 * Device secrets are stored only as scrypt hashes: `scrypt$N$r$p$saltBase64$hashBase64`.
 * Verification is constant-time. scrypt is in Node's crypto, so no native dependency.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from "node:crypto";

const KEY_LENGTH = 32;
/** N=2^14, r=8, p=1: OWASP's minimum for scrypt; ~16 MB and ~30 ms per check on our machines. */
const DEFAULT_PARAMS = { N: 16384, r: 8, p: 1 } as const;

function scrypt(secret: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(secret, salt, KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashDeviceSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(secret, salt, DEFAULT_PARAMS);
  const { N, r, p } = DEFAULT_PARAMS;
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/** True when `secret` matches `storedHash`; false for any malformed hash (never throws on bad input). */
export async function verifyDeviceSecret(secret: string, storedHash: string): Promise<boolean> {
  const parts = storedHash.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (![N, r, p].every((value) => Number.isInteger(value) && value > 0)) return false;
  const salt = Buffer.from(parts[4], "base64");
  const expected = Buffer.from(parts[5], "base64");
  if (expected.length !== KEY_LENGTH || salt.length < 8) return false;
  try {
    const actual = await scrypt(secret, salt, { N, r, p });
    return timingSafeEqual(actual, expected);
  } catch {
    return false;
  }
}

/** A new device secret: 24 random bytes, URL-safe — fits a device's NVS and a shell argument. Shown once, stored hashed. */
export function newDeviceSecret(): string {
  return randomBytes(24).toString("base64url");
}
