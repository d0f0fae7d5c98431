/**
 * Finding 4 of issue 18: one user must not be able to block a pool's line for good.
 * - a `claim_any` whose input is not plain JSON (a msgpack 64-bit integer decodes as a
 *   BigInt) is refused to its sender with `INVALID_MESSAGE` and never enters the line: the
 *   next user is granted the free device;
 * - a waiter whose connection drops and who does not come back within the reconnect grace
 *   leaves the line, so a device that frees up goes to the next user, not to someone gone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client as SdkClient, type Room } from "@colyseus/sdk";
import { joinDevice } from "../support/deviceSession.ts";
import { Inbox } from "../../client/src/sdk/inbox.ts";
import { freshDeviceId, TEST_DEVICE_SECRET, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, WEIGHING } from "../support/scriptedDevice.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcpProxy.ts";
import { waitFor } from "../support/waitFor.ts";
import { sleep, startProductionBaton } from "./support.ts";

const GRACE_MS = 1_000;
let baton: TestBaton;
const open: { leave(): unknown }[] = [];
const proxies: TcpProxy[] = [];
let pools = 0;

beforeAll(async () => {
  baton = await startProductionBaton({
    timers: { ownerReconnectGraceMs: GRACE_MS, ownerIdleTimeoutMs: 0, readyTimeoutMs: 0 },
    // Retries far apart: a line that moves does so because the rules moved it.
    config: { pools: { retryMs: 60_000, maxWaiting: 10 } },
  });
});
afterAll(async () => {
  await Promise.race([Promise.allSettled(open.map((connection) => connection.leave())), sleep(1_000)]);
  for (const proxy of proxies) await Promise.race([Promise.resolve(proxy.close()).catch(() => undefined), sleep(500)]);
  await baton.shutdown();
});

/** One online scale in a pool of its own. */
async function poolOfOne() {
  const name = `line-${pools++}`;
  const deviceId = freshDeviceId();
  expect(await baton.services.registry.setPool(deviceId, name)).toBe(true);
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING]);
  open.push(device);
  return { name, deviceId, device };
}

interface PoolUser {
  room: Room;
  next(kind: "granted" | "pool_status" | "pool_left" | "error", timeoutMs?: number): Promise<any>;
}

async function joinPool(name: string, userId: string, url = baton.httpUrl): Promise<PoolUser> {
  const client = new SdkClient(url);
  client.auth.token = await baton.tokenFor(userId, userId);
  const room = await client.joinOrCreate("pool", { pool: name });
  open.push(room);
  const inbox = new Inbox<any>();
  for (const kind of ["granted", "pool_status", "pool_left", "error"]) room.onMessage(kind, (message: unknown) => inbox.push(kind, message));
  return { room, next: (kind, timeoutMs = 8_000) => inbox.next(kind, timeoutMs) };
}

describe("finding 4: nobody blocks a pool's line", () => {
  it("refuses a claim_any whose input is not plain JSON, and the next user gets the free device", async () => {
    const { name, deviceId } = await poolOfOne();
    const mallory = await joinPool(name, "mallory");
    mallory.room.send("claim_any", { sessionType: "weighing", input: { userAge: 2n ** 62n } });
    const refusal = await mallory.next("error");
    expect(refusal).toMatchObject({ code: "INVALID_MESSAGE", request: "claim_any" });

    const alice = await joinPool(name, "alice");
    alice.room.send("claim_any", {});
    expect(await alice.next("granted")).toMatchObject({ pool: name, deviceId });
  });

  it("a waiter gone past the reconnect grace leaves the line; the freed device goes to the next user", async () => {
    const { name, deviceId } = await poolOfOne();
    const holder = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("holder", "holder"), deviceId });
    open.push(holder);
    await waitFor(() => holder.state.device.online);
    holder.claim();
    await waitFor(() => holder.state.session.ownerId === "holder");

    // Gina waits first, through a proxy whose cable the test pulls.
    const proxy = await startTcpProxy(baton.port);
    proxies.push(proxy);
    const gina = await joinPool(name, "gina", proxy.httpUrl);
    (gina.room as any).reconnection.enabled = false;
    gina.room.send("claim_any", {});
    expect(await gina.next("pool_status")).toMatchObject({ position: 1 });
    const bob = await joinPool(name, "bob");
    bob.room.send("claim_any", {});
    expect(await bob.next("pool_status")).toMatchObject({ position: 2 });

    proxy.cut();
    // Past the grace, Gina is out of the line and Bob is first.
    expect(await bob.next("pool_status", GRACE_MS + 5_000)).toMatchObject({ position: 1, waiting: 1 });
    holder.release();
    expect(await bob.next("granted")).toMatchObject({ pool: name, deviceId });
  });
});
