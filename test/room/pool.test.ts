/**
 * Pools through a real server (issue 13): scripted devices and SDK users over real
 * WebSockets. A user in the pool room asks for "any free device" and is granted one while
 * another device of the pool is busy; a waiter is served when a device frees up; the pool
 * room's boundary refuses devices, bad options and unknown pools. Waits are generous and
 * nothing depends on tight timings.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Client as SdkClient, type Room } from "@colyseus/sdk";
import { joinDevice } from "../support/deviceSession.ts";
import { Inbox } from "../../client/src/sdk/inbox.ts";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, WEIGHING } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";
import { call } from "../http/support.ts";

let baton: TestBaton;
const open: { leave(): unknown }[] = [];
let poolCount = 0;

beforeAll(async () => {
  baton = await startBaton({ timers: { ownerIdleTimeoutMs: 0, readyTimeoutMs: 0 }, config: { pools: { retryMs: 60_000, maxWaiting: 10 } } });
});
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((connection) => connection.leave()));
  await baton.colyseus.cleanup();
});
afterAll(async () => {
  await baton.shutdown();
});

/** Online devices that form a fresh pool of their own (an explicit pool name through the registry). */
async function pool(size: number) {
  const name = `lab-${poolCount++}`;
  const devices: { deviceId: string; device: ScriptedDevice }[] = [];
  for (let i = 0; i < size; i++) {
    const deviceId = freshDeviceId();
    expect(await baton.services.registry.setPool(deviceId, name)).toBe(true);
    const device = await ScriptedDevice.connect(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
    open.push(device);
    const welcome = device.next("welcome");
    device.send("hello", { firmware: "scripted/1.0", sessionTypes: [WEIGHING] });
    await welcome;
    devices.push({ deviceId, device });
  }
  return { name, devices };
}

interface PoolUser {
  room: Room;
  next(kind: "granted" | "pool_status" | "pool_left" | "error", timeoutMs?: number): Promise<any>;
}

async function joinPool(name: string, userId: string): Promise<PoolUser> {
  const client = new SdkClient(baton.httpUrl);
  client.auth.token = await baton.tokenFor(userId, userId);
  const room = await client.joinOrCreate("pool", { pool: name });
  open.push(room);
  const inbox = new Inbox<any>();
  for (const kind of ["granted", "pool_status", "pool_left", "error"]) room.onMessage(kind, (message: unknown) => inbox.push(kind, message));
  return { room, next: (kind, timeoutMs = 8_000) => inbox.next(kind, timeoutMs) };
}

describe("pools", () => {
  it("a pool claim gets a free device of the pool while another is busy, and starts the run on it", async () => {
    const { name, devices: [a, b] } = await pool(2);
    // Alice holds the first device directly.
    const alice = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("alice", "alice"), deviceId: a.deviceId });
    open.push(alice);
    await waitFor(() => alice.state.device.online);
    alice.claim();
    await waitFor(() => alice.state.session.ownerId === "alice");

    const bob = await joinPool(name, "bob");
    const start = b.device.next("start");
    bob.room.send("claim_any", { sessionType: "weighing", input: { userAge: 41 }, releaseOnComplete: true });
    const granted = await bob.next("granted");
    expect(granted).toMatchObject({ pool: name, deviceId: b.deviceId, sessionType: "weighing" });
    expect(granted.epoch).toBeGreaterThan(0);
    // The device room is the holder's writer: the run went to the free device with the grant's epoch.
    expect((await start).payload).toMatchObject({ epoch: granted.epoch, sessionType: "weighing", input: { userAge: 41 } });
    // Bob joins the device he got and sees himself as its holder.
    const bobOnDevice = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("bob", "bob"), deviceId: b.deviceId });
    open.push(bobOnDevice);
    await waitFor(() => bobOnDevice.state.session.ownerId === "bob");
    expect(alice.state.session.ownerId).toBe("alice");
  });

  it("a waiter sees their position and is granted the first device that frees up; FIFO between two waiters", async () => {
    const { name, devices: [a] } = await pool(1);
    const alice = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("alice", "alice"), deviceId: a.deviceId });
    open.push(alice);
    await waitFor(() => alice.state.device.online);
    alice.claim();
    await waitFor(() => alice.state.session.ownerId === "alice");

    const carol = await joinPool(name, "carol");
    const dave = await joinPool(name, "dave");
    carol.room.send("claim_any", {});
    expect(await carol.next("pool_status")).toMatchObject({ pool: name, position: 1, devices: 1 });
    dave.room.send("claim_any", {});
    expect(await dave.next("pool_status")).toMatchObject({ position: 2, waiting: 2 });
    // Twice is refused: one place per user.
    carol.room.send("claim_any", {});
    expect((await carol.next("error")).code).toBe("ALREADY_QUEUED");

    alice.release();
    expect(await carol.next("granted")).toMatchObject({ deviceId: a.deviceId });
    // Dave moved up to first and waits for the next free device.
    expect(await dave.next("pool_status")).toMatchObject({ position: 1, waiting: 1 });
    dave.room.send("leave_pool", {});
    expect(await dave.next("pool_left")).toMatchObject({ reason: "left" });
  });

  it("refuses a request no device of the pool can run, with the device's reason", async () => {
    const { name } = await pool(2);
    const erin = await joinPool(name, "erin");
    erin.room.send("claim_any", { sessionType: "weighing", input: { userAge: "old" } });
    const left = await erin.next("pool_left");
    expect(left.reason).toBe("refused");
    expect(left.message).toMatch(/userAge/);
  });

  it("keeps devices out and validates the options at matchmaking; an unknown pool is refused", async () => {
    const { name, devices: [a] } = await pool(1);
    const token = await baton.tokenFor("frank", "frank");
    const asDevice = await call(baton, "POST", "/matchmake/joinOrCreate/pool", { token: TEST_DEVICE_SECRET, body: { pool: name, role: "device", deviceId: a.deviceId } });
    expect(asDevice.body).toMatchObject({ error: expect.stringMatching(/^METHOD_NOT_ALLOWED:/) });
    const created = await call(baton, "POST", "/matchmake/create/pool", { token, body: { pool: name } });
    expect(created.body).toMatchObject({ error: expect.stringMatching(/^METHOD_NOT_ALLOWED:/) });
    const badName = await call(baton, "POST", "/matchmake/joinOrCreate/pool", { token, body: { pool: "../x" } });
    expect(badName.body).toMatchObject({ error: expect.stringMatching(/^INVALID_MESSAGE:/) });
    const unknown = await call(baton, "POST", "/matchmake/joinOrCreate/pool", { token, body: { pool: "no-such-pool" } });
    expect(unknown.body).toMatchObject({ error: expect.stringMatching(/^UNKNOWN_POOL:/) });
    // A joinById whose options name another pool than the URL.
    const frank = await joinPool(name, "frank");
    const wrong = await call(baton, "POST", `/matchmake/joinById/${frank.room.roomId}`, { token, body: { pool: "other" } });
    expect(wrong.body).toMatchObject({ error: expect.stringMatching(/^WRONG_ROOM:/) });
    // A device room cannot be reached with the pool's options either (the device policy still applies there).
    const noDevice = await call(baton, "POST", "/matchmake/joinOrCreate/device", { token, body: { pool: name } });
    expect(noDevice.body).toMatchObject({ error: expect.stringMatching(/^UNKNOWN_DEVICE:/) });
  });
});
