/**
 * A client that speaks the raw protocol with nothing but `fetch` and `ws`: HTTP matchmaking,
 * the WebSocket, the JOIN_ROOM acknowledgement — then the test sends whatever bytes it likes
 * and sees every byte the server sends back (privacy, fuzz and frame-size tests).
 */
import WebSocket from "ws";

export interface RawClient {
  socket: WebSocket;
  /** Every frame received, from JOIN_ROOM on. */
  frames: Buffer[];
  close(): void;
}

/** `options` are the join options, e.g. `{ deviceId }` or `{ deviceId, role: "device" }`. */
export async function joinRaw(httpUrl: string, token: string, options: Record<string, unknown>): Promise<RawClient> {
  const response = await fetch(`${httpUrl}/matchmake/joinOrCreate/device`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(options),
  });
  const seat = (await response.json()) as { sessionId: string; roomId: string; processId: string };
  if (response.status !== 200) throw new Error(`matchmaking failed: ${JSON.stringify(seat)}`);
  const socket = new WebSocket(`${httpUrl.replace("http", "ws")}/${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId}`);
  const frames: Buffer[] = [];
  socket.on("message", (data: Buffer) => frames.push(Buffer.from(data)));
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.once("message", (data: Buffer) => {
      // JOIN_ROOM (0x0A) must be acknowledged with the single byte 0x0A before anything else flows.
      if (data[0] !== 0x0a) return reject(new Error(`expected JOIN_ROOM, got 0x${data[0]?.toString(16)}`));
      socket.send(Buffer.from([0x0a]));
      resolve();
    });
  });
  return { socket, frames, close: () => socket.close() };
}
