/**
 * Helpers for the HTTP API tests: a fetch that sends a bearer token and returns status and
 * JSON body, and an expired token signed with the server's own secret.
 */
import { SignJWT } from "jose";
import type { TestBaton } from "../support/baton.ts";

export interface Answer {
  status: number;
  body: any;
}

export async function call(baton: TestBaton, method: string, path: string, options: { token?: string; body?: unknown; rawBody?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined || options.rawBody !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${baton.httpUrl}${path}`, {
    method,
    headers,
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch { /* not JSON: the test will say so */ }
  return { status: response.status, body };
}

/** A well-signed token that expired an hour ago. */
export async function expiredToken(baton: TestBaton, userId: string, roles: string[] = []): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ name: userId, roles })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(userId)
    .setIssuedAt(now - 7_200)
    .setExpirationTime(now - 3_600)
    .sign(new TextEncoder().encode(baton.services.config.jwtSecret));
}
