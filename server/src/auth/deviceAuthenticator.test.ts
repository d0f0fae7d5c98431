import { describe, expect, it } from "vitest";
import { DEFAULT_SECRET_CHECK_LIMITS, DeviceAuthenticator } from "./deviceAuthenticator.ts";
import { hashDeviceSecret } from "./deviceSecrets.ts";
import { LocalSourceThrottleStore } from "../adapters/local/localSourceThrottleStore.ts";

/** An authenticator with the default limits and the single-process throttle, as app.ts wires it without Redis. */
const authenticatorWith = (options: { failuresPerSource?: number; clock?: () => number } = {}) => {
  const clock = options.clock ?? Date.now;
  return new DeviceAuthenticator({ ...DEFAULT_SECRET_CHECK_LIMITS, ...options, clock, throttleStore: new LocalSourceThrottleStore(clock) });
};

describe("device authentication", async () => {
  const hash = await hashDeviceSecret("right-secret");
  const attempt = (deviceId: string, secret: string, source = "10.0.0.1", secretHash = hash) => ({ deviceId, secret, secretHash, source });

  it("accepts the right secret, refuses a wrong one", async () => {
    const authenticator = authenticatorWith();
    expect(await authenticator.check(attempt("d-1", "right-secret"))).toEqual({ verdict: "ok" });
    expect(await authenticator.check(attempt("d-1", "wrong-secret"))).toEqual({ verdict: "wrong_secret" });
    expect(await authenticator.check(attempt("d-1", "right-secret"))).toEqual({ verdict: "ok" });
  });

  it("answers a repeated right secret without scrypt", async () => {
    const authenticator = authenticatorWith();
    await authenticator.check(attempt("d-1", "right-secret"));
    const hashes = authenticator.hashesComputed;
    for (let index = 0; index < 100; index++) expect(await authenticator.check(attempt("d-1", "right-secret"))).toEqual({ verdict: "ok" });
    expect(authenticator.hashesComputed).toBe(hashes);
  });

  it("backs a guessing address off, and never refuses the right secret from another address", async () => {
    let now = 0;
    const authenticator = authenticatorWith({ failuresPerSource: 3, clock: () => now });
    for (let guess = 0; guess < 3; guess++) expect((await authenticator.check(attempt("d-2", "guess", "6.6.6.6"))).verdict).toBe("wrong_secret");
    // The guesser is throttled without hashing; even the right secret from its address waits.
    const hashes = authenticator.hashesComputed;
    expect(await authenticator.check(attempt("d-2", "guess", "6.6.6.6"))).toEqual({ verdict: "throttled", retryAfterMs: 1_000 });
    expect(authenticator.hashesComputed).toBe(hashes);
    // The device, from its own address, is not affected (the old per-device lockout refused it here).
    expect(await authenticator.check(attempt("d-2", "right-secret", "10.0.0.7"))).toEqual({ verdict: "ok" });
    now = 1_001;
    expect((await authenticator.check(attempt("d-2", "guess", "6.6.6.6"))).verdict).toBe("wrong_secret");
    expect(await authenticator.check(attempt("d-2", "guess", "6.6.6.6"))).toEqual({ verdict: "throttled", retryAfterMs: 2_000 });
  });

  it("counts parallel guesses before any hash finishes", async () => {
    const authenticator = authenticatorWith({ failuresPerSource: 5 });
    const verdicts = await Promise.all(Array.from({ length: 50 }, () => authenticator.check(attempt("d-3", "guess", "6.6.6.6"))));
    expect(verdicts.filter((result) => result.verdict === "wrong_secret").length).toBeLessThanOrEqual(5);
    expect(authenticator.hashesComputed).toBeLessThanOrEqual(5);
  });

  it("does not honour a cached secret after the stored hash changed (rotation)", async () => {
    const authenticator = authenticatorWith();
    expect(await authenticator.check(attempt("d-4", "right-secret"))).toEqual({ verdict: "ok" });
    const rotated = await hashDeviceSecret("new-secret");
    expect(await authenticator.check(attempt("d-4", "right-secret", "10.0.0.1", rotated))).toEqual({ verdict: "wrong_secret" });
    expect(await authenticator.check(attempt("d-4", "new-secret", "10.0.0.1", rotated))).toEqual({ verdict: "ok" });
  });
});
