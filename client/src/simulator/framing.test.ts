/**
 * Framing: our hand-written encoder/decoder against itself, against hand-made bytes, and
 * against the installed Colyseus' own frame writer (so a Colyseus upgrade that changes the
 * wire format fails here, before it fails on a device). No server is started.
 */
import { describe, expect, it } from "vitest";
import { decode as msgpackDecode } from "@msgpack/msgpack";
import { Protocol, getMessageBytes } from "@colyseus/core";
import {
  FrameCode, decodeFrame, encodeErrorFrame, encodeHeaderNumber, encodeHeaderString, encodeJoinAck, encodeJoinRoom,
  encodeLeave, encodeRoomData, toHex, type Frame,
} from "./framing.ts";

function decoded(bytes: Uint8Array): Frame {
  const result = decodeFrame(bytes);
  if (!result.ok) throw new Error(`expected a frame, got: ${result.error}`);
  return result.frame;
}

describe("frame codes", () => {
  it("match the installed Colyseus protocol", () => {
    expect(FrameCode).toEqual({
      JOIN_ROOM: Protocol.JOIN_ROOM,
      ERROR: Protocol.ERROR,
      LEAVE_ROOM: Protocol.LEAVE_ROOM,
      ROOM_DATA: Protocol.ROOM_DATA,
      ROOM_STATE: Protocol.ROOM_STATE,
      ROOM_STATE_PATCH: Protocol.ROOM_STATE_PATCH,
      ROOM_DATA_SCHEMA: Protocol.ROOM_DATA_SCHEMA,
      ROOM_DATA_BYTES: Protocol.ROOM_DATA_BYTES,
      PING: Protocol.PING,
    });
  });
});

describe("ROOM_DATA", () => {
  it("encodes the worked example of docs/PROTOCOL.md byte for byte", () => {
    const bytes = encodeRoomData("progress", { epoch: 3, runId: "r-7", progress: 0.5 });
    expect(toHex(bytes)).toBe(
      "0d a8 70 72 6f 67 72 65 73 73 83 a5 65 70 6f 63 68 03 a5 72 75 6e 49 64 a3 72 2d 37 a8 70 72 6f 67 72 65 73 73 cb 3f e0 00 00 00 00 00 00",
    );
  });

  it("round-trips a string type and a map payload", () => {
    const payload = { epoch: 12, runId: "run-abc", output: { weight: 70.5, unit: "kg", stable: true } };
    expect(decoded(encodeRoomData("result", payload))).toEqual({ kind: "roomData", type: "result", payload });
  });

  it("leaves undefined fields out instead of sending nil", () => {
    const frame = decoded(encodeRoomData("progress", { epoch: 1, runId: "r", progress: 0.1, message: undefined }));
    expect(frame).toEqual({ kind: "roomData", type: "progress", payload: { epoch: 1, runId: "r", progress: 0.1 } });
  });

  it("omits the payload entirely when there is none", () => {
    const bytes = encodeRoomData("ready");
    expect(toHex(bytes)).toBe("0d a5 72 65 61 64 79");
    expect(decoded(bytes)).toEqual({ kind: "roomData", type: "ready", payload: undefined });
  });

  it("decodes what Colyseus itself sends with client.send()", () => {
    const start = { epoch: 4, runId: "r-1", sessionType: "weighing", input: { userAge: 30 }, deadlineMs: 30000 };
    const bytes = new Uint8Array(getMessageBytes.raw(Protocol.ROOM_DATA, "start", start));
    expect(decoded(bytes)).toEqual({ kind: "roomData", type: "start", payload: start });
  });

  it("has the same header as Colyseus writes; payloads differ only in msgpack map width", () => {
    const payload = { epoch: 2, runId: "r-2" };
    const bytes = encodeRoomData("accepted", payload);
    const viaColyseus = new Uint8Array(getMessageBytes.raw(Protocol.ROOM_DATA, "accepted", payload));
    const headerLength = 1 + 1 + "accepted".length;
    expect(toHex(bytes.subarray(0, headerLength))).toBe(toHex(viaColyseus.subarray(0, headerLength)));
    // msgpackr (server) writes every map as map16 (0xde), @msgpack/msgpack a fixmap (0x82):
    // both are valid msgpack, so a decoder on the device must accept map16/map32 as well.
    expect(viaColyseus[headerLength]).toBe(0xde);
    expect(bytes[headerLength]).toBe(0x82);
    expect(msgpackDecode(bytes.subarray(headerLength))).toEqual(payload);
    expect(msgpackDecode(viaColyseus.subarray(headerLength))).toEqual(payload);
  });

  it("decodes long (str8 / str16) types in Colyseus' little-endian header dialect", () => {
    const long = "x".repeat(300);
    // Colyseus' shared send buffer mangles a payload after a type this long, so only its
    // header is compared; Baton's types are all short.
    const viaColyseus = new Uint8Array(getMessageBytes.raw(Protocol.ROOM_DATA, long));
    expect(toHex(viaColyseus.subarray(0, 4))).toBe("0d da 2c 01"); // str16, length little-endian, unlike msgpack
    const ours = encodeRoomData(long, { a: 1 });
    expect(toHex(ours.subarray(0, 4 + 300))).toBe(toHex(viaColyseus.subarray(0, 4 + 300)));
    expect(decoded(ours)).toEqual({ kind: "roomData", type: long, payload: { a: 1 } });
  });

  it("decodes numeric message types", () => {
    const viaColyseus = new Uint8Array(getMessageBytes.raw(Protocol.ROOM_DATA, 7, { a: 1 }));
    expect(decoded(viaColyseus)).toEqual({ kind: "roomData", type: 7, payload: { a: 1 } });
  });
});

describe("JOIN_ROOM", () => {
  it("parses the token and serializer id that Colyseus writes", () => {
    const handshake = Uint8Array.of(1, 2, 3);
    const viaColyseus = new Uint8Array(getMessageBytes[Protocol.JOIN_ROOM]("tok-123", "schema", handshake));
    const frame = decoded(viaColyseus);
    expect(frame.kind).toBe("joinRoom");
    if (frame.kind !== "joinRoom") return;
    expect(frame.reconnectionToken).toBe("tok-123");
    expect(frame.serializerId).toBe("schema");
    expect(Array.from(frame.handshake)).toEqual([1, 2, 3]);
    expect(toHex(encodeJoinRoom("tok-123", "schema", handshake))).toBe(toHex(viaColyseus));
  });

  it("answers with the single byte 0x0A; leaves with 0x0C", () => {
    expect(Array.from(encodeJoinAck())).toEqual([0x0a]);
    expect(Array.from(encodeLeave())).toEqual([0x0c]);
  });
});

describe("ERROR", () => {
  it("parses what Colyseus writes, including a uint16 code and a long message (little-endian)", () => {
    const message = "seat reservation expired ".repeat(12); // > 255 bytes: str16
    const viaColyseus = new Uint8Array(getMessageBytes[Protocol.ERROR](4217, message));
    expect(toHex(viaColyseus.subarray(0, 4))).toBe("0b cd 79 10");
    expect(decoded(viaColyseus)).toEqual({ kind: "error", code: 4217, message });
    expect(toHex(encodeErrorFrame(4217, message))).toBe(toHex(viaColyseus));
  });

  it("parses a small code with an empty message", () => {
    expect(decoded(new Uint8Array(getMessageBytes[Protocol.ERROR](11)))).toEqual({ kind: "error", code: 11, message: "" });
  });
});

describe("state frames and others", () => {
  it("classifies state, patch, leave, ping and unknown codes", () => {
    expect(decoded(Uint8Array.of(0x0e, 0x80))).toEqual({ kind: "roomState", bytes: Uint8Array.of(0x80) });
    expect(decoded(Uint8Array.of(0x0f))).toEqual({ kind: "roomStatePatch", bytes: new Uint8Array() });
    expect(decoded(Uint8Array.of(0x0c))).toEqual({ kind: "leave" });
    expect(decoded(Uint8Array.of(0x12))).toEqual({ kind: "ping" });
    expect(decoded(Uint8Array.of(0x63, 1))).toEqual({ kind: "unknown", code: 0x63, bytes: Uint8Array.of(1) });
  });
});

describe("malformed frames are values, never exceptions", () => {
  const full = encodeRoomData("progress", { epoch: 3, runId: "r-7", progress: 0.5 });
  const cases: Array<[string, Uint8Array]> = [
    ["empty frame", new Uint8Array()],
    ["ROOM_DATA without a type", Uint8Array.of(0x0d)],
    ["ROOM_DATA with a truncated type", Uint8Array.of(0x0d, 0xa8, 0x70, 0x72)],
    ["ROOM_DATA with a truncated str16 length", Uint8Array.of(0x0d, 0xda, 0x01)],
    ["ROOM_DATA with a truncated payload", full.subarray(0, full.length - 3)],
    ["ROOM_DATA with a bad type prefix", Uint8Array.of(0x0d, 0xc1)],
    ["ROOM_DATA with garbage after the type", Uint8Array.of(0x0d, 0xa1, 0x78, 0xc1)],
    ["JOIN_ROOM without a token length", Uint8Array.of(0x0a)],
    ["JOIN_ROOM with a token shorter than its length", Uint8Array.of(0x0a, 0x05, 0x61, 0x62)],
    ["JOIN_ROOM without a serializer id", Uint8Array.of(0x0a, 0x01, 0x61)],
    ["ERROR without a code", Uint8Array.of(0x0b)],
    ["ERROR with a truncated uint16 code", Uint8Array.of(0x0b, 0xcd, 0x79)],
    ["ERROR with a truncated message", Uint8Array.of(0x0b, 0x05, 0xa4, 0x61)],
  ];
  for (const [name, bytes] of cases) {
    it(name, () => {
      let result: ReturnType<typeof decodeFrame> | undefined;
      expect(() => { result = decodeFrame(bytes); }).not.toThrow();
      expect(result?.ok).toBe(false);
      if (result && !result.ok) expect(result.error).toMatch(/\w/);
    });
  }

  it("every prefix of a valid frame either decodes or fails cleanly", () => {
    for (let length = 0; length <= full.length; length++) {
      expect(() => decodeFrame(full.subarray(0, length))).not.toThrow();
    }
  });
});

describe("header dialect", () => {
  it("writes integers and strings like @colyseus/schema", () => {
    expect(toHex(encodeHeaderNumber(5))).toBe("05");
    expect(toHex(encodeHeaderNumber(200))).toBe("cc c8");
    expect(toHex(encodeHeaderNumber(4002))).toBe("cd a2 0f");
    expect(toHex(encodeHeaderNumber(70000))).toBe("ce 70 11 01 00");
    expect(toHex(encodeHeaderString("ab"))).toBe("a2 61 62");
    expect(toHex(encodeHeaderString("y".repeat(40)).subarray(0, 2))).toBe("d9 28");
  });
});
