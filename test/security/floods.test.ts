/**
 * Findings 5, 6 and 13: floods that used to grow the server's memory without bound —
 * oversized and endless matchmaking bodies, seat reservations that never open a socket,
 * and frames from a connection that never finished joining. Against a production server in
 * its own process, whose resident memory the test reads from /proc.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deviceSecret, productionToken, spawnProductionServer, type ServerProcess } from "../support/serverProcess.ts";
import { codeOf, matchmake, openSeat, sleep } from "./support.ts";

let server: ServerProcess;
const MAX_VIEWERS = 5;
const JOIN_ACK_TIMEOUT_MS = 1_500;

beforeAll(async () => {
  server = await spawnProductionServer({ BATON_MAX_SPECTATORS: String(MAX_VIEWERS), BATON_MAX_CONNECTIONS_PER_USER: "3", BATON_JOIN_ACK_TIMEOUT_MS: String(JOIN_ACK_TIMEOUT_MS), BATON_RATE_LIMIT_PER_SECOND: "20", BATON_RATE_LIMIT_BURST: "40" }, ["dev-a", "dev-b", "dev-c", "dev-d"]);
});
afterAll(() => server?.stop());

/** Sends headers announcing `declaredBytes` and then only a little of the body; resolves with the answer. */
function announceHugeBody(url: string, declaredBytes: number | null, token: string, streamBytes = 0): Promise<{ status: number; text: string; sent: number }> {
  const target = new URL("/matchmake/joinOrCreate/device", url);
  return new Promise((resolve, reject) => {
    let sent = 0;
    const outgoing = http.request({
      host: target.hostname, port: target.port, path: target.pathname, method: "POST", agent: false,
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...(declaredBytes === null ? { "transfer-encoding": "chunked" } : { "content-length": declaredBytes }) },
    }, (response) => {
      let text = "";
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, text, sent }));
    });
    outgoing.on("error", (error) => (sent > 0 ? resolve({ status: -1, text: String(error), sent }) : reject(error)));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    outgoing.write('{"deviceId":"dev-a","padding":"');
    const pump = () => {
      while (sent < streamBytes) {
        sent += chunk.length;
        if (!outgoing.write(chunk)) return outgoing.once("drain", pump);
      }
    };
    pump();
  });
}

describe("matchmaking bodies (finding 5)", () => {
  it("answers a body announced at 100 MB with 413 PAYLOAD_TOO_LARGE before reading it", async () => {
    const before = server.rssMegabytes();
    const answer = await announceHugeBody(server.httpUrl, 100 * 1_048_576, await productionToken("big"));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text).error).toMatch(/^PAYLOAD_TOO_LARGE: .*BATON_MAX_MATCHMAKE_BODY_BYTES/);
    expect(server.rssMegabytes() - before).toBeLessThan(20);
  });

  it("stops reading a chunked body (no length announced) as soon as it passes the limit", async () => {
    const before = server.rssMegabytes();
    const answers = await Promise.all(Array.from({ length: 10 }, async () => announceHugeBody(server.httpUrl, null, await productionToken("chunky"), 20 * 1_048_576)));
    // The server answers 413 and closes; a client still writing may see the close first (-1).
    for (const answer of answers) expect([413, -1]).toContain(answer.status);
    // A chunked body just over the limit, sent whole, reads the 413 itself.
    const small = await matchmake(server.httpUrl, "joinOrCreate", "device", `{"deviceId":"dev-a","padding":"${"x".repeat(5_000)}"}`, { token: await productionToken("chunky"), headers: { "transfer-encoding": "chunked" } });
    expect(small.status).toBe(413);
    expect(codeOf(small)).toBe("PAYLOAD_TOO_LARGE");
    // Ten 20 MB joins used to add about 450 MB.
    expect(server.rssMegabytes() - before).toBeLessThan(40);
  });

  it("answers truncated or non-object JSON with 400 INVALID_MESSAGE and a sentence, not an empty 500", async () => {
    const token = await productionToken("sloppy");
    for (const body of ['{"deviceId":"dev-a"', "[1,2,3]", "null", '"dev-a"']) {
      const answer = await matchmake(server.httpUrl, "joinOrCreate", "device", body, { token });
      expect(answer.status, body).toBe(400);
      expect(codeOf(answer)).toBe("INVALID_MESSAGE");
      expect(answer.body.error).toMatch(/JSON/);
    }
  });
});

describe("seat reservations (finding 13)", () => {
  it("counts seats when they are reserved: 2,000 reservations that never open a socket get 5 seats and 503 ROOM_FULL", async () => {
    const before = server.rssMegabytes();
    const tokens = await Promise.all(Array.from({ length: 2_000 }, (_, index) => productionToken(`lurker-${index}`)));
    const statuses = new Map<string, number>();
    for (let start = 0; start < tokens.length; start += 100) {
      const answers = await Promise.all(tokens.slice(start, start + 100).map((token) => matchmake(server.httpUrl, "joinOrCreate", "device", { deviceId: "dev-a" }, { token })));
      for (const answer of answers) {
        const key = `${answer.status} ${answer.status === 200 ? "" : codeOf(answer)}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
      }
    }
    expect(Object.fromEntries(statuses)).toEqual({ "200 ": MAX_VIEWERS, "503 ROOM_FULL": 2_000 - MAX_VIEWERS });
    expect(server.rssMegabytes() - before).toBeLessThan(40);
  });

  it("refuses the sixth real viewer at matchmaking with 503, not with a close after a 200", async () => {
    const seats = [];
    for (let index = 0; index < MAX_VIEWERS; index++) {
      const answer = await matchmake(server.httpUrl, "joinOrCreate", "device", { deviceId: "dev-b" }, { token: await productionToken(`viewer-${index}`) });
      expect(answer.status).toBe(200);
      seats.push(await openSeat(server.httpUrl, answer.body));
    }
    const sixth = await matchmake(server.httpUrl, "joinOrCreate", "device", { deviceId: "dev-b" }, { token: await productionToken("viewer-6") });
    expect(sixth.status).toBe(503);
    expect(codeOf(sixth)).toBe("ROOM_FULL");
    for (const seat of seats) seat.socket.close();
  });

  it("limits one user's connections to a device (BATON_MAX_CONNECTIONS_PER_USER)", async () => {
    const token = await productionToken("tab-hoarder");
    const answers = [];
    for (let index = 0; index < 5; index++) answers.push(await matchmake(server.httpUrl, "joinOrCreate", "device", { deviceId: "dev-c" }, { token }));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 503, 503]);
    expect(codeOf(answers[3])).toBe("ROOM_FULL");
    // Another user still gets in.
    expect((await matchmake(server.httpUrl, "joinOrCreate", "device", { deviceId: "dev-c" }, { token: await productionToken("someone-else") })).status).toBe(200);
  });
});

describe("frames (finding 6)", () => {
  it("reads and answers nothing from a connection that never acknowledged its join, and closes it", async () => {
    const before = server.rssMegabytes();
    const answer = await matchmake(server.httpUrl, "joinOrCreate", "device", { deviceId: "dev-d" }, { token: await productionToken("no-ack") });
    const { socket, frames, closed } = await openSeat(server.httpUrl, answer.body, false);
    // ROOM_DATA_BYTES (0x11), message type "x": each used to be answered and queued until the acknowledgement.
    const frame = Buffer.from([0x11, 0xa1, 0x78, 1, 2, 3]);
    for (let index = 0; index < 200_000; index++) socket.send(frame);
    const code = await closed;
    expect(code).toBe(1008);
    expect(frames).toHaveLength(1); // JOIN_ROOM only
    expect(server.rssMegabytes() - before).toBeLessThan(40);
  });

  it("rate-limits every frame type of a joined connection and answers at most once a second", async () => {
    const before = server.rssMegabytes();
    const answer = await matchmake(server.httpUrl, "joinOrCreate", "device", { deviceId: "dev-d" }, { token: await productionToken("bytes-flooder") });
    const { socket, frames } = await openSeat(server.httpUrl, answer.body);
    await sleep(100);
    const baseline = frames.length;
    const started = Date.now();
    const frame = Buffer.from([0x11, 0xa1, 0x78, 1, 2, 3]);
    for (let index = 0; index < 200_000; index++) socket.send(frame);
    await new Promise<void>((resolve) => socket.send(Buffer.from([0x12]), () => resolve()));
    await sleep(500);
    const seconds = (Date.now() - started) / 1000;
    const errors = frames.slice(baseline).filter((received) => received[0] === 0x0d);
    // Only what the budget admits is answered (UNKNOWN_MESSAGE): the burst of 40 and 20 more a
    // second; the rest is dropped with one RATE_LIMITED a second at most. Unlimited, 200,000 replies.
    expect(errors.length).toBeLessThanOrEqual(40 + 21 * Math.ceil(seconds) + 1);
    expect(server.rssMegabytes() - before).toBeLessThan(40);
    socket.close();
  });
});
