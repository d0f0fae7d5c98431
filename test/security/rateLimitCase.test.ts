/**
 * Finding 11: Express matches routes case-insensitively, so `/DEVICES` and `/ADMIN/audit`
 * reach the same handlers as `/devices` and `/admin/audit`. The API's rate limit must count
 * them too — a client cannot step around it by changing the case of a path. Real HTTP
 * against a production-mode server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "@baton/protocol";
import type { TestBaton } from "../support/baton.ts";
import { request, startProductionBaton } from "./support.ts";

let baton: TestBaton;
// A slow refill (one request every 20 s) so the budget cannot grow back during the test.
const BURST = 3;

beforeAll(async () => {
  baton = await startProductionBaton({ config: { httpRateLimit: { perSecond: 0.05, burst: BURST } } });
});
afterAll(() => baton?.shutdown());

describe("HTTP API rate limit and the case of a path", () => {
  it.each([
    ["/DEVICES", "127.0.0.5"],
    ["/ADMIN/audit", "127.0.0.6"],
    ["/Devices/scale-1/History", "127.0.0.7"],
    ["/RESULTS", "127.0.0.8"],
  ])("limits %s like its lower-case spelling", async (path, localAddress) => {
    const answers = [];
    for (let i = 0; i < BURST + 2; i++) answers.push(await request(baton.httpUrl, "GET", path, undefined, { localAddress }));
    // The route itself answers (unauthenticated: 401), so the path does reach a handler.
    expect(answers.slice(0, BURST).map((answer) => answer.status)).toEqual(Array(BURST).fill(401));
    for (const answer of answers.slice(BURST)) {
      expect(answer.status).toBe(429);
      expect(answer.body.code).toBe(ErrorCode.RATE_LIMITED);
    }
  });
});
