/**
 * The simulated device against a scripted fake room (fakeRoom.ts): join handshake, hello,
 * the run lifecycle, fencing, the ack rule, resume after reconnect, malformed frames and
 * close codes — the shell (device.ts) executing what its DeviceCore decides, end to end over a
 * real socket, without a Baton server.
 */
import { describe, expect, it } from "vitest";
import { BatonCloseCode } from "@baton/protocol";
import { useFakeRoom } from "./fakeRoomFixture.ts";
import { INSTRUMENTS } from "./instruments.ts";
import { MatchmakeError } from "./matchmake.ts";

const fixture = useFakeRoom({ speed: 100, heartbeatIntervalMs: 0, reconnect: { baseDelayMs: 10, maxDelayMs: 50, maxAttempts: 5 }, seed: 1 });
const start = fixture.start;

const weighing = (epoch: number, runId: string) => ({ epoch, runId, sessionType: "weighing", input: { userAge: 40 }, deadlineMs: 30_000 });

describe("joining", () => {
  it("matchmakes with the secret, acknowledges JOIN_ROOM with 0x0A and says hello", async () => {
    const d = await start();
    expect(fixture.room.matchmakeRequests[0]).toMatchObject({
      url: "/matchmake/joinOrCreate/device",
      authorization: "Bearer s3cret",
      body: { deviceId: "dev-1", role: "device" },
    });
    expect(fixture.room.socketUrls[0]).toBe("/proc1/dev-1?sessionId=s1&skipHandshake=1");
    expect(fixture.room.joinAcks).toBe(1);
    expect(d.reconnectionToken).toBe("token-1");
    expect(fixture.room.received[0]).toEqual({
      type: "hello",
      payload: { firmware: INSTRUMENTS.scale.firmware, sessionTypes: INSTRUMENTS.scale.sessionTypes },
    });
    expect(d.stats.stateFramesReceived).toBe(1);
    expect(d.stats.stateBytesReceived).toBe(0);
  });

  it("throws a typed error carrying the HTTP status and the Baton code", async () => {
    fixture.room.nextMatchmakeError = { status: 401, error: "UNAUTHORIZED: the secret for device \"dev-1\" is missing or wrong." };
    const error = await start().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MatchmakeError);
    expect(error).toMatchObject({ status: 401, code: 401, batonCode: "UNAUTHORIZED", permanent: true });
  });
});

describe("running a job", () => {
  it("accepts, reports progress, sends the result, holds it until ack, then says ready", async () => {
    const d = await start({ instrument: "printer", speed: 20, jobDurationMs: 2_000, minProgressIntervalMs: 10 });
    const mark = fixture.room.received.length;
    fixture.room.send("start", { epoch: 1, runId: "r-1", sessionType: "printing", input: { fileName: "a.stl" }, deadlineMs: 60_000 });
    expect(await fixture.room.next("accepted", mark)).toEqual({ epoch: 1, runId: "r-1" });
    const progress = (await fixture.room.next("progress", mark)) as { progress: number; message: string };
    expect(progress).toMatchObject({ epoch: 1, runId: "r-1" });
    expect(progress.progress).toBeGreaterThan(0);
    expect(progress.progress).toBeLessThan(1);
    expect(progress.message).toMatch(/^layer \d+\/120$/);
    const result = (await fixture.room.next("result", mark)) as { output: Record<string, unknown> };
    expect(result).toMatchObject({ epoch: 1, runId: "r-1", output: { status: "completed", fileName: "a.stl" } });
    expect(d.heldResultRunIds).toEqual(["r-1"]);
    fixture.room.send("ack", { runId: "r-1" });
    await d.waitFor("ack");
    expect(d.heldResultRunIds).toEqual([]);
    await fixture.room.next("ready", mark);
  });

  it("ignores a start older than the highest epoch it has seen", async () => {
    fixture.room.welcome = { epoch: 5, phase: "idle" };
    const d = await start({ autoComplete: false });
    const stale = d.waitFor("staleIgnored");
    fixture.room.send("start", weighing(4, "r-old"));
    expect(await stale).toEqual({ type: "start", epoch: 4, highestEpoch: 5 });
    expect(d.currentJob).toBeUndefined();
    expect(d.stats.staleCommandsIgnored).toBe(1);
    fixture.room.send("start", weighing(5, "r-new"));
    expect(await fixture.room.next("accepted")).toEqual({ epoch: 5, runId: "r-new" });
  });

  it("holds the result for complete(), which may override the epoch", async () => {
    const d = await start({ autoComplete: false });
    fixture.room.send("start", weighing(2, "r-2"));
    await d.waitFor("jobAwaitingCompletion");
    expect(fixture.room.received.some((message) => message.type === "result")).toBe(false);
    const mark = fixture.room.received.length;
    d.complete({ epoch: 1 });
    expect(await fixture.room.next("result", mark)).toMatchObject({ epoch: 1, runId: "r-2" });
  });

  it("stops the job on cancel and says ready after the reset", async () => {
    const d = await start({ autoComplete: false, jobDurationMs: 60_000, speed: 1, resetDelayMs: 10 });
    fixture.room.send("start", weighing(1, "r-3"));
    await d.waitFor("jobStarted");
    const finished = d.waitFor("jobFinished");
    fixture.room.send("cancel", { epoch: 1, runId: "r-3" });
    expect(await finished).toMatchObject({ runId: "r-3", outcome: "cancelled" });
    await fixture.room.next("ready");
    expect(fixture.room.received.some((message) => message.type === "result")).toBe(false);
  });

  it("reports an undeclared session type as failed", async () => {
    await start();
    fixture.room.send("start", { epoch: 1, runId: "r-4", sessionType: "printing", input: {}, deadlineMs: 1 });
    expect(await fixture.room.next("failed")).toMatchObject({ epoch: 1, runId: "r-4", code: "UNKNOWN_SESSION_TYPE" });
  });
});

describe("reconnecting", () => {
  it("re-sends a held result after reconnecting, names it in hello, forgets it on ack", async () => {
    const d = await start({ autoComplete: false });
    fixture.room.send("start", weighing(1, "r-5"));
    await d.waitFor("jobAwaitingCompletion");
    d.drop({ reconnect: false });
    d.complete(); // offline: not delivered, but held
    expect(d.stats.messagesDropped).toBeGreaterThan(0);
    const mark = fixture.room.received.length;
    fixture.room.welcome = { epoch: 1, phase: "idle" }; // a server that knows epoch 1
    await d.reconnect();
    expect(await fixture.room.next("hello", mark)).toMatchObject({ heldRunId: "r-5", epoch: 1 });
    expect(await fixture.room.next("result", mark)).toMatchObject({ epoch: 1, runId: "r-5" });
    fixture.room.send("ack", { runId: "r-5" });
    await d.waitFor("ack");
    expect(d.heldResultRunIds).toEqual([]);
  });

  it("refuses a welcome below the highest epoch seen: keeps its job, leaves, and comes back", async () => {
    const d = await start({ autoComplete: false, jobDurationMs: 60_000, speed: 1 });
    fixture.room.send("start", weighing(4, "r-8"));
    await d.waitFor("jobStarted");
    fixture.room.welcome = { epoch: 2, phase: "idle" }; // a server that does not know epoch 4
    const refused = d.waitFor("epochRefused");
    fixture.room.terminate();
    expect(await refused).toEqual({ epoch: 2, highestEpoch: 4 });
    expect(d.highestEpoch).toBe(4);
    expect(d.currentJob?.runId).toBe("r-8"); // not abandoned on a server's say-so that it cannot make
    fixture.room.welcome = { epoch: 4, phase: "running", runId: "r-8", sessionType: "weighing", input: {}, deadlineMs: 20_000 };
    const mark = fixture.room.received.length;
    await d.waitFor("jobResumed");
    expect(await fixture.room.next("hello", mark)).toMatchObject({ epoch: 4 });
  });

  it("reconnects on its own after a lost connection and resumes the run the room still wants", async () => {
    const d = await start({ autoComplete: false, jobDurationMs: 60_000, speed: 1 });
    fixture.room.send("start", weighing(3, "r-6"));
    await d.waitFor("jobStarted");
    fixture.room.welcome = { epoch: 3, phase: "running", runId: "r-6", sessionType: "weighing", input: { userAge: 40 }, deadlineMs: 20_000 };
    const resumed = d.waitFor("jobResumed");
    const mark = fixture.room.received.length;
    fixture.room.terminate();
    await resumed;
    expect(fixture.room.matchmakeRequests).toHaveLength(2); // reconnecting redoes the matchmaking
    expect(await fixture.room.next("progress", mark)).toMatchObject({ epoch: 3, runId: "r-6" });
    expect(d.currentJob?.runId).toBe("r-6");
  });

  it("abandons a job the room no longer wants", async () => {
    const d = await start({ autoComplete: false, jobDurationMs: 60_000, speed: 1 });
    fixture.room.send("start", weighing(3, "r-7"));
    await d.waitFor("jobStarted");
    fixture.room.welcome = { epoch: 4, phase: "idle" };
    const finished = d.waitFor("jobFinished");
    d.drop();
    expect(await finished).toMatchObject({ runId: "r-7", outcome: "abandoned" });
    expect(d.highestEpoch).toBe(4);
  });

  it("after a reboot, starts the run the welcome describes", async () => {
    const d = await start({ autoComplete: false, jobDurationMs: 60_000, speed: 1 });
    fixture.room.welcome = { epoch: 7, phase: "running", runId: "r-8", sessionType: "weighing", input: { userAge: 20 }, deadlineMs: 9_000 };
    await d.reboot();
    expect(d.currentJob).toMatchObject({ runId: "r-8", epoch: 7, input: { userAge: 20 } });
    expect(await fixture.room.next("accepted", 0)).toEqual({ epoch: 7, runId: "r-8" });
  });

  it("does not fight a newer connection of itself (DEVICE_REPLACED)", async () => {
    const d = await start();
    const gaveUp = d.waitFor("gaveUp");
    fixture.room.close(BatonCloseCode.DEVICE_REPLACED, "replaced");
    expect((await gaveUp).reason).toMatch(/4101/);
    expect(fixture.room.matchmakeRequests).toHaveLength(1);
  });

  it("gives up after the bounded number of attempts", async () => {
    const d = await start({ reconnect: { baseDelayMs: 5, maxDelayMs: 10, maxAttempts: 2 } });
    await fixture.room.stop();
    const gaveUp = d.waitFor("gaveUp");
    d.drop();
    expect(await gaveUp).toMatchObject({ attempts: 2 });
  });
});

describe("robustness", () => {
  it("counts malformed frames and malformed commands, and stays connected", async () => {
    const d = await start();
    fixture.room.sendBytes(Uint8Array.of(0x0d, 0xa5, 0x73));
    fixture.room.send("start", { epoch: "one" });
    fixture.room.send("welcome", { epoch: 0, phase: "idle" });
    await d.next("welcome", { after: 1 });
    expect(d.stats.malformedFramesReceived).toBe(1);
    expect(d.stats.malformedMessagesIgnored).toBe(1);
    expect(d.connected).toBe(true);
  });

  it("lets a test send raw messages and raw bytes", async () => {
    const d = await start();
    const mark = fixture.room.received.length;
    d.sendRaw("result", { epoch: 0, runId: "r-fake", output: {} });
    expect(await fixture.room.next("result", mark)).toEqual({ epoch: 0, runId: "r-fake", output: {} });
    expect(d.sendBytes(Uint8Array.of(0x0d, 0xa3, 0x66, 0x6f, 0x6f))).toBe(true);
    expect(await fixture.room.next("foo", mark)).toBeUndefined();
  });

  it("sends heartbeats with its uptime", async () => {
    await start({ heartbeatIntervalMs: 20 });
    const heartbeat = (await fixture.room.next("heartbeat")) as { uptimeMs: number };
    expect(heartbeat.uptimeMs).toBeGreaterThanOrEqual(0);
  });
});
