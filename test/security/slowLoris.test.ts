/**
 * Finding 14: the documented slow-loris limits — headers within 10 s, the whole request
 * within 15 s — were enforced only when Node next checked its connections, every
 * `connectionsCheckingInterval` (30 s by default), so a slow client held a connection for
 * about 30 s. Two real slow clients over raw TCP against a production-mode server: one
 * trickles its headers, one sends its headers and trickles a matchmaking body; each must be
 * cut off within a second of its limit.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestBaton } from "../support/baton.ts";
import { startProductionBaton } from "./support.ts";

let baton: TestBaton;
beforeAll(async () => {
  baton = await startProductionBaton();
});
afterAll(() => baton?.shutdown());

interface SlowClient {
  /** Seconds from the first byte until the server closed the connection (or `giveUpS`). */
  closedAfterS: Promise<number>;
  received: () => string;
}

/** Sends `head` at once, then one byte of `trickle` a second, until the server closes. */
function slowClient(port: number, head: string, trickle: string, giveUpS: number): SlowClient {
  const socket = net.connect(port, "127.0.0.1");
  let received = "";
  socket.on("data", (chunk) => (received += chunk.toString("latin1")));
  socket.on("error", () => undefined);
  const started = performance.now();
  let sent = 0;
  const timer = setInterval(() => {
    if (sent < trickle.length && socket.writable) socket.write(trickle[sent++]);
  }, 1000);
  const closedAfterS = new Promise<number>((resolve) => {
    const giveUp = setTimeout(() => socket.destroy(), giveUpS * 1000);
    socket.once("close", () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve((performance.now() - started) / 1000);
    });
  });
  socket.write(head);
  return { closedAfterS, received: () => received };
}

describe("slow-loris limits hold as documented", () => {
  it("closes a client whose headers take over 10 s at 10 s, and one whose body takes over 15 s at 15 s", async () => {
    const headers = slowClient(baton.port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n", "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 25);
    const body = "{\"deviceId\":\"scale-1\",\"padding\":\"" + "a".repeat(100) + "\"}";
    const request = slowClient(
      baton.port,
      `POST /matchmake/joinOrCreate/device HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      body,
      25,
    );
    const [headersClosed, requestClosed] = await Promise.all([headers.closedAfterS, request.closedAfterS]);
    expect(headersClosed).toBeGreaterThanOrEqual(9.5);
    expect(headersClosed).toBeLessThanOrEqual(11.2);
    expect(requestClosed).toBeGreaterThanOrEqual(14.5);
    expect(requestClosed).toBeLessThanOrEqual(16.2);
    // Node answers both 408 before closing.
    expect(headers.received()).toMatch(/^HTTP\/1\.1 408/);
    expect(request.received()).toMatch(/^HTTP\/1\.1 408/);
  }, 40_000);
});
