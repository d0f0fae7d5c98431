import { describe, expect, it } from "vitest";
import { SchemaSerializer, type Room } from "@colyseus/core";
import { schema } from "@colyseus/schema";
import { shareFullStateScratch } from "./fullStateScratch.ts";

// A state without views: Colyseus answers a join with its cached encoding itself (the path
// where a shared buffer could leak one room's state into another's join).
const Counter = schema({ label: { type: "string", default: "" }, n: { type: "number", default: 0 } }, "ScratchCounter");

function roomWith(label: string, n: number) {
  const serializer = new SchemaSerializer();
  serializer.reset(new Counter().assign({ label, n }));
  serializer.applyPatches([]); // a settled room: no changes pending, so Colyseus would reuse its cached encoding
  const room = { _serializer: serializer } as unknown as Room;
  shareFullStateScratch(room);
  return serializer;
}

describe("the process's full-state scratch buffer", () => {
  it("gives each room its own full state, whichever room encoded last", () => {
    const a = roomWith("room-a", 1);
    const b = roomWith("room-b", 2);
    const firstA = a.getFullState();
    const firstB = b.getFullState();
    expect(Buffer.from(firstA).includes(Buffer.from("room-a"))).toBe(true);
    expect(Buffer.from(firstB).includes(Buffer.from("room-b"))).toBe(true);
    // A again after B wrote the scratch: A's bytes, not B's.
    expect(Buffer.from(a.getFullState())).toEqual(Buffer.from(firstA));
    expect(Buffer.from(b.getFullState())).toEqual(Buffer.from(firstB));
  });

  it("never hands out a view of the scratch: bytes already given are not overwritten by the next join", () => {
    const a = roomWith("room-a", 1);
    const b = roomWith("room-b", 2);
    const given = a.getFullState();
    const copy = Buffer.from(given);
    b.getFullState();
    expect(Buffer.from(given)).toEqual(copy);
  });
});
