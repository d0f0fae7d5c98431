/**
 * Baton's own HTTP API is rate limited per client address (BATON_HTTP_RATE_LIMIT_*): a
 * client over its budget gets `429 RATE_LIMITED` with `Retry-After` and a sentence, another
 * address is not affected, and health probes are never limited. Real HTTP against a
 * production-mode server; 127.0.0.2 is another host as far as the server can tell.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "@baton/protocol";
import type { TestBaton } from "../support/baton.ts";
import { request, startProductionBaton } from "./support.ts";

let baton: TestBaton;
// A slow refill (one request every 20 s) so the budget cannot grow back during the test.
const BURST = 5;

beforeAll(async () => {
  baton = await startProductionBaton({ config: { httpRateLimit: { perSecond: 0.05, burst: BURST } } });
});
afterAll(() => baton?.shutdown());

describe("HTTP API rate limit per client address", () => {
  it("answers 429 RATE_LIMITED with Retry-After once an address has spent its burst; other addresses and health probes go on", async () => {
    const answers = [];
    for (let i = 0; i < BURST + 3; i++) answers.push(await request(baton.httpUrl, "GET", "/devices", undefined, { localAddress: "127.0.0.3" }));
    // Unauthenticated: the first BURST are answered by the route (401), the rest by the limiter.
    expect(answers.slice(0, BURST).map((answer) => answer.status)).toEqual(Array(BURST).fill(401));
    const limited = answers.slice(BURST);
    for (const answer of limited) {
      expect(answer.status).toBe(429);
      expect(answer.body.code).toBe(ErrorCode.RATE_LIMITED);
      expect(answer.body.message).toMatch(/Too many requests from this address/);
    }

    const other = await request(baton.httpUrl, "GET", "/devices", undefined, { localAddress: "127.0.0.4" });
    expect(other.status).toBe(401);

    for (let i = 0; i < BURST + 3; i++) {
      const probe = await request(baton.httpUrl, "GET", "/healthz", undefined, { localAddress: "127.0.0.3" });
      expect(probe.status).toBe(200);
    }
  });

  it("names when to try again", async () => {
    const answers = [];
    for (let i = 0; i < BURST + 1; i++) answers.push(await fetch(`${baton.httpUrl}/results`, { headers: {} }));
    const last = answers.at(-1)!;
    expect(last.status).toBe(429);
    expect(Number(last.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});
