/**
 * A spectator never receives a byte of another user's inputs or outputs — checked on the
 * decoded state and on the raw frames — and the device receives no state at all.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { joinDevice } from "../../client/src/sdk/deviceSession.ts";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { joinRaw } from "../support/rawClient.ts";
import { ScriptedDevice } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";

let baton: TestBaton;
beforeAll(async () => {
  baton = await startBaton();
});
afterAll(() => baton.shutdown());

const NOTE_TYPE = {
  name: "note",
  maxDurationMs: 5_000,
  inputSchema: { type: "object", properties: { note: { type: "string" } }, required: ["note"], additionalProperties: false },
};

it("keeps inputs and outputs to the owner's connections", async () => {
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [NOTE_TYPE]);
  const owner = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("olivia", "Olivia"), deviceId });
  const spectator = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("sam", "Sam"), deviceId });
  const raw = await joinRaw(baton.httpUrl, await baton.tokenFor("rita"), { deviceId });

  const secretInput = "INPUT-MARKER-7f3a9c";
  const secretOutput = "OUTPUT-MARKER-b41d22";
  for (let run = 0; run < 2; run++) {
    if (run === 0) owner.claim({ sessionType: "note", input: { note: secretInput } });
    else owner.run("note", { note: secretInput });
    const start = (await device.next("start")).payload;
    expect(start.input.note).toBe(secretInput);
    device.send("result", { epoch: start.epoch, runId: start.runId, output: { note: secretOutput } });
    await owner.nextResult();
    await waitFor(() => spectator.state.session.phase === "completed");
  }

  // Positive control: the owner does see them, in messages and in its view of the state.
  expect(owner.state.owner.input).toContain(secretInput);
  expect(owner.state.owner.output).toContain(secretOutput);
  // The spectator sees who and how far, never what.
  expect(spectator.state.session.ownerName).toBe("Olivia");
  expect(JSON.stringify(spectator.state.toJSON())).not.toContain("MARKER");
  expect(spectator.results).toHaveLength(0);
  const rawBytes = Buffer.concat(raw.frames);
  expect(rawBytes.includes(Buffer.from("Olivia"))).toBe(true); // it did receive the public state
  expect(rawBytes.includes(Buffer.from(secretInput))).toBe(false);
  expect(rawBytes.includes(Buffer.from(secretOutput))).toBe(false);
  expect(rawBytes.includes(Buffer.from("MARKER"))).toBe(false);

  // After the owner releases and someone else claims, the old owner's view holds nothing new.
  owner.release();
  await waitFor(() => spectator.state.session.phase === "idle");
  spectator.claim({ sessionType: "note", input: { note: "SPECTATOR-TURN" } });
  const start = (await device.next("start")).payload;
  device.send("result", { epoch: start.epoch, runId: start.runId, output: { note: "SPECTATOR-RESULT" } });
  await spectator.nextResult();
  await waitFor(() => owner.state.session.phase === "completed");
  expect(JSON.stringify(owner.state.toJSON())).not.toContain("SPECTATOR-");
  expect(owner.results).toHaveLength(2);

  raw.close();
  await Promise.all([owner.leave(), spectator.leave(), device.leave()]);
});
