/**
 * A spectator never receives a byte of another user's inputs or outputs — checked on the
 * decoded state and on the raw frames — and the device receives no state at all.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { joinDevice } from "../support/deviceSession.ts";
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

it("shares one spectator view without leaking: many spectators, a holder's second tab, holders taking turns", async () => {
  // Spectators share one StateView (server/src/rooms/projection/views.ts): one encoded patch for all of
  // them. Whoever holds the device gets a view of their own first; the shared one must never
  // carry the owner data — not to spectators who joined before the claim, nor after it, nor
  // to an earlier holder's connections once the turn has passed.
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [NOTE_TYPE]);
  const early = await Promise.all(["vera", "vic", "vlad"].map(async (name) => joinDevice({ url: baton.httpUrl, token: await baton.tokenFor(name), deviceId })));
  const rawEarly = await joinRaw(baton.httpUrl, await baton.tokenFor("raw-early"), { deviceId });
  const holder = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("hugo", "Hugo"), deviceId });
  await waitFor(() => holder.state.device.online);

  holder.claim({ sessionType: "note", input: { note: "HUGO-IN-1" } });
  let start = (await device.next("start")).payload;
  // Joined mid-session: a spectator, and a second tab of the holder.
  const late = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("lena"), deviceId });
  const rawLate = await joinRaw(baton.httpUrl, await baton.tokenFor("raw-late"), { deviceId });
  const holderTab = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("hugo", "Hugo"), deviceId });
  device.send("result", { epoch: start.epoch, runId: start.runId, output: { note: "HUGO-OUT-1" } });
  await holder.nextResult();
  await waitFor(() => holderTab.state.owner.output.includes("HUGO-OUT-1"));
  expect(holderTab.state.owner.input).toContain("HUGO-IN-1");

  // Turns: Hugo releases, Vera (who watched as a spectator) holds, then Lena.
  holder.release();
  await waitFor(() => early[0]!.state.session.phase === "idle");
  for (const [next, tag] of [[early[0]!, "VERA"], [late, "LENA"]] as const) {
    next.claim({ sessionType: "note", input: { note: `${tag}-IN` } });
    start = (await device.next("start")).payload;
    device.send("result", { epoch: start.epoch, runId: start.runId, output: { note: `${tag}-OUT` } });
    await next.nextResult();
    await waitFor(() => next.state.owner.output.includes(`${tag}-OUT`));
    next.release();
    await waitFor(() => holder.state.session.phase === "idle");
  }

  const spectatorsOnly = [early[1]!, early[2]!];
  for (const spectator of spectatorsOnly) {
    expect(spectator.state.session.epoch).toBe(start.epoch); // they did follow every change
    expect(JSON.stringify(spectator.state.toJSON())).not.toMatch(/-IN|-OUT/);
  }
  for (const raw of [rawEarly, rawLate]) {
    const bytes = Buffer.concat(raw.frames);
    expect(bytes.includes(Buffer.from("Hugo"))).toBe(true);
    for (const marker of ["HUGO-IN", "HUGO-OUT", "VERA-IN", "VERA-OUT", "LENA-IN", "LENA-OUT"]) expect(bytes.includes(Buffer.from(marker))).toBe(false);
  }
  // Earlier holders see nothing of the later turns.
  expect(JSON.stringify(holder.state.toJSON())).not.toMatch(/VERA-|LENA-/);
  expect(JSON.stringify(holderTab.state.toJSON())).not.toMatch(/VERA-|LENA-/);
  expect(JSON.stringify(early[0]!.state.toJSON())).not.toMatch(/HUGO-|LENA-/);

  rawEarly.close();
  rawLate.close();
  await Promise.all([...early, late, holder, holderTab].map((session) => session.leave()));
  await device.leave();
});
