/** `npm run baton -- token`: a token the server accepts, with the asked lifetime and roles; each mistake refused with a sentence. */
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { UserTokens } from "../auth/userTokens.ts";
import { runCli } from "./baton.ts";

const SECRET = "cli-test-secret-0123456789abcdef-xyz";
const env = { BATON_ENV: "production", BATON_JWT_SECRET: SECRET, BATON_JWT_MAX_LIFETIME_S: "86400" };

describe("baton token", () => {
  it("signs a token with the configured secret that the server's verifier accepts", async () => {
    const { code, output } = await runCli(["token", "--user", "ada", "--name", "Ada Lovelace", "--admin", "--ttl", "2h"], env);
    expect(code).toBe(0);
    expect(await new UserTokens(SECRET).verify(output)).toEqual({ userId: "ada", name: "Ada Lovelace", roles: ["admin"] });
    const { exp, iat } = decodeJwt(output);
    expect(exp! - iat!).toBe(7200);
  });

  it("defaults to one hour, no roles, the user id as name, and the configured issuer and audience", async () => {
    const { output } = await runCli(["token", "--user", "ci-bot"], { ...env, BATON_JWT_ISSUER: "https://baton.example.com", BATON_JWT_AUDIENCE: "baton" });
    expect(decodeJwt(output)).toMatchObject({ sub: "ci-bot", name: "ci-bot", roles: [], iss: "https://baton.example.com", aud: "baton" });
    const { exp, iat } = decodeJwt(output);
    expect(exp! - iat!).toBe(3600);
  });

  it("refuses without a secret, without a user, with a bad or too long --ttl", async () => {
    expect(await runCli(["token", "--user", "ada"], { BATON_ENV: "production" })).toEqual({ code: 2, output: expect.stringMatching(/BATON_JWT_SECRET is not set/) });
    expect(await runCli(["token"], env)).toEqual({ code: 2, output: expect.stringMatching(/token needs --user <id>/) });
    expect(await runCli(["token", "--user", "ada", "--ttl", "soon"], env)).toEqual({ code: 2, output: expect.stringMatching(/--ttl must be a positive duration/) });
    expect(await runCli(["token", "--user", "ada", "--ttl", "2d"], env)).toEqual({ code: 2, output: expect.stringMatching(/longer than BATON_JWT_MAX_LIFETIME_S \(86400 s\)/) });
    expect((await runCli(["token", "--user", "ada", "--bogus"], env)).code).toBe(2);
  });
});
