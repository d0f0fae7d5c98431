/**
 * Finding 18: the device-secret throttle's 429 carried its wait only in the sentence
 * ("try again in 4 s"); a device had to parse prose to know how long to wait. Like the HTTP
 * API limiter, it now sends `Retry-After` (whole seconds, the sentence's number), whichever
 * check refused the join: the request guard's screen of an address that is backing off, or
 * the authenticator's own admission of a parallel burst. Real HTTP matchmaking against a
 * production-mode server; each case from its own loopback address. And the simulator, whose
 * address is backing off, waits at least the Retry-After before it asks again, whatever its
 * own (here much shorter) back-off says.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "@baton/protocol";
import { TEST_DEVICE_SECRET, type TestBaton } from "../support/baton.ts";
import { SimulatedDevice } from "../../client/src/simulator/device.ts";
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

  it("is honoured by the simulator: its next attempt waits at least Retry-After", async () => {
    // The simulator's fetch comes from 127.0.0.1: spend that address's budget first.
    for (let i = 0; i < 5; i++) expect((await guess("127.0.0.1", "test-4")).status).toBe(401);
    const device = new SimulatedDevice({ url: baton.httpUrl, deviceId: "test-5", secret: TEST_DEVICE_SECRET, instrument: "scale", reconnect: { baseDelayMs: 10, maxDelayMs: 20, maxAttempts: 1 } });
    try {
      const scheduled = new Promise<{ delayMs: number; lastError?: Error }>((resolve) => device.events.once("reconnecting", resolve));
      device.startConnecting();
      const { delayMs, lastError } = await scheduled;
      const asked = Number(/try again in (\d+) s/.exec(lastError?.message ?? "")?.[1]);
      expect(asked).toBeGreaterThanOrEqual(1);
      expect(delayMs).toBeGreaterThanOrEqual(asked * 1000);
    } finally {
      await device.close();
    }
  });
});
