/**
 * Every matchmaking route, for every role, against a production-mode server; and the
 * attacks of security findings 1 and 2: a device secret used to enter another device's
 * room, and a second room made for a device.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { matchMaker } from "@colyseus/core";
import { DEV_DEVICES, freshDeviceId, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, WEIGHING } from "../support/scriptedDevice.ts";
import { joinDevice } from "../support/deviceSession.ts";
import { codeOf, matchmake, startProductionBaton, sleep, type HttpAnswer } from "./support.ts";

let baton: TestBaton;
const scale = DEV_DEVICES.scale;
const printer = DEV_DEVICES.printer;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  baton = await startProductionBaton();
});
afterAll(async () => {
  for (const cleanup of cleanups) await Promise.race([cleanup().catch(() => undefined), sleep(500)]);
  await baton.shutdown();
});

const roomsFor = async (deviceId: string) => (await matchMaker.query({ name: "device", roomId: deviceId })).length;

describe("every matchmaking route, every role", () => {
  it("serves only what each role may use, with a documented code for the rest", async () => {
    const { device } = await ScriptedDevice.online(baton.httpUrl, scale.deviceId, scale.secret, [WEIGHING]);
    cleanups.push(() => device.leave());
    const user = await baton.tokenFor("matrix-user");
    const roles: Record<string, { token?: string; options: Record<string, unknown> }> = {
      anonymous: { options: { deviceId: scale.deviceId } },
      user: { token: user, options: { deviceId: scale.deviceId } },
      "own device": { token: scale.secret, options: { deviceId: scale.deviceId, role: "device" } },
      "another device's secret": { token: printer.secret, options: { deviceId: scale.deviceId, role: "device" } },
    };
    // [method, target] → role → expected status (and code when refused).
    const expected: [string, string, Record<string, [number, string?]>][] = [
      ["joinOrCreate", "device", { anonymous: [401, "UNAUTHORIZED"], user: [200], "own device": [200], "another device's secret": [401, "UNAUTHORIZED"] }],
      ["create", "device", { anonymous: [405, "METHOD_NOT_ALLOWED"], user: [405, "METHOD_NOT_ALLOWED"], "own device": [405, "METHOD_NOT_ALLOWED"], "another device's secret": [405, "METHOD_NOT_ALLOWED"] }],
      ["join", "device", { anonymous: [401, "UNAUTHORIZED"], user: [200], "own device": [405, "METHOD_NOT_ALLOWED"], "another device's secret": [405, "METHOD_NOT_ALLOWED"] }],
      ["joinById", scale.deviceId, { anonymous: [401, "UNAUTHORIZED"], user: [200], "own device": [405, "METHOD_NOT_ALLOWED"], "another device's secret": [405, "METHOD_NOT_ALLOWED"] }],
      ["reconnect", scale.deviceId, { "own device": [405, "METHOD_NOT_ALLOWED"], "another device's secret": [405, "METHOD_NOT_ALLOWED"] }],
      ["leave", "device", { anonymous: [405, "METHOD_NOT_ALLOWED"], user: [405, "METHOD_NOT_ALLOWED"], "own device": [405, "METHOD_NOT_ALLOWED"] }],
    ];
    const seen: string[] = [];
    for (const [method, target, byRole] of expected) {
      for (const [role, [status, code]] of Object.entries(byRole)) {
        const { token, options } = roles[role];
        const answer = await matchmake(baton.httpUrl, method, target, options, { token });
        seen.push(`${method} as ${role}: ${answer.status} ${codeOf(answer) ?? ""}`);
        expect(answer.status, `${method} as ${role}: ${answer.text}`).toBe(status);
        if (code) {
          expect(codeOf(answer), `${method} as ${role}`).toBe(code);
          expect(answer.body.error.length, "a sentence follows the code").toBeGreaterThan(code.length + 10);
        }
      }
    }
    // A user reconnecting with a made-up token gets no seat.
    const forged = await matchmake(baton.httpUrl, "reconnect", scale.deviceId, { reconnectionToken: "forged" }, { token: user });
    expect(forged.status).not.toBe(200);
    // The real device was never replaced by any of this.
    expect(device.room.connection.isOpen).toBe(true);
    expect(await roomsFor(scale.deviceId)).toBe(1);
  });
});

describe("finding 1: a device's secret never opens another device's room", () => {
  it("refuses joinById into dev-a with dev-b's secret; the real dev-a keeps its connection and its holder's run", async () => {
    const { device } = await ScriptedDevice.online(baton.httpUrl, scale.deviceId, scale.secret, [WEIGHING]);
    cleanups.push(() => device.leave());
    const owner = await joinDevice({ url: baton.httpUrl, token: await baton.tokenFor("holder"), deviceId: scale.deviceId });
    cleanups.push(() => owner.leave());
    owner.claim({ sessionType: "weighing", input: {}, releaseOnComplete: true });
    const start = (await device.next("start")).payload;

    const attack = await matchmake(baton.httpUrl, "joinById", scale.deviceId, { deviceId: printer.deviceId, role: "device" }, { token: printer.secret });
    expect(attack.status).toBe(405);
    expect(codeOf(attack)).toBe("METHOD_NOT_ALLOWED");
    // The same options as a user: the URL's room and the options' device must agree.
    const mismatch = await matchmake(baton.httpUrl, "joinById", scale.deviceId, { deviceId: printer.deviceId }, { token: await baton.tokenFor("mallory") });
    expect(mismatch.status).toBe(403);
    expect(codeOf(mismatch)).toBe("WRONG_ROOM");
    // By name with filters, the device's own secret still only finds its own room.
    const byName = await matchmake(baton.httpUrl, "joinOrCreate", "device", { deviceId: scale.deviceId, role: "device" }, { token: printer.secret });
    expect(byName.status).toBe(401);

    await sleep(100);
    expect(device.room.connection.isOpen).toBe(true);
    device.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 71 } });
    expect((await owner.nextResult()).output).toEqual({ weight: 71 });
  });
});

describe("finding 2: one room per device, whatever the route", () => {
  it("refuses create and keeps a single room, even after 200 create calls", async () => {
    const deviceId = freshDeviceId();
    const token = await baton.tokenFor("creator");
    expect((await matchmake(baton.httpUrl, "joinOrCreate", "device", { deviceId }, { token })).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 200 }, () => matchmake(baton.httpUrl, "create", "device", { deviceId }, { token })));
    expect(new Set(answers.map((answer) => `${answer.status} ${codeOf(answer)}`))).toEqual(new Set(["405 METHOD_NOT_ALLOWED"]));
    expect(await roomsFor(deviceId)).toBe(1);
  });

  it("makes exactly one room under 50 concurrent create/joinOrCreate calls for a device without a room", async () => {
    const deviceId = freshDeviceId();
    const tokens = await Promise.all(Array.from({ length: 50 }, (_, index) => baton.tokenFor(`racer-${index}`)));
    const answers: HttpAnswer[] = await Promise.all(tokens.map((token, index) =>
      matchmake(baton.httpUrl, index % 2 === 0 ? "joinOrCreate" : "create", "device", { deviceId }, { token })));
    const joined = answers.filter((answer) => answer.status === 200);
    expect(joined).toHaveLength(25);
    expect(new Set(joined.map((answer) => answer.body.roomId))).toEqual(new Set([deviceId]));
    expect(await roomsFor(deviceId)).toBe(1);
  });

  it("enforces the lock where rooms are created, not only at the HTTP route", async () => {
    const deviceId = freshDeviceId();
    expect((await matchmake(baton.httpUrl, "joinOrCreate", "device", { deviceId }, { token: await baton.tokenFor("first") })).status).toBe(200);
    // Straight to the matchmaker, past every HTTP check: the room's own lock refuses.
    await expect(matchMaker.createRoom("device", { deviceId })).rejects.toThrow(/^DEVICE_ROOM_EXISTS: /);
    expect(await roomsFor(deviceId)).toBe(1);
  });
});
