/**
 * Every room's full state is encoded in one scratch buffer of the process
 * (rooms/connections/fullStateScratch.ts): a connection joining one room must receive that
 * room's state, whatever other rooms encoded in between — and a late joiner the state as it is
 * now, owner data only for the owner.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { joinDevice } from "../support/deviceSession.ts";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";

let baton: TestBaton;
const open: { leave(): Promise<unknown> | void }[] = [];
beforeAll(async () => {
  baton = await startBaton();
});
afterAll(async () => {
  await Promise.allSettled(open.map((each) => each.leave()));
  await baton.shutdown();
});

const NOTE_TYPE = {
  name: "note",
  maxDurationMs: 60_000,
  inputSchema: { type: "object", properties: { note: { type: "string" } }, required: ["note"], additionalProperties: false },
};

it("a join receives its own room's state, not the one another room encoded last", async () => {
  // Room A: the device online and held by Olivia with a run in flight; room B: another device, idle.
  const a = freshDeviceId();
  const b = freshDeviceId();
  const { device: deviceA } = await ScriptedDevice.online(baton.httpUrl, a, TEST_DEVICE_SECRET, [NOTE_TYPE]);
  const { device: deviceB } = await ScriptedDevice.online(baton.httpUrl, b, TEST_DEVICE_SECRET, [NOTE_TYPE]);
  open.push(deviceA, deviceB);
  const owner = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("olivia", "Olivia"), deviceId: a });
  open.push(owner);
  owner.claim({ sessionType: "note", input: { note: "ROOM-A-INPUT" } });
  await deviceA.next("start");

  for (let round = 0; round < 3; round++) {
    // Alternate joins, so each one follows an encode of the other room.
    const inB = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor(`bea-${round}`), deviceId: b });
    const inA = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor(`sam-${round}`), deviceId: a });
    open.push(inA, inB);
    await waitFor(() => inA.state.session.ownerName === "Olivia" && inB.state.device.online);
    expect(inA.state.session.phase).not.toBe("idle");
    expect(inB.state.session.phase).toBe("idle");
    expect(inB.state.session.ownerName).toBe("");
    expect(JSON.stringify(inA.state.toJSON())).not.toContain("ROOM-A-INPUT"); // a spectator: no owner data
  }
  // A second connection of the owner, joining late, gets the owner data.
  const ownerAgain = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("olivia", "Olivia"), deviceId: a });
  open.push(ownerAgain);
  await waitFor(() => ownerAgain.state.owner?.input?.includes("ROOM-A-INPUT") === true);
});
