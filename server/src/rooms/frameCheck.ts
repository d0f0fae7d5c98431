/**
 * Checks that a ROOM_DATA frame decodes before Colyseus sees it: 0x0D, a message type
 * (msgpack string or number), then zero or one msgpack value. Colyseus itself would close
 * the socket on a body that does not decode; Baton answers INVALID_MESSAGE instead and
 * keeps the connection (and so the owner's session or the device's run) alive.
 *
 * It decodes with the same msgpackr that Colyseus uses, because `@colyseus/sdk` sends
 * msgpackr "records" (an extension type) that a strict msgpack decoder rejects.
 */
import { unpackMultiple } from "@colyseus/msgpackr";

export const ROOM_DATA_FRAME = 0x0d;

export function isDecodableRoomData(frame: Uint8Array): boolean {
  if (frame.length < 2 || frame[0] !== ROOM_DATA_FRAME) return false;
  try {
    const values = unpackMultiple(frame.subarray(1) as Buffer) as unknown[];
    if (values.length < 1 || values.length > 2) return false;
    return typeof values[0] === "string" || typeof values[0] === "number";
  } catch {
    return false;
  }
}
