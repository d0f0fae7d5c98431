/**
 * "A future `iat` is accepted" (issue 18): a token that says it was issued an hour from now
 * was accepted, although no honest issuer signs one — it comes from a skewed or compromised
 * issuer, or was minted ahead to outlive the lifetime check (`exp − iat`). A token issued
 * more than a small clock skew (60 s) in the future is refused with a sentence; one issued
 * 30 s ahead (a clock slightly off) is accepted. Real HTTP against a production-mode server,
 * at both places that take a user token: the room join and `GET /results`.
 */
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestBaton } from "../support/baton.ts";
import { matchmake, request, startProductionBaton } from "./support.ts";

let baton: TestBaton;
beforeAll(async () => {
  baton = await startProductionBaton();
});
afterAll(() => baton?.shutdown());

const now = () => Math.floor(Date.now() / 1000);

function sign(iat: number, exp: number): Promise<string> {
  return new SignJWT({ name: "Mallory" }).setProtectedHeader({ alg: "HS256" }).setSubject("mallory").setIssuedAt(iat).setExpirationTime(exp)
    .sign(new TextEncoder().encode(baton.services.config.jwtSecret));
}

describe("user tokens issued in the future", () => {
  it("refuses a token whose iat is an hour ahead, at the join and at GET /results", async () => {
    const token = await sign(now() + 3600, now() + 3600 + 600);
    const results = await request(baton.httpUrl, "GET", "/results", undefined, { token });
    expect(results.status).toBe(401);
    expect(results.body).toMatchObject({ code: "UNAUTHORIZED" });
    expect(results.body.message).toMatch(/issued in the future \(`iat`/);
    const join = await matchmake(baton.httpUrl, "joinOrCreate", "device", { deviceId: "scale-1" }, { token });
    expect(join.status).toBe(401);
    expect(join.body.error).toMatch(/^UNAUTHORIZED: .*issued in the future \(`iat`/);
  });

  it("accepts a token issued 30 s ahead: clocks are allowed to be a little off", async () => {
    const token = await sign(now() + 30, now() + 3600);
    expect((await request(baton.httpUrl, "GET", "/results", undefined, { token })).status).toBe(200);
  });
});
