/**
 * Checks a device's secret at join: cheaply for the device that knows it, at bounded cost
 * for everyone else, and without ever locking out the holder of the right secret.
 *
 * scrypt is slow on purpose (~30 ms of CPU), right for a stored hash and wrong on a path
 * anyone can reach. So, in this order:
 * 1. a secret that verified once is remembered as a keyed digest (HMAC with a per-process
 *    key, never the secret itself); a later join with it is compared in constant time and
 *    admitted at once — no throttle applies to it, whatever others are guessing;
 * 2. the client address must be in good standing (`SourceThrottle`): a guesser backs off,
 *    exponentially, and its parallel guesses count before any hash finishes — across the
 *    whole cluster when the throttle's records are in Redis;
 * 3. the hash itself runs in a `BoundedWorkQueue`: a few at once, a short queue served
 *    round-robin by device and address, a deadline — beyond that the join is refused as busy.
 * There is no per-device lockout: refusing a device after others guessed wrong would hand
 * anyone who knows a device id the power to keep it offline (docs/SECURITY.md).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { SecretCheckLimits } from "../config/config.ts";
import { BUSY, BoundedWorkQueue } from "./boundedWorkQueue.ts";
import { SourceThrottle } from "./sourceThrottle.ts";
import type { SourceThrottleStore } from "../ports/sourceThrottle.ts";
import { verifyDeviceSecret } from "./deviceSecrets.ts";

export interface DeviceAuthenticatorOptions extends SecretCheckLimits {
  clock: () => number;
  /**
   * Where the guessing throttle keeps its records: this process's memory or Redis, chosen
   * by the composition root (cluster.ts, wired in app.ts) — auth/ names no adapter.
   */
  throttleStore: SourceThrottleStore;
}

export const DEFAULT_SECRET_CHECK_LIMITS: SecretCheckLimits = {
  concurrency: 2, queueLength: 32, maxWaitMs: 2_000, failuresPerSource: 5, backoffMaxMs: 300_000,
};

export type DeviceAuthResult =
  | { verdict: "ok" }
  | { verdict: "wrong_secret" }
  | { verdict: "throttled"; retryAfterMs: number }
  | { verdict: "busy" };

export interface SecretAttempt {
  deviceId: string;
  secret: string;
  secretHash: string;
  /** The client's address, as the request guard determined it. */
  source: string;
}

export class DeviceAuthenticator {
  private readonly key = randomBytes(32);
  /** deviceId → digest of the secret that last verified against the stored hash, and that hash. */
  private readonly verified = new Map<string, { digest: Buffer; secretHash: string }>();
  private readonly throttle: SourceThrottle;
  private readonly hashing: BoundedWorkQueue;
  /** scrypt runs since start (tests and metrics read it: it is the CPU an attacker can cost). */
  hashesComputed = 0;

  constructor(options: DeviceAuthenticatorOptions) {
    this.throttle = new SourceThrottle(options.throttleStore, {
      failuresPerSource: options.failuresPerSource, backoffMaxMs: options.backoffMaxMs, clock: options.clock,
      // A check lives at most its queue wait plus a hash; past that, one in flight was lost with its process.
      pendingExpiryMs: options.maxWaitMs + 10_000,
    });
    this.hashing = new BoundedWorkQueue({ concurrency: options.concurrency, queueLength: options.queueLength, maxWaitMs: options.maxWaitMs });
  }

  async check(attempt: SecretAttempt): Promise<DeviceAuthResult> {
    const { deviceId, secret, secretHash, source } = attempt;
    const digest = this.digestOf(secret);
    if (this.verifiedSecretHash(deviceId, digest) === secretHash) return { verdict: "ok" };

    // A throttle that cannot be consulted (Redis unreachable) admits nobody new: a device
    // whose secret this process verified before is not affected (step 1).
    const admission = await this.throttle.admit(source).catch(() => null);
    if (!admission) return { verdict: "busy" };
    if (!admission.admitted) return { verdict: "throttled", retryAfterMs: admission.retryAfterMs };
    // Round-robin by device *and* address: the device's own check is not queued behind a
    // guesser's checks for the same device.
    const matches = await this.hashing.run(`${deviceId}\u0000${source}`, () => {
      this.hashesComputed++;
      return verifyDeviceSecret(secret, secretHash);
    });
    // A lost report only leaves a pending check, which expires (SourceThrottle).
    const report = (step: Promise<void>) => step.catch(() => undefined);
    if (matches === BUSY) {
      await report(this.throttle.abandoned(source));
      return { verdict: "busy" };
    }
    if (matches) {
      await report(this.throttle.succeeded(source));
      this.verified.set(deviceId, { digest, secretHash });
      return { verdict: "ok" };
    }
    await report(this.throttle.failed(source));
    return { verdict: "wrong_secret" };
  }

  /**
   * How long a device join from `source` would be held off (0: not at all), decided before
   * the request reaches matchmaking, so a guesser's flood costs the least possible. A device
   * whose secret is already verified is never held off (its check needs no hash).
   */
  async holdOff(source: string, deviceId: unknown, secret: string | undefined): Promise<number> {
    // Unreachable throttle: no hold-off here; `check` refuses as busy what it cannot count.
    const waitMs = await this.throttle.waitFor(source).catch(() => 0);
    if (waitMs === 0 || typeof deviceId !== "string" || !secret) return waitMs;
    // The stored hash is not at hand here; `check` still compares it before admitting.
    return this.verifiedSecretHash(deviceId, this.digestOf(secret)) === undefined ? waitMs : 0;
  }

  private digestOf(secret: string): Buffer {
    return createHmac("sha256", this.key).update(secret).digest();
  }

  /**
   * The stored hash a secret with this digest was verified against for `deviceId`, if it was.
   * A cached digest counts only for that hash: a rotated secret invalidates it.
   */
  private verifiedSecretHash(deviceId: string, digest: Buffer): string | undefined {
    const known = this.verified.get(deviceId);
    return known && timingSafeEqual(known.digest, digest) ? known.secretHash : undefined;
  }

  /** Forgets a device's verified secret (after its secret was rotated or it was disabled). */
  forget(deviceId: string): void {
    this.verified.delete(deviceId);
  }
}
