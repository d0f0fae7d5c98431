/**
 * The Baton HTTP API from the browser: same origin, the user's JWT as a bearer token, and
 * every failure turned into a sentence a person can act on (the server's own sentence when
 * it sent one — `{ code, message }` — and ours when it could not be reached at all).
 */

/** A refused or failed request: `message` is the sentence to show, `code` the server's stable code. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "ApiError";
  }
}

export async function apiRequest<T>(path: string, options: { token?: string | null; method?: "GET" | "POST"; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      // Same origin only: the token travels in a header, never as a cookie.
      credentials: "omit",
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(0, "NETWORK", "The Baton server cannot be reached. Check that it is running and that you are online, then try again.");
  }
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // A proxy's HTML error page, for instance: described below by its status.
  }
  if (!response.ok) throw refusal(response.status, body);
  return body as T;
}

function refusal(status: number, body: unknown): ApiError {
  const { code, message } = (body ?? {}) as { code?: unknown; message?: unknown };
  const codeText = typeof code === "string" ? code : `HTTP_${status}`;
  if (status === 401) {
    return new ApiError(status, codeText, "Your sign-in is not valid any more (it may have expired). Please sign in again.");
  }
  if (typeof message === "string" && message.trim() !== "") return new ApiError(status, codeText, message);
  if (status >= 500) return new ApiError(status, codeText, `The server had a problem answering (status ${status}). Try again in a moment.`);
  return new ApiError(status, codeText, `The server refused the request (status ${status}).`);
}
