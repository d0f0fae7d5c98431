/**
 * Baton's REST API over `fetch` (browsers and Node 22 alike). Refusals come back as
 * `{ code, message }` (server/src/http/respond.ts) and become BatonErrors with that code.
 */
import type { DevTokenAnswer, ErrorBody } from "@baton/protocol/http";
import { BatonError, ClientErrorCode, asSentence } from "./errors.ts";
import { waitFor, type WaitOptions } from "./waiting.ts";

export interface HttpOptions extends WaitOptions {
  method?: "GET" | "POST" | "DELETE";
  body?: unknown;
  token?: string;
  query?: Record<string, string | number | undefined>;
}

/** `baseUrl` + `path` (+ query), requested with a bearer token; resolves with the JSON answer. */
export async function requestJson<T>(baseUrl: string, path: string, options: HttpOptions = {}, fetchImpl: typeof fetch = globalThis.fetch): Promise<T> {
  const url = new URL(path.replace(/^\//, ""), baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  const request = `${options.method ?? "GET"} ${path}`;
  const controller = new AbortController();
  return waitFor<T>(`for ${request}`, options, (resolve, reject) => {
    const headers: Record<string, string> = { accept: "application/json" };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    fetchImpl(url, {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: controller.signal,
    }).then(async (response) => {
      const text = await response.text();
      let body: unknown = undefined;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      if (response.ok) return resolve(body as T);
      // Checked field by field: a proxy in between may answer a refusal that is not Baton's.
      const refusal = body as Partial<Record<keyof ErrorBody, unknown>> | undefined;
      if (refusal && typeof refusal.code === "string" && typeof refusal.message === "string") {
        return reject(new BatonError(refusal.code, asSentence(refusal.message), { request, status: response.status }));
      }
      reject(new BatonError(ClientErrorCode.HTTP_ERROR, `${request} answered ${response.status} ${response.statusText}`.trim() + ".", { request, status: response.status }));
    }, (error: unknown) => {
      reject(new BatonError(ClientErrorCode.NETWORK_ERROR, `Could not reach the Baton server at ${baseUrl} (${request}): ${error instanceof Error ? error.message : String(error)}.`, { request, cause: error }));
    });
    // Whoever stops waiting also stops the request.
    return () => controller.abort();
  });
}

export interface DevUser {
  userId: string;
  /** Display name others see ("in use by …"); defaults to the user id. */
  name?: string;
  roles?: "admin"[];
}

/**
 * Development only: a user token from the server's `POST /dev/token` (a server started with
 * `npm run dev`; production servers do not have the route — use your identity provider's).
 */
export async function devToken(url: string, user: DevUser, options: WaitOptions = {}): Promise<string> {
  try {
    const answer = await requestJson<DevTokenAnswer>(url, "/dev/token", { ...options, method: "POST", body: { userId: user.userId, name: user.name ?? user.userId, ...(user.roles ? { roles: user.roles } : {}) } });
    return answer.token;
  } catch (error) {
    if (error instanceof BatonError && error.status === 404) {
      throw new BatonError(error.code, `${url} has no /dev/token: it is not a development server (start one with npm run dev), or use a token from your identity provider.`, { request: error.request, status: 404, cause: error });
    }
    throw error;
  }
}
