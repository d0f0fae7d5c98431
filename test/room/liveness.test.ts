/**
 * Timers and recovery through real sockets, with short timers: owners and devices that
 * drop and return (or do not), long runs kept alive by progress, silent runs timing out,
 * and one user on two tabs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { joinDevice, type DeviceSession } from "../support/deviceSession.ts";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { joinThroughProxy, reconnect } from "../support/drop.ts";
import { ScriptedDevice, WEIGHING, PRINTING } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";

const GRACE_MS = 800;
let baton: TestBaton;
const open: { leave(): unknown }[] = [];
let deviceId = "";

beforeAll(async () => {
  baton = await startBaton({
    timers: { ownerReconnectGraceMs: GRACE_MS, deviceGraceMs: GRACE_MS, runStepTimeoutMs: 400, deviceSilenceTimeoutMs: 0, ownerIdleTimeoutMs: 0 },
  });
});
afterEach(async () => {
  // A connection whose network was cut never confirms its leave: do not wait for it forever.
  await Promise.allSettled(open.splice(0).map((connection) => Promise.race([connection.leave(), sleep(300)])));
});
afterAll(() => baton.shutdown());

async function user(userId: string): Promise<DeviceSession> {
  const session = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor(userId, userId.toUpperCase()), deviceId });
  open.push(session);
  return session;
}

async function cuttableUser(userId: string) {
  const cuttable = await joinThroughProxy(baton.port, await baton.tokenFor(userId, userId.toUpperCase()), deviceId);
  open.push(cuttable.session, { leave: () => cuttable.proxy.close() });
  return cuttable;
}

async function device() {
  deviceId = freshDeviceId();
  const online = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING, PRINTING], { cuttable: true });
  open.push(online.device);
  return online.device;
}

async function reconnectDevice() {
  const online = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING, PRINTING]);
  open.push(online.device);
  return online;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("owner connection", () => {
  it("keeps the session, epoch and run when the owner drops and returns within the grace", async () => {
    const scale = await device();
    const { session: owner, cut } = await cuttableUser("alice");
    const watcher = await user("walt");
    await waitFor(() => owner.state.device.online);
    owner.claim({ sessionType: "weighing", input: {} });
    const start = (await scale.next("start")).payload;
    await waitFor(() => watcher.state.session.phase === "running");

    // The run reports progress meanwhile, so only the owner's grace is under test (not the
    // 400 ms step timeout, which a loaded machine can outlast between cut and return).
    const keepAlive = setInterval(() => scale.send("progress", { epoch: start.epoch, runId: start.runId, progress: 0.5 }), 100);
    let back: Awaited<ReturnType<typeof reconnect>>;
    try {
      const token = cut();
      await waitFor(() => watcher.state.session.ownerAway, 2_000, "spectators see the owner away");
      await sleep(GRACE_MS / 3);
      back = await reconnect(baton.httpUrl, token);
      open.push(back);
      await waitFor(() => !watcher.state.session.ownerAway);
      expect(watcher.state.session).toMatchObject({ phase: "running", ownerId: "alice", epoch: start.epoch, runId: start.runId });
    } finally {
      clearInterval(keepAlive);
    }

    scale.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 61.2 } });
    expect((await back.nextResult()).output).toEqual({ weight: 61.2 });
    await sleep(GRACE_MS); // the old grace deadline must not fire after the return
    expect(watcher.state.session.ownerId).toBe("alice");
  });

  it("frees the device with owner_lost and cancels the run when the owner stays away", async () => {
    const scale = await device();
    const { session: owner, cut } = await cuttableUser("bob");
    const watcher = await user("wanda");
    await waitFor(() => owner.state.device.online);
    owner.claim({ sessionType: "printing", input: { fileName: "x.gcode" } });
    const start = (await scale.next("start")).payload;
    // Keep the run alive with progress so only the owner grace can end it.
    const keepAlive = setInterval(() => scale.send("progress", { epoch: start.epoch, runId: start.runId, progress: 0.1 }), 100);
    try {
      cut();
      expect((await scale.next("cancel", GRACE_MS + 2_000)).payload).toEqual({ epoch: start.epoch, runId: start.runId });
    } finally {
      clearInterval(keepAlive);
    }
    await waitFor(() => watcher.state.session.phase === "idle");
    expect(watcher.state.session.endReason).toBe("owner_lost");
    expect(baton.events.some((event) => event.type === "session.ended" && event.deviceId === deviceId && event.reason === "owner_lost")).toBe(true);
  });
});

describe("device connection", () => {
  it("shows a dropped device offline within a second, and resumes the run when it returns", async () => {
    let scale = await device();
    const owner = await user("carol");
    await waitFor(() => owner.state.device.online);
    owner.claim({ sessionType: "weighing", input: { userAge: 30 } });
    const start = (await scale.next("start")).payload;
    const droppedAt = Date.now();
    scale.drop();
    await waitFor(() => !owner.state.device.online, 1_000, "device shown offline");
    expect(Date.now() - droppedAt).toBeLessThan(1_000);
    expect(owner.state.device.connection).toBe("disconnected");
    expect(owner.state.session.phase).toBe("running");

    const { device: again, welcome } = await reconnectDevice();
    scale = again;
    expect(welcome).toMatchObject({ epoch: start.epoch, phase: "running", runId: start.runId, sessionType: "weighing", input: { userAge: 30 } });
    await waitFor(() => owner.state.device.online && owner.state.device.connection === "active");
    // The device had finished before it dropped and re-sends its held result: accepted once.
    scale.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 80 } });
    scale.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 80 } });
    await scale.next("ack");
    await scale.next("ack");
    expect((await owner.nextResult()).output).toEqual({ weight: 80 });
    await sleep(50);
    expect(owner.results).toHaveLength(1);
  });

  it("ends the session with device_lost when the device stays away beyond its grace", async () => {
    const scale = await device();
    const owner = await user("dora");
    await waitFor(() => owner.state.device.online);
    owner.claim({ sessionType: "weighing", input: {} });
    await scale.next("start");
    scale.drop();
    const failure = await owner.nextFailure(GRACE_MS + 2_000);
    expect(failure.code).toBe("DEVICE_FAILED");
    await waitFor(() => owner.state.session.phase === "idle");
    expect(owner.state.session.endReason).toBe("device_lost");
    expect(owner.state.device.online).toBe(false);

    // When it comes back it is told the run is gone, and it can be claimed again.
    const { device: again, welcome } = await reconnectDevice();
    expect(welcome).toEqual({ epoch: 1, phase: "idle" });
    owner.claim({ sessionType: "weighing", input: {} });
    expect((await again.next("start")).payload.epoch).toBe(2);
  });
});

describe("run timeouts", () => {
  it("keeps a long run alive while progress arrives, far beyond the step timeout", async () => {
    const printer = await device();
    const owner = await user("eve");
    await waitFor(() => owner.state.device.online);
    owner.claim({ sessionType: "printing", input: { fileName: "long.gcode" } });
    const start = (await printer.next("start")).payload;
    for (let step = 1; step <= 15; step++) {
      await sleep(100); // 1.5 s in all, step timeout 400 ms
      printer.send("progress", { epoch: start.epoch, runId: start.runId, progress: step / 16 });
    }
    printer.send("result", { epoch: start.epoch, runId: start.runId, output: { status: "completed" } });
    expect((await owner.nextResult()).output).toEqual({ status: "completed" });
    expect(owner.failures).toHaveLength(0);
  });

  it("fails a silent run with RUN_TIMEOUT and tells the device to cancel", async () => {
    const scale = await device();
    const owner = await user("fred");
    await waitFor(() => owner.state.device.online);
    owner.claim({ sessionType: "weighing", input: {} });
    const start = (await scale.next("start")).payload;
    const failure = await owner.nextFailure(2_000);
    expect(failure).toMatchObject({ runId: start.runId, code: "RUN_TIMEOUT" });
    expect((await scale.next("cancel")).payload).toEqual({ epoch: start.epoch, runId: start.runId });
    await waitFor(() => owner.state.session.phase === "failed" && owner.state.session.failureCode === "RUN_TIMEOUT");
    expect(owner.state.session.ownerId).toBe("fred"); // the session goes on; the owner may run again
  });
});

describe("one user, two tabs", () => {
  it("gives a tab that comes back the owner data of a session its user started from another tab meanwhile", async () => {
    const scale = await device();
    const { session: tabOne, cut } = await cuttableUser("hana");
    const tabTwo = await user("hana");
    await waitFor(() => tabTwo.state.device.online);
    tabTwo.claim();
    await waitFor(() => tabOne.state.session.ownerId === "hana");
    const token = cut();
    tabTwo.release();
    await waitFor(() => tabTwo.state.session.phase === "idle");
    tabTwo.claim({ sessionType: "weighing", input: { userAge: 61 } });
    await scale.next("start");
    await waitFor(() => tabTwo.state.owner.input !== "");
    const back = await reconnect(baton.httpUrl, token);
    open.push(back);
    await waitFor(() => back.state.owner?.input !== undefined && back.state.owner.input !== "", 3_000, "the returning tab sees the new session's input");
    expect(JSON.parse(back.state.owner.input)).toEqual({ userAge: 61 });
  });

  it("treats both tabs as the one holder: either may act, both see a release", async () => {
    const scale = await device();
    const tabOne = await user("gwen");
    const tabTwo = await user("gwen");
    const stranger = await user("hugo");
    await waitFor(() => tabOne.state.device.online);
    tabOne.claim();
    await waitFor(() => tabTwo.state.session.ownerId === "gwen");
    tabTwo.claim();
    expect((await tabTwo.nextError()).code).toBe("ALREADY_HOLDER");

    tabTwo.run("weighing", { userAge: 44 });
    const start = (await scale.next("start")).payload;
    await waitFor(() => tabOne.state.owner.input !== "");
    expect(JSON.parse(tabOne.state.owner.input)).toEqual({ userAge: 44 });
    scale.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 55 } });
    expect((await tabOne.nextResult()).output).toEqual({ weight: 55 });
    expect((await tabTwo.nextResult()).output).toEqual({ weight: 55 });
    expect(stranger.results).toHaveLength(0);

    // Closing one tab does not make the holder "away" while the other is open.
    await tabOne.leave();
    await sleep(GRACE_MS + 300);
    expect(tabTwo.state.session.ownerId).toBe("gwen");
    expect(tabTwo.state.session.ownerAway).toBe(false);
    tabTwo.release();
    await waitFor(() => stranger.state.session.phase === "idle" && tabTwo.state.session.phase === "idle");
    expect(stranger.state.session.endReason).toBe("released");
  });
});
