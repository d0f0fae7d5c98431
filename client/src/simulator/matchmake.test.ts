/** Matchmaking answers and socket URLs, with an injected fetch: no server. */
import { describe, expect, it } from "vitest";
import { MatchmakeError, MatchmakeUnreachableError, batonCodeOf, matchmakeDevice, parseRetryAfter, roomSocketUrl } from "./matchmake.ts";

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

  it("keeps a 429's Retry-After as retryAfterMs", async () => {
    const throttled = (async () => new Response(JSON.stringify({ code: 429, error: "RATE_LIMITED: try again in 4 s." }), { status: 429, headers: { "retry-after": "4" } })) as unknown as typeof fetch;
    const error = await matchmakeDevice({ baseUrl: "http://x", deviceId: "d", secret: "s", fetch: throttled }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 429, batonCode: "RATE_LIMITED", permanent: false, retryAfterMs: 4_000 });
    const plain = await matchmakeDevice({ baseUrl: "http://x", deviceId: "d", secret: "s", fetch: answer(503, { code: 503, error: "SERVER_BUSY: x." }) }).catch((caught: unknown) => caught);
    expect(plain).toMatchObject({ retryAfterMs: undefined });
  });

  it("reads Retry-After as seconds or an HTTP date, capped at an hour", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("7", now)).toBe(7_000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("999999", now)).toBe(3_600_000);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
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
