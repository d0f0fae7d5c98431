/**
 * joinDeviceRoom against a server that reserves a seat but never completes the WebSocket
 * handshake: the join fails with JoinFailedError after its timeout, and terminating the
 * still-connecting socket must not leave an unhandled 'error' event (which crashed load
 * processes before).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { joinDeviceRoom, JoinFailedError } from "./connection.ts";

let server: http.Server;
let baseUrl: string;
const hanging: Array<import("node:net").Socket> = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ name: "device", sessionId: "s1", roomId: "scale-1", processId: "p1" }));
  });
  // The upgrade is accepted at the TCP level and never answered.
  server.on("upgrade", (_request, socket) => hanging.push(socket as import("node:net").Socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const socket of hanging) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe("joinDeviceRoom", () => {
  it("rejects with JoinFailedError when the socket never opens, without an unhandled 'error'", async () => {
    const unhandled: unknown[] = [];
    const onUncaught = (error: unknown) => unhandled.push(error);
    process.on("uncaughtException", onUncaught);
    try {
      await expect(joinDeviceRoom({ baseUrl, deviceId: "scale-1", secret: "s", joinTimeoutMs: 200 })).rejects.toBeInstanceOf(JoinFailedError);
      // Give `ws` the turn in which it reports the aborted handshake.
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      process.off("uncaughtException", onUncaught);
    }
    expect(unhandled).toEqual([]);
  });
});
