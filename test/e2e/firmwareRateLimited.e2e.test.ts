/**
 * Security finding 9 with the C virtual device (`baton-vdevice`) against the real server: a
 * result dropped by the room's rate limit is answered with RATE_LIMITED, and the firmware
 * re-sends its held report after the back-off (docs/PROTOCOL.md §7.3). A file of its own
 * because the server needs a tiny rate budget, and Colyseus' matchMaker is one per process:
 * a second server started and stopped inside firmware.e2e.test.ts disturbs the tests after it.
 * Build the binary first with `bash scripts/firmware-test.sh`; without it this fails.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { joinDevice, type DeviceSession } from "../support/deviceSession.ts";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { waitFor } from "../support/waitFor.ts";
import { requireVdeviceBinary, runCleanups, startVdevice, stopAllVdevices, tempStateDir } from "./support-firmware.ts";

let baton: TestBaton;
const cleanups: (() => unknown)[] = [];
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  requireVdeviceBinary();
  // A 0.25 s print sends accepted + 10 progress + the result in a burst: with 2 frames a
  // second (burst 2, the device budget) the result is dropped, whatever the timing.
  baton = await startBaton({ timers: { ownerIdleTimeoutMs: 0 }, config: { deviceRateLimit: { perSecond: 2, burst: 2 } } });
});
afterEach(() => runCleanups(cleanups));
afterAll(async () => {
  await stopAllVdevices();
  await baton?.shutdown();
});

async function user(deviceId: string, userId: string): Promise<DeviceSession> {
  const session = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor(userId), deviceId });
  cleanups.push(() => session.leave());
  return session;
}

describe("the C virtual device and the room's rate limit", () => {
  it("a dropped result: RATE_LIMITED, the device re-sends after its back-off, the owner gets it once", async () => {
    const dir = tempStateDir();
    cleanups.push(dir.remove);
    const deviceId = freshDeviceId();
    const device = startVdevice({ url: baton.httpUrl, deviceId, secret: TEST_DEVICE_SECRET, instrument: "printer", stateFile: dir.file, speed: 40 });
    await device.waitForEvent((event) => event.name === "joined", 20_000, "joined");
    const owner = await user(deviceId, "hana");
    await waitFor(() => owner.state.device.online, 5_000, "online");
    await settle(1_100); // a full bucket again after hello

    owner.claim({ sessionType: "printing", input: { fileName: "cube.gcode", material: "PLA", quality: "draft" } });
    await device.waitForEvent((event) => event.name === "resend-scheduled", 8_000, "resend-scheduled");
    const result = await owner.nextResult(15_000);
    await device.waitForEvent((event) => event.name === "result-acked" && event.runId === result.runId, 10_000, "result-acked");
    expect(device.count("result-sent", result.runId)).toBeGreaterThanOrEqual(2); // the first copy was dropped

    await settle(1_500); // room for a duplicate, if there were one
    expect(owner.results.filter((message) => message.runId === result.runId)).toHaveLength(1);
    expect(baton.events.filter((event) => event.type === "run.completed" && event.runId === result.runId)).toHaveLength(1);
    expect(await baton.services.results.findByRunId(deviceId, result.runId)).toMatchObject({ status: "delivered", userId: "hana" });
  });
});
