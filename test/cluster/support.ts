/**
 * What the cluster tests share: the one user-token secret every process of a test cluster
 * is started with, raw matchmaking against a chosen process, and bounded waits for rooms
 * whose process may be gone.
 */
import { UserTokens } from "@baton/server/auth/userTokens.ts";

/** BATON_JWT_SECRET of every process of a test cluster: a token from one is valid at the other. */
export const CLUSTER_JWT_SECRET = "cluster-test-jwt-secret-0123456789abcdef";
const tokens = new UserTokens(CLUSTER_JWT_SECRET);

export const userToken = (userId: string) => tokens.issue({ userId, name: userId });

export const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Leaving a room whose process was killed (or is gone) may never settle. */
export const bounded = (promise: Promise<unknown>) => Promise.race([promise.catch(() => undefined), settle(2_000)]);

export interface Seat { sessionId: string; roomId: string; processId: string; publicAddress?: string; name: string }

/** POST /matchmake/<method>/<target> on `server`, as a user's client would, without joining. */
export async function matchmake(server: { httpUrl: string }, method: string, target: string, token: string, body: Record<string, unknown>): Promise<{ status: number; body: Seat & { error?: string } }> {
  const response = await fetch(`${server.httpUrl}/matchmake/${method}/${target}`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}
