/** Matchmaking answers and socket URLs, with an injected fetch: no server. */
import { describe, expect, it } from "vitest";
import { MatchmakeError, MatchmakeUnreachableError, batonCodeOf, matchmakeDevice, roomSocketUrl } from "./matchmake.ts";

const seat = { name: "device", sessionId: "abc", roomId: "scale-1", processId: "p1" };
const answer = (status: number, body: unknown) => (async () => new Response(JSON.stringify(body), { status })) as unknown as typeof fetch;

describe("matchmakeDevice", () => {
  it("returns the seat reservation", async () => {
    await expect(matchmakeDevice({ baseUrl: "http://x/", deviceId: "scale-1", secret: "s", fetch: answer(200, seat) })).resolves.toEqual(seat);
  });

  it("turns { code, error } into a MatchmakeError with the Baton code", async () => {
    const error = await matchmakeDevice({ baseUrl: "http://x", deviceId: "nope", secret: "s", fetch: answer(404, { code: 404, error: "UNKNOWN_DEVICE: no device \"nope\" is registered." }) })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MatchmakeError);
    expect(error).toMatchObject({ status: 404, code: 404, batonCode: "UNKNOWN_DEVICE", permanent: true });
  });

  it("treats Colyseus' own matchmaking errors as transient", async () => {
    const error = await matchmakeDevice({ baseUrl: "http://x", deviceId: "d", secret: "s", fetch: answer(524, { code: 524, error: "seat reservation expired." }) })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 524, batonCode: undefined, permanent: false });
  });

  it("reports a request that got no answer", async () => {
    const refused = (async () => { throw new TypeError("fetch failed"); }) as unknown as typeof fetch;
    await expect(matchmakeDevice({ baseUrl: "http://x", deviceId: "d", secret: "s", fetch: refused })).rejects.toBeInstanceOf(MatchmakeUnreachableError);
  });
});

describe("roomSocketUrl", () => {
  it("builds ws://host/<processId>/<roomId>?sessionId=…", () => {
    expect(roomSocketUrl("http://127.0.0.1:2567", seat)).toBe("ws://127.0.0.1:2567/p1/scale-1?sessionId=abc");
    expect(roomSocketUrl("https://baton.example/", seat, { skipHandshake: true })).toBe("wss://baton.example/p1/scale-1?sessionId=abc&skipHandshake=1");
  });

  it("goes to the seat's publicAddress when the room lives on another process", () => {
    expect(roomSocketUrl("http://127.0.0.1:2601", { ...seat, publicAddress: "127.0.0.1:2602" })).toBe("ws://127.0.0.1:2602/p1/scale-1?sessionId=abc");
  });
});

describe("batonCodeOf", () => {
  it("reads a known code prefix only", () => {
    expect(batonCodeOf("UNAUTHORIZED: wrong secret")).toBe("UNAUTHORIZED");
    expect(batonCodeOf("NOT_A_CODE: x")).toBeUndefined();
    expect(batonCodeOf("seat reservation expired.")).toBeUndefined();
  });
});
