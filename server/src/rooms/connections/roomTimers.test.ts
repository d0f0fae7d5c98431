import { describe, expect, it, vi } from "vitest";
import { CloseCode } from "@colyseus/core";
import { failRoom, guarded } from "./roomTimers.ts";

function fakeRoom(disconnect: (code?: number) => Promise<unknown> = async () => undefined) {
  return { roomId: "scale-1", disconnect: vi.fn(disconnect) };
}

describe("room callbacks that throw", () => {
  it("close their room with 4002 and log its name, instead of throwing", () => {
    const room = fakeRoom();
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const tick = guarded(room, "device room", "the deadline timer", (value: number) => {
        if (value > 1) throw new Error("boom");
      });
      tick(1);
      expect(room.disconnect).not.toHaveBeenCalled();
      expect(() => tick(2)).not.toThrow();
      expect(room.disconnect).toHaveBeenCalledWith(CloseCode.WITH_ERROR);
      expect(String(errors.mock.calls[0]?.[0])).toContain("device room scale-1: the deadline timer failed");
    } finally {
      errors.mockRestore();
    }
  });

  it("never throw even when closing the room fails", async () => {
    const log = vi.fn();
    expect(() => failRoom(fakeRoom(() => { throw new Error("sync"); }), "pool room", "x", new Error("first"), log)).not.toThrow();
    failRoom(fakeRoom(() => Promise.reject(new Error("async"))), "pool room", "x", new Error("first"), log);
    await new Promise((resolve) => setImmediate(resolve));
    expect(log.mock.calls.filter((call) => String(call[0]).includes("closing after a failure failed too"))).toHaveLength(2);
  });
});
