/**
 * Who is signed in: a user JWT — Baton's own, or the ID token of the organisation's OpenID
 * Connect provider (oidc.ts) — and who the server says its holder is (id, display name,
 * roles: GET /auth/me, which maps the provider's claims), with its expiry. The token is
 * kept in sessionStorage — per tab, gone when the tab closes, because
 * Baton's dashboards run on shared lab and clinic computers — and is only ever sent to this
 * origin in an Authorization header. The payload is read, not verified: verifying is the
 * server's job on every request and every join.
 */
import { devToken, isBatonError } from "@baton/client";

export interface Identity {
  token: string;
  userId: string;
  name: string;
  /** Baton roles ("admin"), as the server maps them. */
  roles: string[];
  /** Expiry in ms since the Unix epoch, or null when the token names none. */
  expiresAt: number | null;
}

const STORAGE_KEY = "baton.token";
/** The server's answer to GET /auth/me for the stored token: its id, name and roles as the server maps them. */
const MAPPED_KEY = "baton.identity";

/** Reads a JWT's payload; a sentence when the text is not a usable token. */
export function identityFromToken(token: string): Identity | string {
  const trimmed = token.trim().replace(/^Bearer\s+/i, "");
  const parts = trimmed.split(".");
  if (parts.length !== 3) return "This is not a Baton token: a token has three parts separated by dots (a JWT).";
  let claims: Record<string, unknown>;
  try {
    const bytes = Uint8Array.from(atob(parts[1].replace(/-/g, "+").replace(/_/g, "/")), (character) => character.charCodeAt(0));
    claims = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return "This token cannot be read: its middle part is not base64url-encoded JSON.";
  }
  if (typeof claims.sub !== "string" || claims.sub === "") return "This token names no user (it has no \"sub\" claim).";
  const expiresAt = typeof claims.exp === "number" ? claims.exp * 1000 : null;
  if (expiresAt !== null && expiresAt <= Date.now()) return "This token has expired. Ask for a new one.";
  const roles = Array.isArray(claims.roles) ? claims.roles.filter((role): role is string => typeof role === "string") : [];
  return { token: trimmed, userId: claims.sub, name: typeof claims.name === "string" && claims.name !== "" ? claims.name : claims.sub, roles, expiresAt };
}

export function storedIdentity(): Identity | null {
  const token = sessionStorage.getItem(STORAGE_KEY);
  if (!token) return null;
  const identity = identityFromToken(token);
  if (typeof identity === "string") {
    storeIdentity(null);
    return null;
  }
  try {
    const mapped = JSON.parse(sessionStorage.getItem(MAPPED_KEY) ?? "null") as (Pick<Identity, "userId" | "name" | "roles"> & { of: string }) | null;
    // Only for the token it was answered for (its signature's end names it).
    if (mapped && mapped.of === tokenTag(identity.token)) return { ...identity, userId: mapped.userId, name: mapped.name, roles: mapped.roles };
  } catch { /* the token's own claims, then */ }
  return identity;
}

const tokenTag = (token: string) => token.slice(-16);

export function storeIdentity(identity: Identity | null): void {
  if (identity) {
    sessionStorage.setItem(STORAGE_KEY, identity.token);
    sessionStorage.setItem(MAPPED_KEY, JSON.stringify({ of: tokenTag(identity.token), userId: identity.userId, name: identity.name, roles: identity.roles }));
  } else {
    sessionStorage.removeItem(STORAGE_KEY);
    sessionStorage.removeItem(MAPPED_KEY);
  }
}

/**
 * Signs in with a token (pasted, minted, or the provider's ID token): read locally for an
 * early sentence, then shown to the server (GET /auth/me), which says whether it accepts it
 * and who its holder is — the provider's claims mapped as the server maps them.
 */
export async function identityConfirmedByServer(token: string): Promise<Identity> {
  const local = identityFromToken(token);
  if (typeof local === "string") throw new Error(local);
  const response = await fetch("/auth/me", { headers: { authorization: `Bearer ${local.token}` }, credentials: "omit" });
  const body = (await response.json().catch(() => ({}))) as { userId?: string; name?: string; roles?: string[]; message?: string };
  if (!response.ok) throw new Error(`The server does not accept this sign-in: ${body.message ?? `HTTP ${response.status}`}`);
  return { ...local, userId: body.userId ?? local.userId, name: body.name ?? local.name, roles: body.roles ?? [] };
}

/** A user id made from a display name: "Ada Lovelace" → "ada-lovelace". */
export function userIdFromName(name: string): string {
  const slug = name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return slug.slice(0, 64) || "user";
}

/**
 * Development sign-in: the server mints a token for a name (POST /dev/token, through the SDK).
 * `admin`: the token carries roles ["admin"], so a newcomer trying `npm run dev` reaches the
 * admin area too. Only a development server has the route; a production one answers 404.
 */
export async function devSignIn(name: string, options: { admin?: boolean } = {}): Promise<Identity> {
  const token = await devToken(window.location.origin, { userId: userIdFromName(name), name: name.trim(), ...(options.admin ? { roles: ["admin"] as "admin"[] } : {}) });
  return identityConfirmedByServer(token);
}

/** An answer that means the token is no longer accepted: the person must sign in again. */
export function isSignInProblem(error: unknown): boolean {
  return isBatonError(error) && (error.code === "UNAUTHORIZED" || error.status === 401);
}

/** A sentence for anything thrown or reported: the SDK's BatonError messages already are sentences. */
export function sentenceOf(error: unknown): string {
  if (isSignInProblem(error)) return "Your sign-in is not valid any more (it may have expired). Please sign in again.";
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong. Try again.";
}
