/**
 * Checks that a ROOM_DATA frame will decode before Colyseus sees it, by the same rules
 * Colyseus applies: 0x0D, a message type, then nothing or exactly one msgpack value.
 * Colyseus closes the socket when the body does not decode; Baton answers INVALID_MESSAGE
 * instead and keeps the connection (and so the owner's session or the device's run).
 *
 * The message type is read as Colyseus reads it, which is msgpack only in part: a fixstr
 * (1–31 bytes), a str8 (up to 255 bytes) or a positive fixint. Colyseus decodes str16/str32
 * lengths little-endian (msgpack says big-endian), so those are refused here rather than
 * misread. The body is decoded with Colyseus' own msgpackr, because `@colyseus/sdk` sends
 * msgpackr "records" (an extension type) that a strict msgpack decoder rejects.
 */
import { unpack } from "@colyseus/msgpackr";

export const ROOM_DATA_FRAME = 0x0d;

/** Length of the message-type header and string, or -1 when Colyseus could misread it. */
function messageTypeLength(frame: Uint8Array): number {
  const prefix = frame[1];
  if (prefix === undefined) return -1;
  if (prefix < 0x80) return 1; // positive fixint
  if (prefix > 0xa0 && prefix < 0xc0) return 1 + (prefix & 0x1f); // fixstr, non-empty
  if (prefix === 0xd9 && frame.length > 2 && frame[2] > 0) return 2 + frame[2]; // str8
  return -1;
}

/**
 * The message type of a ROOM_DATA frame when it is a string (fixstr or str8), without
 * decoding the body; undefined otherwise. Cheap enough to run on a frame that is being
 * dropped, to decide how to answer it.
 */
export function roomDataType(frame: Uint8Array): string | undefined {
  if (frame[0] !== ROOM_DATA_FRAME) return undefined;
  const typeLength = messageTypeLength(frame);
  if (typeLength < 2 || 1 + typeLength > frame.length) return undefined; // fixint types are numbers
  const start = frame[1] === 0xd9 ? 3 : 2;
  return Buffer.from(frame.buffer, frame.byteOffset + start, 1 + typeLength - start).toString("utf8");
}

export function isDecodableRoomData(frame: Uint8Array): boolean {
  if (frame[0] !== ROOM_DATA_FRAME) return false;
  const typeLength = messageTypeLength(frame);
  if (typeLength < 0 || 1 + typeLength > frame.length) return false;
  const body = frame.subarray(1 + typeLength);
  if (body.length === 0) return true;
  try {
    unpack(body as Buffer); // throws on truncation and on trailing bytes, as Colyseus' call does
    return true;
  } catch {
    return false;
  }
}
