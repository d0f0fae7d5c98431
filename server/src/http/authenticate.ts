/**
 * Who is calling: the same user JWT as the rooms (`Authorization: Bearer …`, checked by
 * auth/userTokens.ts — signature, expiry, lifetime, issuer, audience). Admins are users
 * whose token carries `roles: ["admin"]`.
 */
import type { Request, Response } from "express";
import { getBearerToken } from "@colyseus/core";
import { ErrorCode } from "@baton/protocol";
import type { UserIdentity } from "../auth/userTokens.ts";
import type { RoomServices } from "../rooms/services.ts";
import { refuse } from "./respond.ts";

/** The caller, or undefined after answering 401 UNAUTHORIZED. */
export async function requireUser(services: RoomServices, request: Request, response: Response): Promise<UserIdentity | undefined> {
  const identity = await services.userTokens.verify(getBearerToken(request.headers.authorization ?? ""));
  if ("problem" in identity) {
    refuse(response, ErrorCode.UNAUTHORIZED, { reason: "token", problem: identity.problem });
    return undefined;
  }
  return identity;
}

export const isAdmin = (identity: UserIdentity) => identity.roles.includes("admin");

/** An admin caller, or undefined after answering 401 (no valid token) or 403 FORBIDDEN. */
export async function requireAdmin(services: RoomServices, request: Request, response: Response, what: string): Promise<UserIdentity | undefined> {
  const identity = await requireUser(services, request, response);
  if (!identity) return undefined;
  if (!isAdmin(identity)) {
    refuse(response, ErrorCode.FORBIDDEN, { reason: "adminOnly", action: what });
    return undefined;
  }
  return identity;
}
