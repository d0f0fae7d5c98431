/**
 * The session flows through a real server: SDK users and a device over real WebSockets.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { joinDevice, type DeviceSession } from "../support/deviceSession.ts";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, PRINTING, WEIGHING } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";

let baton: TestBaton;
const open: { leave(): unknown }[] = [];

beforeAll(async () => {
  baton = await startBaton();
});
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((connection) => connection.leave()));
  await baton.colyseus.cleanup();
});
afterAll(async () => {
  await baton.shutdown();
});

let deviceId = "";

async function user(userId: string, name = userId): Promise<DeviceSession> {
  const session = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor(userId, name), deviceId });
  open.push(session);
  return session;
}

/** Each test takes a fresh device, so no session carries over between tests. */
async function device() {
  deviceId = freshDeviceId();
  const online = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING, PRINTING]);
  open.push(online.device);
  return online;
}

describe("the seed's weighing flow", () => {
  it("claim+run → device start → result to the owner → automatic release", async () => {
    const { device: scale } = await device();
    const alice = await user("alice", "Alice");
    await waitFor(() => alice.state.device.online);

    alice.claim({ sessionType: "weighing", input: { userAge: 25, userGender: "female" }, releaseOnComplete: true });
    const start = (await scale.next("start")).payload;
    expect(start).toMatchObject({ epoch: 1, sessionType: "weighing", input: { userAge: 25, userGender: "female" }, deadlineMs: WEIGHING.maxDurationMs });
    expect(typeof start.runId).toBe("string");
    await waitFor(() => alice.state.session.phase === "running" && alice.state.session.ownerName === "Alice");

    scale.send("accepted", { epoch: start.epoch, runId: start.runId });
    scale.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 70.5, unit: "kg" } });

    const result = await alice.nextResult();
    expect(result).toEqual({ runId: start.runId, sessionType: "weighing", output: { weight: 70.5, unit: "kg" } });
    expect((await scale.next("ack")).payload).toEqual({ runId: start.runId });
    await waitFor(() => alice.state.session.phase === "idle");
    expect(alice.state.session.endReason).toBe("completed");
    expect(alice.state.session.ownerId).toBe("");
    // Stored durably before the ack.
    expect(await baton.services.results.findByRunId(deviceId, start.runId)).toMatchObject({ status: "delivered", userId: "alice" });
    // Lifecycle events, in order, for whoever subscribes (logging, metrics, persistence).
    const mine = baton.events.filter((event) => event.deviceId === deviceId).map((event) => event.type === "session.ended" ? `${event.type}:${event.reason}` : event.type);
    expect(mine).toEqual(["device.connected", "session.started", "run.started", "run.completed", "session.ended:completed"]);
  });
});

describe("a lab session with several runs", () => {
  it("runs three times under one claim, then releases", async () => {
    const { device: lab } = await device();
    const bob = await user("bob");
    await waitFor(() => bob.state.device.online);
    bob.claim();
    await waitFor(() => bob.state.session.phase === "claimed");
    const epoch = bob.state.session.epoch;
    for (let sample = 1; sample <= 3; sample++) {
      bob.run("weighing", { userAge: 20 + sample });
      const start = (await lab.next("start")).payload;
      expect(start.epoch).toBe(epoch);
      lab.send("result", { epoch, runId: start.runId, output: { sample } });
      expect((await bob.nextResult()).output).toEqual({ sample });
      await waitFor(() => bob.state.session.phase === "completed");
      expect(JSON.parse(bob.state.owner.output)).toEqual({ sample });
    }
    bob.release();
    await waitFor(() => bob.state.session.phase === "idle");
    expect(bob.state.session.endReason).toBe("released");
  });
});

describe("a printer run with progress", () => {
  it("shows progress to spectators as it arrives", async () => {
    const { device: printer } = await device();
    const owner = await user("carol");
    const watcher = await user("dave");
    await waitFor(() => owner.state.device.online);
    owner.claim({ sessionType: "printing", input: { fileName: "benchy.gcode", material: "PLA" } });
    const start = (await printer.next("start")).payload;
    printer.send("accepted", { epoch: start.epoch, runId: start.runId });
    for (const progress of [0.25, 0.5, 0.75]) {
      printer.send("progress", { epoch: start.epoch, runId: start.runId, progress, message: `layer ${progress * 100}` });
      await waitFor(() => watcher.state.session.progress === progress);
      expect(watcher.state.session.progressMessage).toBe(`layer ${progress * 100}`);
    }
    printer.send("result", { epoch: start.epoch, runId: start.runId, output: { printTime: 7200, filamentUsed: 150, status: "completed" } });
    await owner.nextResult();
    await waitFor(() => watcher.state.session.phase === "completed" && watcher.state.session.processingComplete);
    expect(watcher.state.session.progress).toBe(1);
  });
});

describe("ownership rules", () => {
  it("refuses run, cancel and release from a non-owner with NOT_OWNER", async () => {
    const { device: scale } = await device();
    const owner = await user("erin", "Erin");
    const other = await user("frank");
    await waitFor(() => owner.state.device.online);
    owner.claim();
    await waitFor(() => other.state.session.ownerId === "erin");
    other.run("weighing", {});
    expect(await other.nextError()).toMatchObject({ code: "NOT_OWNER", request: "run" });
    other.cancel();
    expect(await other.nextError()).toMatchObject({ code: "NOT_OWNER", request: "cancel" });
    other.release();
    const refused = await other.nextError();
    expect(refused).toMatchObject({ code: "NOT_OWNER", request: "release" });
    expect(refused.message).toContain("Erin");
    expect(scale.all("start")).toHaveLength(0);
    expect(owner.state.session.ownerId).toBe("erin");
  });

  it("refuses invalid input and unknown session types before the device sees them", async () => {
    const { device: scale } = await device();
    const owner = await user("gina");
    await waitFor(() => owner.state.device.online);
    owner.claim({ sessionType: "weighing", input: { userAge: "old" } });
    const invalid = await owner.nextError();
    expect(invalid.code).toBe("INVALID_INPUT");
    expect(invalid.message).toContain("userAge");
    expect(owner.state.session.phase).toBe("idle"); // a bad claim+run does not hold the device
    owner.claim();
    await waitFor(() => owner.state.session.phase === "claimed");
    owner.run("juggling", {});
    const unknown = await owner.nextError();
    expect(unknown.code).toBe("UNKNOWN_SESSION_TYPE");
    expect(unknown.message).toContain("weighing");
    owner.run("printing", { material: "PLA" });
    expect((await owner.nextError()).code).toBe("INVALID_INPUT");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(scale.all("start")).toHaveLength(0);
  });

  it("a result of an earlier epoch goes to the user whose epoch it carries, marked late; never to the current holder; one naming nobody is an orphan", async () => {
    const { device: scale } = await device();
    const first = await user("hank");
    const second = await user("iris");
    await waitFor(() => first.state.device.online);
    first.claim({ sessionType: "weighing", input: {} });
    const oldStart = (await scale.next("start")).payload;
    first.release(); // the run is cancelled on the device
    expect((await scale.next("cancel")).payload).toEqual({ epoch: oldStart.epoch, runId: oldStart.runId });
    await waitFor(() => second.state.session.phase === "idle");
    second.claim({ sessionType: "weighing", input: {} });
    const newStart = (await scale.next("start")).payload;
    expect(newStart.epoch).toBe(oldStart.epoch + 1);

    // The device's fencing is unchanged: refused and acknowledged. But the measurement is hank's.
    scale.send("result", { epoch: oldStart.epoch, runId: oldStart.runId, output: { weight: 1 } });
    expect((await scale.next("error")).payload).toMatchObject({ code: "STALE_EPOCH", request: "result" });
    expect((await scale.next("ack")).payload).toEqual({ runId: oldStart.runId });
    expect(await first.nextResult()).toEqual({ runId: oldStart.runId, sessionType: "weighing", output: { weight: 1 }, late: true, lateReason: "CANCELLED" });
    expect(second.results).toHaveLength(0);
    expect(await baton.services.results.findByRunId(deviceId, oldStart.runId)).toMatchObject({ userId: "hank", epoch: oldStart.epoch, lateReason: "CANCELLED" });
    expect(await baton.services.results.findOrphan(deviceId, oldStart.runId)).toBeUndefined();
    expect(await baton.services.store.history.findRun(deviceId, oldStart.runId)).toMatchObject({ userId: "hank", ok: false, failureCode: "CANCELLED", output: { weight: 1 } });
    expect(second.state.session.phase).toBe("running");

    // A run id the server never issued: its epoch names nobody's run, so it is an orphan.
    scale.send("result", { epoch: oldStart.epoch, runId: "r-never-issued", output: { weight: 9 } });
    expect((await scale.next("ack")).payload).toEqual({ runId: "r-never-issued" });
    for (let poll = 0; poll < 100 && !(await baton.services.results.findOrphan(deviceId, "r-never-issued")); poll++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await baton.services.results.findOrphan(deviceId, "r-never-issued")).toMatchObject({ status: "orphaned", reason: "STALE_EPOCH" });

    scale.send("result", { epoch: newStart.epoch, runId: newStart.runId, output: { weight: 2 } });
    expect((await second.nextResult()).output).toEqual({ weight: 2 });
    expect(first.results).toHaveLength(1);
  });

  it("a result that arrives after its run timed out is still its owner's, marked late (RUN_TIMEOUT)", async () => {
    deviceId = freshDeviceId();
    const { device: scale } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [{ ...WEIGHING, maxDurationMs: 300 }]);
    open.push(scale);
    const owner = await user("ulla");
    await waitFor(() => owner.state.device.online);
    owner.claim({ sessionType: "weighing", input: {} });
    const start = (await scale.next("start")).payload;
    const failed = await owner.nextFailure(5_000);
    expect(failed).toMatchObject({ runId: start.runId, code: "RUN_TIMEOUT" });
    scale.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 4 } });
    expect(await owner.nextResult()).toMatchObject({ runId: start.runId, output: { weight: 4 }, late: true, lateReason: "RUN_TIMEOUT" });
    expect(await baton.services.results.findOrphan(deviceId, start.runId)).toBeUndefined();
  });

  it("acknowledges a re-sent result again without delivering it twice", async () => {
    const { device: scale } = await device();
    const owner = await user("jack");
    await waitFor(() => owner.state.device.online);
    owner.claim({ sessionType: "weighing", input: {} });
    const start = (await scale.next("start")).payload;
    scale.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 3 } });
    scale.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 3 } });
    await scale.next("ack");
    await scale.next("ack");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(owner.results).toHaveLength(1);
  });
});

describe("an idle room", () => {
  it("does no work while nothing happens: no patch tick, no deadline timer", async () => {
    await device();
    const watcher = await user("ivan");
    await waitFor(() => watcher.state.device.online);
    const room = baton.colyseus.getRoomById(deviceId) as any;
    expect(room.patchRate).toBeNull();
    expect(room.deadline.pending).toBe(false); // no deadline timer (rooms/connections/deadlineTimer.ts)
    let patches = 0;
    const original = room.broadcastPatch.bind(room);
    room.broadcastPatch = () => {
      patches++;
      return original();
    };
    await new Promise((resolve) => setTimeout(resolve, 300)); // six default patch periods
    expect(patches).toBe(0);
    // A transition is pushed at once, not on a tick.
    watcher.claim();
    await waitFor(() => watcher.state.session.phase === "claimed");
    expect(patches).toBe(1);
    room.broadcastPatch = original;
  });
});
