/**
 * User identity: HS256 JWTs signed with the server's secret. `sub` is the user id, `name`
 * the display name, `roles` may contain "admin".
 */
import { SignJWT, jwtVerify } from "jose";

export interface UserIdentity {
  userId: string;
  name: string;
  roles: string[];
}

export class UserTokens {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  /** Resolves the identity, or returns a sentence saying why the token is not acceptable. */
  async verify(token: string | undefined): Promise<UserIdentity | { problem: string }> {
    if (!token) return { problem: "no bearer token was sent" };
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ["HS256"] });
      if (typeof payload.sub !== "string" || payload.sub.length === 0 || payload.sub.length > 128) {
        return { problem: "the token has no usable `sub` (user id)" };
      }
      const name = typeof payload.name === "string" ? payload.name.slice(0, 100) : payload.sub;
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === "string") : [];
      return { userId: payload.sub, name, roles };
    } catch (error) {
      return { problem: `the token is not valid (${(error as Error).message})` };
    }
  }

  async issue(identity: { userId: string; name?: string; roles?: string[] }, expiresIn = "12h"): Promise<string> {
    return new SignJWT({ name: identity.name ?? identity.userId, roles: identity.roles ?? [] })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(identity.userId)
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .sign(this.key);
  }
}
