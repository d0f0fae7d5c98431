/**
 * A device room that loses its cluster-wide lock (its process stalled past the TTL, or lost
 * Redis, and another process took the device) stops serving at once: its clients are
 * closed with 4001 and come back to whichever room holds the lock. Shown in one process by
 * taking the lock away from the room, as another process would after the TTL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeviceRoomState } from "@baton/protocol/state";
import { freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { waitFor } from "../support/waitFor.ts";

let baton: TestBaton;
beforeAll(async () => {
  baton = await startBaton();
});
afterAll(() => baton.shutdown());

describe("room lock lost", () => {
  it("closes the room's clients with 4001, and no second room exists until the lock is free", async () => {
    const deviceId = freshDeviceId();
    const client = await baton.userClient("alice");
    const room = await client.joinOrCreate("device", { deviceId }, DeviceRoomState);
    const closed = new Promise<number>((resolve) => room.onLeave((code) => resolve(code)));
    const { roomLock } = baton.services.cluster;
    const holder = await roomLock.holder(deviceId);
    expect(holder).toMatch(/\//);

    // Another process takes the device (here: by force; in a cluster, after the TTL ran out).
    await roomLock.release(deviceId, holder!);
    expect(await roomLock.acquire(deviceId, "other-process/room", 60_000)).toBe(true);
    await baton.services.roomLeases.renewAll();
    expect(await closed).toBe(4001);

    // While the other holds it, this process cannot make a room for the device…
    const refused = await (await baton.userClient("bob")).joinOrCreate("device", { deviceId }).then(() => null, (error: Error) => error);
    expect(refused?.message).toMatch(/^DEVICE_ROOM_EXISTS:/);
    // …and once it is free again, one room comes back.
    await roomLock.release(deviceId, "other-process/room");
    const again = await (await baton.userClient("alice")).joinOrCreate("device", { deviceId }, DeviceRoomState);
    await waitFor(() => again.state.session !== undefined, 5_000, "state");
    expect(await roomLock.holder(deviceId)).not.toBe(holder);
    await again.leave();
  });
});
