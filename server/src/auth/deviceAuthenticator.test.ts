import { describe, expect, it } from "vitest";
import { DeviceAuthenticator } from "./deviceAuthenticator.ts";
import { hashDeviceSecret } from "./deviceSecrets.ts";

describe("device authentication", async () => {
  const hash = await hashDeviceSecret("right-secret");

  it("accepts the right secret, refuses a wrong one", async () => {
    const authenticator = new DeviceAuthenticator();
    expect(await authenticator.check("d-1", "right-secret", hash)).toBe("ok");
    expect(await authenticator.check("d-1", "wrong-secret", hash)).toBe("wrong_secret");
    expect(await authenticator.check("d-1", "right-secret", hash)).toBe("ok");
  });

  it("answers a repeated right secret without scrypt", async () => {
    const authenticator = new DeviceAuthenticator();
    await authenticator.check("d-1", "right-secret", hash);
    const started = performance.now();
    for (let index = 0; index < 100; index++) expect(await authenticator.check("d-1", "right-secret", hash)).toBe("ok");
    // 100 scrypt checks would take seconds; cached digests take well under one scrypt.
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("locks a device out after too many wrong secrets, until the window passes", async () => {
    let now = 0;
    const authenticator = new DeviceAuthenticator({ maxFailures: 3, failureWindowMs: 60_000, clock: () => now });
    for (let attempt = 0; attempt < 3; attempt++) expect(await authenticator.check("d-2", "guess", hash)).toBe("wrong_secret");
    expect(await authenticator.check("d-2", "right-secret", hash)).toBe("locked_out");
    expect(await authenticator.check("d-3", "right-secret", hash)).toBe("ok"); // other devices are unaffected
    now = 60_001;
    expect(await authenticator.check("d-2", "right-secret", hash)).toBe("ok");
  });

  it("does not honour a cached secret after the stored hash changed (rotation)", async () => {
    const authenticator = new DeviceAuthenticator();
    expect(await authenticator.check("d-4", "right-secret", hash)).toBe("ok");
    const rotated = await hashDeviceSecret("new-secret");
    expect(await authenticator.check("d-4", "right-secret", rotated)).toBe("wrong_secret");
    expect(await authenticator.check("d-4", "new-secret", rotated)).toBe("ok");
  });
});
