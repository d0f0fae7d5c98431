/**
 * Colyseus 0.17 WebSocket frames, encoded and decoded by hand — exactly what the ESP32
 * firmware does, so the simulator exercises the same bytes the device will send.
 *
 * Every frame starts with a one-byte code. The *header* that follows (message type, error
 * code, error message) is written by `@colyseus/schema`'s encoder: msgpack-style type
 * prefixes, but multi-byte lengths and integers are LITTLE-endian (real msgpack is
 * big-endian). Only the ROOM_DATA *payload* is real msgpack. Baton's message types are
 * short strings (< 32 bytes), whose fixstr header is identical in both dialects; the
 * difference shows in ERROR frames (codes ≥ 256, messages ≥ 256 bytes).
 *
 * Decoding never throws: a truncated or malformed frame is returned as `{ ok: false }`,
 * because a device must survive garbage on the wire.
 */
import { decode as msgpackDecode, encode as msgpackEncode } from "@msgpack/msgpack";

/**
 * Frame codes of the Colyseus protocol (Protocol in @colyseus/shared-types). Written out
 * here because the firmware has to write them out too; framing.test.ts checks them
 * against the installed Colyseus so they cannot drift.
 */
export const FrameCode = {
  JOIN_ROOM: 0x0a,
  ERROR: 0x0b,
  LEAVE_ROOM: 0x0c,
  ROOM_DATA: 0x0d,
  ROOM_STATE: 0x0e,
  ROOM_STATE_PATCH: 0x0f,
  ROOM_DATA_SCHEMA: 0x10,
  ROOM_DATA_BYTES: 0x11,
  PING: 0x12,
} as const;
export type FrameCodeValue = (typeof FrameCode)[keyof typeof FrameCode];

export type Frame =
  | { kind: "joinRoom"; reconnectionToken: string; serializerId: string; handshake: Uint8Array }
  | { kind: "roomData"; type: string | number; payload: unknown }
  | { kind: "roomDataBytes"; type: string | number; bytes: Uint8Array }
  | { kind: "error"; code: number; message: string }
  | { kind: "leave" }
  | { kind: "roomState"; bytes: Uint8Array }
  | { kind: "roomStatePatch"; bytes: Uint8Array }
  | { kind: "ping" }
  | { kind: "unknown"; code: number; bytes: Uint8Array };

export type DecodeResult = { ok: true; frame: Frame } | { ok: false; error: string };

// ---------------------------------------------------------------- encoding (device → server)

/** The single byte that acknowledges JOIN_ROOM; the server sends nothing else until it arrives. */
export function encodeJoinAck(): Uint8Array {
  return Uint8Array.of(FrameCode.JOIN_ROOM);
}

/** A consented leave: the server closes the socket with 4000 and calls onLeave, not onDrop. */
export function encodeLeave(): Uint8Array {
  return Uint8Array.of(FrameCode.LEAVE_ROOM);
}

/** An application-level ping; the server answers with the same single byte. */
export function encodePing(): Uint8Array {
  return Uint8Array.of(FrameCode.PING);
}

/**
 * ROOM_DATA: 0x0D, the type as a header string, then the msgpack payload (omitted when
 * `payload` is undefined). `undefined` fields are left out rather than sent as nil: Baton's
 * payload schemas accept a missing optional field but refuse `null`.
 */
export function encodeRoomData(type: string, payload?: unknown): Uint8Array {
  const header = concat([Uint8Array.of(FrameCode.ROOM_DATA), encodeHeaderString(type)]);
  if (payload === undefined) return header;
  return concat([header, msgpackEncode(payload, { ignoreUndefined: true })]);
}

// ---------------------------------------------------------------- encoding (server → device; for tests and fakes)

/** JOIN_ROOM as the server writes it: 0x0A, u8 length + token, u8 length + serializer id, handshake bytes. */
export function encodeJoinRoom(reconnectionToken: string, serializerId: string, handshake: Uint8Array = new Uint8Array()): Uint8Array {
  const token = utf8(reconnectionToken);
  const serializer = utf8(serializerId);
  if (token.length > 255 || serializer.length > 255) throw new RangeError("JOIN_ROOM fields are limited to 255 bytes");
  return concat([Uint8Array.of(FrameCode.JOIN_ROOM, token.length), token, Uint8Array.of(serializer.length), serializer, handshake]);
}

/** ERROR as the server writes it: 0x0B, header number code, header string message. */
export function encodeErrorFrame(code: number, message: string): Uint8Array {
  return concat([Uint8Array.of(FrameCode.ERROR), encodeHeaderNumber(code), encodeHeaderString(message)]);
}

// ---------------------------------------------------------------- decoding

/** Decodes one WebSocket binary message. Never throws. */
export function decodeFrame(data: Uint8Array): DecodeResult {
  if (data.length === 0) return fail("empty frame");
  const reader = new Reader(data, 1);
  const code = data[0]!;
  switch (code) {
    case FrameCode.JOIN_ROOM: {
      const reconnectionToken = reader.shortString("reconnection token");
      const serializerId = reader.shortString("serializer id");
      if (reader.problem) return fail(`JOIN_ROOM: ${reader.problem}`);
      return ok({ kind: "joinRoom", reconnectionToken: reconnectionToken!, serializerId: serializerId!, handshake: data.subarray(reader.offset) });
    }
    case FrameCode.ERROR: {
      const errorCode = reader.headerNumber();
      // Colyseus sends an empty message as an empty string; tolerate its absence as well.
      const message = reader.offset < data.length ? reader.headerString() : "";
      if (reader.problem) return fail(`ERROR: ${reader.problem}`);
      return ok({ kind: "error", code: errorCode!, message: message! });
    }
    case FrameCode.ROOM_DATA:
    case FrameCode.ROOM_DATA_BYTES: {
      const type = reader.messageType();
      if (reader.problem) return fail(`${code === FrameCode.ROOM_DATA ? "ROOM_DATA" : "ROOM_DATA_BYTES"}: ${reader.problem}`);
      const rest = data.subarray(reader.offset);
      if (code === FrameCode.ROOM_DATA_BYTES) return ok({ kind: "roomDataBytes", type: type!, bytes: rest });
      if (rest.length === 0) return ok({ kind: "roomData", type: type!, payload: undefined });
      try {
        return ok({ kind: "roomData", type: type!, payload: msgpackDecode(rest) });
      } catch (error) {
        return fail(`ROOM_DATA "${String(type)}": payload is not valid msgpack (${(error as Error).message})`);
      }
    }
    case FrameCode.LEAVE_ROOM: return ok({ kind: "leave" });
    case FrameCode.ROOM_STATE: return ok({ kind: "roomState", bytes: data.subarray(1) });
    case FrameCode.ROOM_STATE_PATCH: return ok({ kind: "roomStatePatch", bytes: data.subarray(1) });
    case FrameCode.PING: return ok({ kind: "ping" });
    default: return ok({ kind: "unknown", code, bytes: data.subarray(1) });
  }
}

// ---------------------------------------------------------------- header dialect (schema's msgpack-like encoding)

/** A header string: fixstr / str8 / str16 (LE) / str32 (LE), as @colyseus/schema writes it. */
export function encodeHeaderString(value: string): Uint8Array {
  const bytes = utf8(value);
  const n = bytes.length;
  let prefix: Uint8Array;
  if (n < 0x20) prefix = Uint8Array.of(0xa0 | n);
  else if (n < 0x100) prefix = Uint8Array.of(0xd9, n);
  else if (n < 0x10000) prefix = Uint8Array.of(0xda, n & 0xff, n >> 8);
  else prefix = Uint8Array.of(0xdb, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff);
  return concat([prefix, bytes]);
}

/** A header integer (non-negative, as close and error codes are): fixint / uint8 / uint16 LE / uint32 LE. */
export function encodeHeaderNumber(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`header numbers here are uint32, got ${value}`);
  if (value < 0x80) return Uint8Array.of(value);
  if (value < 0x100) return Uint8Array.of(0xcc, value);
  if (value < 0x10000) return Uint8Array.of(0xcd, value & 0xff, value >> 8);
  return Uint8Array.of(0xce, value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, (value >>> 24) & 0xff);
}

/** Bounds-checked reader: the first problem is recorded and every later read returns undefined. */
class Reader {
  problem: string | null = null;
  constructor(private readonly data: Uint8Array, public offset: number) {}

  private take(count: number, what: string): Uint8Array | undefined {
    if (this.problem) return undefined;
    if (this.offset + count > this.data.length) {
      this.problem = `truncated ${what} (needs ${count} byte(s) at offset ${this.offset}, frame has ${this.data.length})`;
      return undefined;
    }
    const slice = this.data.subarray(this.offset, this.offset + count);
    this.offset += count;
    return slice;
  }

  private uintLE(size: number, what: string): number | undefined {
    const bytes = this.take(size, what);
    if (!bytes) return undefined;
    let value = 0;
    for (let i = size - 1; i >= 0; i--) value = value * 256 + bytes[i]!;
    return value;
  }

  private intLE(size: number, what: string): number | undefined {
    const unsigned = this.uintLE(size, what);
    if (unsigned === undefined) return undefined;
    const limit = 2 ** (size * 8 - 1);
    return unsigned >= limit ? unsigned - 2 * limit : unsigned;
  }

  /** JOIN_ROOM's fields: u8 length, then that many UTF-8 bytes. */
  shortString(what: string): string | undefined {
    const length = this.uintLE(1, `${what} length`);
    if (length === undefined) return undefined;
    const bytes = this.take(length, what);
    return bytes && new TextDecoder().decode(bytes);
  }

  /** A ROOM_DATA type: a header string, or (numeric message types) a header number. */
  messageType(): string | number | undefined {
    if (this.problem) return undefined;
    if (this.offset >= this.data.length) {
      this.problem = "truncated message type (frame ends after its code)";
      return undefined;
    }
    const prefix = this.data[this.offset]!;
    const isString = (prefix >= 0xa0 && prefix <= 0xbf) || prefix === 0xd9 || prefix === 0xda || prefix === 0xdb;
    return isString ? this.headerString() : this.headerNumber();
  }

  headerString(): string | undefined {
    const prefix = this.uintLE(1, "string prefix");
    if (prefix === undefined) return undefined;
    let length: number | undefined;
    if (prefix >= 0xa0 && prefix <= 0xbf) length = prefix & 0x1f;
    else if (prefix === 0xd9) length = this.uintLE(1, "str8 length");
    else if (prefix === 0xda) length = this.uintLE(2, "str16 length");
    else if (prefix === 0xdb) length = this.uintLE(4, "str32 length");
    else {
      this.problem = `expected a string, found prefix 0x${prefix.toString(16).padStart(2, "0")}`;
      return undefined;
    }
    if (length === undefined) return undefined;
    const bytes = this.take(length, "string bytes");
    return bytes && new TextDecoder().decode(bytes);
  }

  headerNumber(): number | undefined {
    const prefix = this.uintLE(1, "number prefix");
    if (prefix === undefined) return undefined;
    if (prefix < 0x80) return prefix;
    if (prefix >= 0xe0) return prefix - 0x100;
    switch (prefix) {
      case 0xcc: return this.uintLE(1, "uint8");
      case 0xcd: return this.uintLE(2, "uint16");
      case 0xce: return this.uintLE(4, "uint32");
      case 0xcf: return this.uintLE(8, "uint64");
      case 0xd0: return this.intLE(1, "int8");
      case 0xd1: return this.intLE(2, "int16");
      case 0xd2: return this.intLE(4, "int32");
      case 0xd3: return this.intLE(8, "int64");
      case 0xca: { const b = this.take(4, "float32"); return b && new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true); }
      case 0xcb: { const b = this.take(8, "float64"); return b && new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true); }
      default:
        this.problem = `expected a number, found prefix 0x${prefix.toString(16).padStart(2, "0")}`;
        return undefined;
    }
  }
}

// ---------------------------------------------------------------- helpers

function ok(frame: Frame): DecodeResult {
  return { ok: true, frame };
}

function fail(error: string): DecodeResult {
  return { ok: false, error };
}

function utf8(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** `0d a8 70 72 …` — for logs, docs and test failure messages. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}
