/** roomDataType: the message type of a ROOM_DATA frame, read without decoding the body. */
import { describe, expect, it } from "vitest";
import { Protocol, getMessageBytes } from "@colyseus/core";
import { roomDataType } from "./frameCheck.ts";

const frame = (type: string | number, payload?: unknown) => new Uint8Array(getMessageBytes.raw(Protocol.ROOM_DATA, type, payload));

describe("roomDataType", () => {
  it("reads fixstr and str8 types as Colyseus writes them", () => {
    expect(roomDataType(frame("result", { runId: "r-1" }))).toBe("result");
    expect(roomDataType(frame("f"))).toBe("f");
    expect(roomDataType(frame("x".repeat(40), {}))).toBe("x".repeat(40));
  });

  it("gives undefined for numeric types, truncated frames and other frame codes", () => {
    expect(roomDataType(frame(7, {}))).toBeUndefined();
    expect(roomDataType(frame("result").subarray(0, 4))).toBeUndefined();
    expect(roomDataType(Uint8Array.of(0x0d))).toBeUndefined();
    expect(roomDataType(Uint8Array.of(0x0a))).toBeUndefined();
  });
});
