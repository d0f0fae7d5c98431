/**
 * One WebSocket connection of the device to its room: matchmaking, the JOIN_ROOM handshake,
 * then a stream of decoded frames. It knows Colyseus framing, nothing about Baton's rules
 * (that is device.ts). Each (re)connection is a new RoomConnection.
 *
 *   1. POST /matchmake/joinOrCreate/device            → seat (sessionId, roomId, processId)
 *   2. open ws://host/<processId>/<roomId>?sessionId=…&skipHandshake=1
 *   3. server → JOIN_ROOM (0x0A, token, serializer id[, schema handshake])
 *   4. device → 0x0A            (until then the server sends nothing else)
 */
import WebSocket from "ws";
import { decodeFrame, encodeJoinAck, encodeLeave, type DecodeResult } from "./framing.ts";
import { matchmakeDevice, roomSocketUrl, type MatchmakeOptions, type SeatReservation } from "./matchmake.ts";

/** The server refused the WebSocket join with an ERROR frame (e.g. the seat reservation expired). */
export class JoinRejectedError extends Error {
  override readonly name = "JoinRejectedError";
  constructor(readonly code: number, readonly reason: string) {
    super(`the room refused the join with error ${code}: ${reason}`);
  }
}

/** The socket closed, failed or stayed silent before the JOIN_ROOM handshake completed. */
export class JoinFailedError extends Error {
  override readonly name = "JoinFailedError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export type FrameListener = (result: DecodeResult, raw: Uint8Array) => void;
export type CloseListener = (code: number, reason: string) => void;

export interface JoinOptions extends MatchmakeOptions {
  /** How long to wait for the socket and the JOIN_ROOM frame (default 10 s). */
  joinTimeoutMs?: number;
  /** Ask for JOIN_ROOM without the schema handshake (default true; see roomSocketUrl). */
  skipHandshake?: boolean;
}

export class RoomConnection {
  private frameListener: FrameListener | null = null;
  private closeListener: CloseListener | null = null;
  /** Frames that arrived before anyone listened: never lose the first message after the ack. */
  private pending: Array<[DecodeResult, Uint8Array]> = [];
  private closed: { code: number; reason: string } | null = null;

  constructor(
    private readonly socket: WebSocket,
    readonly seat: SeatReservation,
    readonly url: string,
    readonly reconnectionToken: string,
    readonly serializerId: string,
  ) {
    socket.on("message", (data: WebSocket.RawData, isBinary: boolean) => {
      const raw = toBytes(data, isBinary);
      const result = decodeFrame(raw);
      if (this.frameListener) this.frameListener(result, raw);
      else this.pending.push([result, raw]);
    });
    socket.on("close", (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString("utf8") };
      this.closeListener?.(code, this.closed.reason);
    });
    // Errors are followed by "close"; the listener only keeps them from crashing the process.
    socket.on("error", () => {});
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  onFrame(listener: FrameListener): void {
    this.frameListener = listener;
    const queued = this.pending;
    this.pending = [];
    for (const [result, raw] of queued) listener(result, raw);
  }

  onClose(listener: CloseListener): void {
    this.closeListener = listener;
    if (this.closed) listener(this.closed.code, this.closed.reason);
  }

  /** Sends one binary frame; false when the socket is not open (the bytes are dropped). */
  send(bytes: Uint8Array): boolean {
    if (!this.isOpen) return false;
    this.socket.send(bytes, { binary: true });
    return true;
  }

  /** A consented leave: LEAVE_ROOM, then a normal close. */
  leave(): void {
    this.send(encodeLeave());
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(1000);
  }

  /** Kills the TCP connection without LEAVE or close handshake, like a lost network. */
  terminate(): void {
    this.socket.terminate();
  }
}

/** Matchmakes, opens the socket and completes the JOIN_ROOM handshake. */
export async function joinDeviceRoom(options: JoinOptions): Promise<RoomConnection> {
  const seat = await matchmakeDevice(options);
  const url = roomSocketUrl(options.baseUrl, seat, { skipHandshake: options.skipHandshake ?? true });
  const timeoutMs = options.joinTimeoutMs ?? 10_000;
  const socket = new WebSocket(url, { handshakeTimeout: timeoutMs });
  socket.binaryType = "nodebuffer";

  return new Promise<RoomConnection>((resolve, reject) => {
    const timer = setTimeout(() => {
      finish(new JoinFailedError(`no JOIN_ROOM frame from ${url} within ${timeoutMs} ms`));
      socket.terminate();
    }, timeoutMs);
    let done = false;
    const finish = (outcome: RoomConnection | Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off("message", onFirstMessage);
      socket.off("close", onEarlyClose);
      socket.off("error", onError);
      // A failed join terminates the socket, which may still be connecting: `ws` then emits
      // 'error' ("closed before the connection was established"), and an 'error' nobody
      // listens to would crash the process. The outcome is already decided; ignore it.
      if (outcome instanceof Error) socket.on("error", () => {});
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onFirstMessage = (data: WebSocket.RawData, isBinary: boolean) => {
      const result = decodeFrame(toBytes(data, isBinary));
      if (!result.ok) {
        finish(new JoinFailedError(`malformed first frame from the room: ${result.error}`));
        socket.terminate();
        return;
      }
      const frame = result.frame;
      if (frame.kind === "error") {
        finish(new JoinRejectedError(frame.code, frame.message));
        socket.terminate();
        return;
      }
      if (frame.kind !== "joinRoom") {
        finish(new JoinFailedError(`expected JOIN_ROOM as the first frame, got ${frame.kind}`));
        socket.terminate();
        return;
      }
      // The connection subscribes to "message" in its constructor, before the ack goes out,
      // so the first frame the server sends after the ack cannot be missed.
      const connection = new RoomConnection(socket, seat, url, frame.reconnectionToken, frame.serializerId);
      socket.send(encodeJoinAck(), { binary: true });
      finish(connection);
    };
    const onEarlyClose = (code: number, reason: Buffer) => {
      finish(new JoinFailedError(`the socket closed (${code}${reason.length ? ` ${reason.toString("utf8")}` : ""}) before JOIN_ROOM`));
    };
    const onError = (error: Error) => finish(new JoinFailedError(`WebSocket error before JOIN_ROOM: ${error.message}`, { cause: error }));
    socket.on("message", onFirstMessage);
    socket.on("close", onEarlyClose);
    socket.on("error", onError);
  });
}

function toBytes(data: WebSocket.RawData, isBinary: boolean): Uint8Array {
  if (!isBinary && !Buffer.isBuffer(data)) return new Uint8Array();
  if (Buffer.isBuffer(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  return new Uint8Array(data as ArrayBuffer);
}
