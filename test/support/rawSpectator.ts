/**
 * A spectator that records every byte the server sends it, for privacy tests: joins through
 * HTTP matchmaking and a plain `ws` socket, acknowledges JOIN_ROOM, and keeps raw frames.
 */
import WebSocket from "ws";

export interface RawSpectator {
  frames: Buffer[];
  close(): void;
}

export async function connectRawSpectator(httpUrl: string, token: string, deviceId: string): Promise<RawSpectator> {
  const response = await fetch(`${httpUrl}/matchmake/joinOrCreate/device`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ deviceId }),
  });
  const seat = (await response.json()) as { sessionId: string; roomId: string; processId: string };
  if (response.status !== 200) throw new Error(`matchmaking failed: ${JSON.stringify(seat)}`);
  const socket = new WebSocket(`${httpUrl.replace("http", "ws")}/${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId}`);
  const frames: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.on("error", reject);
    socket.on("message", (data: Buffer) => {
      frames.push(Buffer.from(data));
      // JOIN_ROOM (0x0A) must be acknowledged with the single byte 0x0A before anything else flows.
      if (data[0] === 0x0a) {
        socket.send(Buffer.from([0x0a]));
        resolve();
      }
    });
  });
  return { frames, close: () => socket.close() };
}
