/**
 * Checks a device's secret at join, cheaply and without becoming a CPU amplifier.
 *
 * scrypt is slow on purpose (~30 ms of CPU), which is right for a stored hash but wrong on
 * a hot path: a site's devices all rejoin after a server restart, and anyone can send wrong
 * secrets. So:
 * - a secret that verified once is remembered as a keyed digest (HMAC with a per-process
 *   key, never the secret itself), and later joins compare digests in constant time;
 * - after `maxFailures` wrong secrets for one device within `failureWindowMs`, further
 *   attempts for it are refused at once, without running scrypt, until the window passes.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { verifyDeviceSecret } from "./deviceSecrets.ts";

export interface DeviceAuthenticatorOptions {
  maxFailures: number;
  failureWindowMs: number;
  clock: () => number;
}

export type DeviceAuthResult = "ok" | "wrong_secret" | "locked_out";

export class DeviceAuthenticator {
  private readonly key = randomBytes(32);
  /** deviceId → digest of the secret that last verified against the stored hash, and that hash. */
  private readonly verified = new Map<string, { digest: Buffer; secretHash: string }>();
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(private readonly options: DeviceAuthenticatorOptions = { maxFailures: 10, failureWindowMs: 60_000, clock: Date.now }) {}

  async check(deviceId: string, secret: string, secretHash: string): Promise<DeviceAuthResult> {
    const now = this.options.clock();
    const failures = this.failures.get(deviceId);
    if (failures && now - failures.since > this.options.failureWindowMs) this.failures.delete(deviceId);
    else if (failures && failures.count >= this.options.maxFailures) return "locked_out";

    const digest = createHmac("sha256", this.key).update(secret).digest();
    const known = this.verified.get(deviceId);
    // A cached digest counts only for the hash it was verified against (a rotated secret invalidates it).
    if (known && known.secretHash === secretHash && timingSafeEqual(known.digest, digest)) return "ok";

    if (await verifyDeviceSecret(secret, secretHash)) {
      this.verified.set(deviceId, { digest, secretHash });
      this.failures.delete(deviceId);
      return "ok";
    }
    const current = this.failures.get(deviceId) ?? { count: 0, since: now };
    current.count++;
    this.failures.set(deviceId, current);
    return "wrong_secret";
  }
}
