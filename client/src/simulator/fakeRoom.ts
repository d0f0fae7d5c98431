/**
 * A stand-in for the server side of one device room, for the simulator's own tests: an HTTP
 * matchmaking route and a WebSocket that speak the Colyseus wire format — the frames are
 * written by the installed Colyseus' own `getMessageBytes`, so the device under test reads
 * exactly what a real server sends. It has no session rules: the test scripts the room's side.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { Protocol, getMessageBytes } from "@colyseus/core";
import { decodeFrame } from "./framing.ts";

export interface FakeRoomMessage {
  type: string;
  payload: unknown;
}

export class FakeRoom {
  readonly matchmakeRequests: Array<{ url: string; authorization: string | undefined; body: unknown }> = [];
  readonly socketUrls: string[] = [];
  /** Device → room messages of every connection, in order. */
  readonly received: FakeRoomMessage[] = [];
  /** How many JOIN_ROOM acknowledgements (0x0A) arrived. */
  joinAcks = 0;
  /** When set, the next matchmaking request is answered with this (then it is cleared). */
  nextMatchmakeError: { status: number; error: string } | null = null;
  /** Answer to `hello`; null = do not answer. */
  welcome: Record<string, unknown> | null = { epoch: 0, phase: "idle" };
  private socket: WebSocket | null = null;
  private readonly listeners = new Set<(message: FakeRoomMessage) => void>();
  private sessionCounter = 0;

  private constructor(private readonly server: http.Server, private readonly wss: WebSocketServer) {}

  static async start(): Promise<FakeRoom> {
    const server = http.createServer();
    const wss = new WebSocketServer({ server });
    const room = new FakeRoom(server, wss);
    server.on("request", (request, response) => room.onHttp(request, response));
    wss.on("connection", (socket, request) => room.onSocket(socket, request.url ?? ""));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return room;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get deviceConnected(): boolean {
    return this.socket !== null;
  }

  /** Sends a ROOM_DATA message as Colyseus' `client.send` would. */
  send(type: string, payload: unknown): void {
    this.sendBytes(new Uint8Array(getMessageBytes.raw(Protocol.ROOM_DATA, type, payload)));
  }

  sendBytes(bytes: Uint8Array): void {
    this.socket?.send(bytes);
  }

  /** Closes the device's socket with a close code, as `client.leave(code)` does. */
  close(code: number, reason = ""): void {
    this.socket?.close(code, reason);
  }

  /** Kills the device's socket without a close frame (a lost network, a crashed process). */
  terminate(): void {
    this.socket?.terminate();
  }

  /** The next device message of `type` (from index `after` of `received`, default: future ones). */
  next(type: string, after = this.received.length, timeoutMs = 5_000): Promise<unknown> {
    const found = this.received.slice(after).find((message) => message.type === type);
    if (found) return Promise.resolve(found.payload);
    return new Promise((resolve, reject) => {
      const listener = (message: FakeRoomMessage) => {
        if (message.type !== type) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(message.payload);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`fake room: no "${type}" from the device within ${timeoutMs} ms`));
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }

  async stop(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onHttp(request: http.IncomingMessage, response: http.ServerResponse): void {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    request.on("end", () => {
      this.matchmakeRequests.push({ url: request.url ?? "", authorization: request.headers.authorization, body: JSON.parse(text || "null") });
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(body));
      };
      if (this.nextMatchmakeError) {
        const { status, error } = this.nextMatchmakeError;
        this.nextMatchmakeError = null;
        return reply(status, { code: status, error });
      }
      reply(200, { name: "device", sessionId: `s${++this.sessionCounter}`, roomId: "dev-1", processId: "proc1" });
    });
  }

  private onSocket(socket: WebSocket, url: string): void {
    this.socketUrls.push(url);
    this.socket?.terminate();
    this.socket = socket;
    socket.on("close", () => {
      if (this.socket === socket) this.socket = null;
    });
    socket.on("message", (data: Buffer) => {
      const bytes = new Uint8Array(data);
      if (bytes.length === 1 && bytes[0] === Protocol.JOIN_ROOM) {
        this.joinAcks++;
        socket.send(Uint8Array.of(Protocol.ROOM_STATE)); // what an empty StateView gets
        return;
      }
      const decoded = decodeFrame(bytes);
      if (!decoded.ok || decoded.frame.kind !== "roomData") return;
      const message = { type: String(decoded.frame.type), payload: decoded.frame.payload };
      this.received.push(message);
      if (message.type === "hello" && this.welcome) this.send("welcome", this.welcome);
      for (const listener of [...this.listeners]) listener(message);
    });
    socket.send(getMessageBytes[Protocol.JOIN_ROOM](`token-${this.socketUrls.length}`, "schema"));
  }
}
