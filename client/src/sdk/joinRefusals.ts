/**
 * Keeps the `errorCode` field of refused joins (docs/PROTOCOL.md, "Join refusals").
 * `@colyseus/sdk` turns a refused matchmaking answer into a `MatchMakeError` that keeps only
 * the text and the status, dropping the body. This watches the client's matchmaking requests,
 * keeps the body of a refused one per device, and puts it back on the error as `data` (as
 * Colyseus' own `ServerError` has it), so `fromJoinFailure` reads the code from the field.
 */
import type { Client } from "@colyseus/sdk";

type Post = (path: string, options?: { body?: unknown }) => Promise<unknown>;

export function keepJoinRefusals(client: Client): <T>(deviceId: string, join: () => Promise<T>) => Promise<T> {
  const refused = new Map<string, unknown>();
  const http = client.http as unknown as { post: Post };
  const post = http.post.bind(http);
  http.post = async (path, options) => {
    try {
      return await post(path, options);
    } catch (error) {
      const deviceId = (options?.body as { deviceId?: unknown } | undefined)?.deviceId;
      const data = (error as { data?: unknown } | null)?.data;
      if (typeof deviceId === "string" && data !== undefined) refused.set(deviceId, data);
      throw error;
    }
  };
  return async (deviceId, join) => {
    refused.delete(deviceId);
    try {
      return await join();
    } catch (error) {
      const data = refused.get(deviceId);
      refused.delete(deviceId);
      if (data !== undefined && error !== null && typeof error === "object" && !("data" in error)) {
        Object.defineProperty(error, "data", { value: data, enumerable: false });
      }
      throw error;
    }
  };
}
