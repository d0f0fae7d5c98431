/**
 * Issue 18 finding 12: with BATON_QUARANTINE_AFTER_FAILURES, only device faults count toward
 * the automatic quarantine. A user who claims a scale and never steps on it (the device
 * reports NOTHING_TO_MEASURE), or whose run ends with a code of the device's own, cannot take
 * the device out of rotation; an instrument that does not answer still can.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { ErrorCode } from "@baton/protocol";
import { freshDeviceId, TEST_DEVICE_SECRET, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, WEIGHING } from "../support/scriptedDevice.ts";
import { joinDevice } from "../support/deviceSession.ts";
import { sleep, startProductionBaton } from "./support.ts";
import { waitFor } from "../support/waitFor.ts";

let baton: TestBaton;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  baton = await startProductionBaton({ config: { rules: { maxQueueLength: 10, quarantineAfterFailures: 2 } }, timers: { ownerIdleTimeoutMs: 0, runStepTimeoutMs: 600_000 } });
});
afterAll(async () => {
  for (const cleanup of cleanups) await Promise.race([cleanup().catch(() => undefined), sleep(500)]);
  await baton.shutdown();
});

async function failRuns(codes: string[]) {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING]);
  cleanups.push(() => device.leave());
  const user = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("mallory"), deviceId });
  cleanups.push(() => user.leave());
  for (const code of codes) {
    user.claim({ sessionType: "weighing", input: {}, releaseOnComplete: true });
    const start = (await device.next("start")).payload as { epoch: number; runId: string };
    device.send("failed", { epoch: start.epoch, runId: start.runId, code, message: "" });
    await user.nextFailure();
    await user.nextSessionEnded();
  }
  return { deviceId, user };
}

it("a user who never steps on the scale cannot quarantine it, however often", async () => {
  const { user } = await failRuns([ErrorCode.NOTHING_TO_MEASURE, ErrorCode.NOTHING_TO_MEASURE, "SOMETHING_OF_ITS_OWN", ErrorCode.NOTHING_TO_MEASURE]);
  await sleep(100);
  expect(user.state.device.availability).toBe("available");
  user.claim({});
  await waitFor(() => user.state.session.ownerId === "mallory" || user.errors.length > 0);
  expect(user.errors).toEqual([]);
});

it("instrument faults in a row still quarantine the device", async () => {
  const { user } = await failRuns([ErrorCode.INSTRUMENT_FAULT, ErrorCode.INSTRUMENT_FAULT]);
  await waitFor(() => user.state.device.availability === "quarantined");
  user.claim({});
  expect((await user.nextError()).code).toBe(ErrorCode.DEVICE_UNAVAILABLE);
});
