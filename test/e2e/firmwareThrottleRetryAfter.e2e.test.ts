/**
 * Issue 18 finding 18 with the C virtual device (`baton-vdevice`) against the real server:
 * when the device's address is backing off after wrong secrets (someone guessing behind the
 * same NAT), its join gets 429 RATE_LIMITED with `Retry-After`, and the firmware waits at
 * least that long before it asks again — instead of retrying on its own short back-off
 * (`--max-delay-ms 500` here) into more 429s. Build the binary first with
 * `bash scripts/firmware-test.sh`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { matchmake } from "../security/support.ts";
import { requireVdeviceBinary, startVdevice, stopAllVdevices, tempStateDir } from "./support-firmware.ts";

let baton: TestBaton;
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  requireVdeviceBinary();
  baton = await startBaton();
});
afterAll(async () => {
  await stopAllVdevices();
  await baton?.shutdown();
});

const wrongSecret = (deviceId: string) =>
  matchmake(baton.httpUrl, "joinOrCreate", "device", { deviceId, role: "device" }, { token: "a-wrong-secret", localAddress: "127.0.0.1" });

describe("the C virtual device and a throttled join", () => {
  it("waits the 429's Retry-After before its next matchmaking attempt, then joins", async () => {
    // 127.0.0.1 (the vdevice's address) backs off 2 s: five wrong secrets, a pause, a sixth.
    const guessed = freshDeviceId();
    for (let i = 0; i < 5; i++) expect((await wrongSecret(guessed)).status).toBe(401);
    await settle(1_100);
    expect((await wrongSecret(guessed)).status).toBe(401);

    const state = tempStateDir();
    try {
      const device = startVdevice({ url: baton.httpUrl, deviceId: freshDeviceId(), secret: TEST_DEVICE_SECRET, instrument: "scale", stateFile: state.file });
      const failed = await device.waitForEvent((event) => event.name === "matchmake-failed", 5_000, "the throttled join");
      const joined = await device.waitForEvent((event) => event.name === "joined", 10_000, "joined after the wait");
      // One refusal only: the device did not come back inside the wait it was given.
      expect(device.count("matchmake-failed"), device.log()).toBe(1);
      expect(joined.at - failed.at).toBeGreaterThanOrEqual(900);
      // The delay it scheduled is the server's Retry-After (≥ 1 s), not its own ≤ 500 ms back-off.
      const delay = Number(/reconnect-scheduled[^\n]*\((\d+)\)/.exec(device.log())?.[1]);
      expect(delay, device.log()).toBeGreaterThanOrEqual(1_000);
      await device.stop();
    } finally {
      state.remove();
    }
  }, 30_000);
});
