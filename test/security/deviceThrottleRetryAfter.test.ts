/**
 * Finding 18: the device-secret throttle's 429 carried its wait only in the sentence
 * ("try again in 4 s"); a device had to parse prose to know how long to wait. Like the HTTP
 * API limiter, it now sends `Retry-After` (whole seconds, the sentence's number), whichever
 * check refused the join: the request guard's screen of an address that is backing off, or
 * the authenticator's own admission of a parallel burst. Real HTTP matchmaking against a
 * production-mode server; each case from its own loopback address.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "@baton/protocol";
import type { TestBaton } from "../support/baton.ts";
import { codeOf, matchmake, startProductionBaton, type HttpAnswer } from "./support.ts";

let baton: TestBaton;
beforeAll(async () => {
  baton = await startProductionBaton();
});
afterAll(() => baton?.shutdown());

const guess = (localAddress: string, deviceId: string) =>
  matchmake(baton.httpUrl, "joinOrCreate", "device", { deviceId, role: "device" }, { token: "a-wrong-secret", localAddress });

/** A throttled join: 429 RATE_LIMITED whose Retry-After is whole seconds, as many as the sentence says. */
function expectRetryAfter(answer: HttpAnswer) {
  expect(answer.status).toBe(429);
  expect(codeOf(answer)).toBe(ErrorCode.RATE_LIMITED);
  const said = Number(/try again in (\d+) s/.exec(answer.body.error)?.[1]);
  expect(answer.headers["retry-after"], answer.text).toMatch(/^\d+$/);
  expect(Number(answer.headers["retry-after"])).toBeGreaterThanOrEqual(1);
  expect(Number(answer.headers["retry-after"])).toBe(said);
}

describe("Retry-After on the device-secret throttle's 429", () => {
  it("is sent when the request guard refuses an address that is backing off", async () => {
    // Five wrong secrets one after another spend the address's budget; the sixth is screened.
    for (let i = 0; i < 5; i++) expect((await guess("127.0.0.12", "test-1")).status).toBe(401);
    expectRetryAfter(await guess("127.0.0.12", "test-1"));
  });

  it("is sent when a parallel burst is cut off by the authenticator's admission", async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => guess("127.0.0.13", "test-2")));
    const throttled = answers.filter((answer) => answer.status === 429);
    expect(throttled.length).toBeGreaterThan(0);
    for (const answer of throttled) expectRetryAfter(answer);
  });
});
