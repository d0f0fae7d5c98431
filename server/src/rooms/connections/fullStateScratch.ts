/**
 * One scratch buffer per process for the full state a joining connection receives, instead
 * of one 8 KB buffer per room (issue 20: memory per idle room).
 *
 * Colyseus' `SchemaSerializer` allocates `fullEncodeBuffer` (`Encoder.BUFFER_SIZE`, 8 KB) with
 * every room and keeps the encoded full state in it between joins. A device room is idle
 * nearly always and encodes its full state only when a connection joins, so the buffer is
 * dead weight: 8 KB of the ~51 KB an idle device room cost (scripts/measure-idle-rooms.ts,
 * `arrayBuffers`). Here every room's serializer encodes into the same scratch buffer, which
 * is safe because:
 *
 *   - each `getFullState` re-encodes (`needFullEncode`): the scratch may hold another room's
 *     state since this room's last join, so its cached encoding is never reused;
 *   - what leaves the call is never a view of the scratch: with a `StateView` (every device
 *     room connection has one) Colyseus already returns a fresh concatenated copy, and the
 *     view-less answer (the cache itself) is copied here. A socket that cannot write at once
 *     keeps a reference to the bytes it was given, so they must not be overwritten later.
 *
 * The price is one full encode per join (a few µs for a device room's state) and a copy on
 * the view-less path. The encoder's own `sharedBuffer` (the other 8 KB, for patches) is left
 * alone: Colyseus hands views of it to the sockets of every patch it sends.
 */
import { Encoder } from "@colyseus/schema";
import { Protocol, type Room } from "@colyseus/core";

let scratch: Uint8Array | null = null;

interface FullStateSerializer {
  fullEncodeBuffer: Uint8Array;
  needFullEncode: boolean;
  getFullState(client?: unknown): Uint8Array;
}

function isFullStateSerializer(serializer: unknown): serializer is FullStateSerializer {
  const candidate = serializer as Partial<FullStateSerializer> | undefined;
  return candidate?.fullEncodeBuffer instanceof Uint8Array && typeof candidate.getFullState === "function" && typeof candidate.needFullEncode === "boolean";
}

/** Points the room's serializer at the process's scratch buffer (a no-op for a serializer of another shape). */
export function shareFullStateScratch(room: Room): void {
  const serializer = (room as unknown as { _serializer?: unknown })._serializer;
  if (!isFullStateSerializer(serializer)) return;
  if (!scratch) {
    scratch = new Uint8Array(Encoder.BUFFER_SIZE);
    scratch[0] = Protocol.ROOM_STATE; // the frame code; every serializer's reset writes the same
  }
  const shared = scratch;
  const ownFullState = serializer.getFullState.bind(serializer);
  serializer.fullEncodeBuffer = shared;
  serializer.getFullState = (client?: unknown) => {
    serializer.needFullEncode = true;
    const bytes = ownFullState(client);
    return bytes.buffer === shared.buffer ? bytes.slice() : bytes;
  };
}
