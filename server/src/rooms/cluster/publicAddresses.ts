/**
 * The public addresses of a cluster's live processes, for the dashboard's CSP
 * (http/dashboard.ts; docs/SCALING.md, "The dashboard in a cluster").
 *
 * A seat reservation sends the page's WebSocket to the `publicAddress` of the process that
 * holds the device's room. Behind a proxy that gives each process a path on the page's own
 * origin (`baton.example.com/node-1`, the nginx example) `connect-src 'self'` already covers
 * it. With addresses of their own (`10.0.0.5:2567`, or two ports on one machine) the page
 * must be allowed to connect to every process the matchmaker may send it to — so each process
 * writes its address into one Redis hash (keyed by its Colyseus process id, under the
 * cluster's key prefix), and the page's CSP names the addresses of the processes Colyseus
 * counts as live (its own per-process room-count hash: a process leaves it when it stops, or
 * when another finds it dead).
 *
 * Only addresses the operator configured (BATON_PUBLIC_ADDRESS, checked at start-up) ever get
 * into the hash; the page may connect to them and to nothing else.
 */
import { matchMaker, type Presence } from "@colyseus/core";

/** The hash of process id → public address (prefixed by the Redis connection's key prefix). */
export const PUBLIC_ADDRESSES_KEY = "baton:public_addresses";
/** How long one answer is reused: every page load would otherwise read Redis twice. */
const CACHE_MS = 5_000;

/**
 * Writes this process's address, and drops the entries of processes Colyseus no longer counts
 * (they stopped or died), so the hash holds at most one entry per live process and a few dead.
 */
export async function publishPublicAddress(presence: Presence, processId: string, publicAddress: string): Promise<void> {
  await presence.hset(PUBLIC_ADDRESSES_KEY, processId, publicAddress);
  const live = await liveProcessIds();
  for (const known of Object.keys(await presence.hgetall(PUBLIC_ADDRESSES_KEY))) {
    if (known !== processId && !live.has(known)) await presence.hdel(PUBLIC_ADDRESSES_KEY, known);
  }
}

/** Removes this process's address (a graceful stop). */
export async function withdrawPublicAddress(presence: Presence, processId: string): Promise<void> {
  await presence.hdel(PUBLIC_ADDRESSES_KEY, processId);
}

async function liveProcessIds(): Promise<Set<string>> {
  return new Set((await matchMaker.stats.fetchAll()).map((stats) => stats.processId));
}

/**
 * `host[:port][/path]` (no scheme, as BATON_PUBLIC_ADDRESS takes it) → the WebSocket origins a
 * page may reach it at. The path is left out: an origin is what the seat's socket needs, and
 * the page uses `wss:` when it was loaded over HTTPS, `ws:` otherwise.
 */
export function socketOriginsOf(publicAddress: string): string[] {
  const host = publicAddress.split("/")[0];
  if (!host) return [];
  return [`ws://${host}`, `wss://${host}`];
}

/** The WebSocket origins of the cluster's live processes (this one's included), cached for a few seconds. */
export function clusterSocketOrigins(presence: Presence, ownAddress: string): () => Promise<string[]> {
  let cached: { at: number; origins: Promise<string[]> } | undefined;
  const read = async () => {
    const live = await liveProcessIds();
    const addresses = new Set([ownAddress]);
    for (const [processId, address] of Object.entries(await presence.hgetall(PUBLIC_ADDRESSES_KEY))) {
      if (live.has(processId)) addresses.add(address);
    }
    return [...new Set([...addresses].flatMap(socketOriginsOf))].sort();
  };
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at > CACHE_MS) {
      const origins = read();
      cached = { at: now, origins };
      // A failed read is not kept: the next page load tries again.
      origins.catch(() => (cached = undefined));
    }
    return cached.origins;
  };
}
