/**
 * Finding 6 of issue 18: pool rooms hold connections like device rooms do, so they have the
 * same bounds — one user's seats in a pool room are capped (BATON_MAX_CONNECTIONS_PER_USER,
 * reservations included, 503 ROOM_FULL at matchmaking), a socket that never acknowledges its
 * join is closed (BATON_JOIN_ACK_TIMEOUT_MS, 1008), and `/readyz` counts pool connections.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDeviceId, TEST_DEVICE_SECRET, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, WEIGHING } from "../support/scriptedDevice.ts";
import { codeOf, matchmake, openSeat, request, sleep, startProductionBaton } from "./support.ts";

const PER_USER = 3;
let baton: TestBaton;
const open: { leave(): unknown }[] = [];
const sockets: { close(): void }[] = [];
const POOL = "sockets-lab";

beforeAll(async () => {
  baton = await startProductionBaton({ config: { maxConnectionsPerUser: PER_USER, joinAckTimeoutMs: 500 } });
  const deviceId = freshDeviceId();
  expect(await baton.services.registry.setPool(deviceId, POOL)).toBe(true);
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING]);
  open.push(device);
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await Promise.race([Promise.allSettled(open.map((connection) => connection.leave())), sleep(1_000)]);
  await baton.shutdown();
});

describe("finding 6: pool rooms bound what one user may hold", () => {
  it("one token gets BATON_MAX_CONNECTIONS_PER_USER seats in a pool room, reservations included; then 503 ROOM_FULL", async () => {
    const token = await baton.tokenFor("hoarder");
    const answers = [];
    for (let index = 0; index < 8; index++) answers.push(await matchmake(baton.httpUrl, "joinOrCreate", "pool", { pool: POOL }, { token }));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 503, 503, 503, 503, 503]);
    expect(codeOf(answers[PER_USER])).toBe("ROOM_FULL");
    // Another user still gets in.
    expect((await matchmake(baton.httpUrl, "joinOrCreate", "pool", { pool: POOL }, { token: await baton.tokenFor("someone-else") })).status).toBe(200);
  });

  it("closes a pool connection that never acknowledges its join (1008)", async () => {
    const answer = await matchmake(baton.httpUrl, "joinOrCreate", "pool", { pool: POOL }, { token: await baton.tokenFor("no-ack") });
    expect(answer.status).toBe(200);
    const { socket, closed } = await openSeat(baton.httpUrl, answer.body, false);
    sockets.push(socket);
    const code = await Promise.race([closed, sleep(5_000).then(() => "still open")]);
    expect(code).toBe(1008);
  });

  it("/readyz counts the connections of pool rooms", async () => {
    const before = (await request(baton.httpUrl, "GET", "/readyz", undefined)).body.clients as number;
    for (let index = 0; index < 2; index++) {
      const answer = await matchmake(baton.httpUrl, "joinOrCreate", "pool", { pool: POOL }, { token: await baton.tokenFor(`counted-${index}`) });
      expect(answer.status).toBe(200);
      const { socket } = await openSeat(baton.httpUrl, answer.body);
      sockets.push(socket);
    }
    await sleep(200);
    const after = (await request(baton.httpUrl, "GET", "/readyz", undefined)).body.clients as number;
    expect(after - before).toBe(2);
  });
});
