/**
 * "Any free scale": a claim on whichever device of a pool frees up first (docs/DESIGN.md,
 * "Pools"). The pool room (`pool`, one per pool in the cluster) keeps a line of users; a
 * device's pool is its explicit pool name, else its kind. Once granted, the caller holds that
 * device and should join its room (`client.device(deviceId)`) within the reconnect grace.
 */
import type { Room } from "@colyseus/sdk";
import { POOL_ROOM_NAME, PoolToUser, UserToPool } from "@baton/protocol";
import type { PoolGrantedMessage, PoolLeftMessage, PoolStatusMessage } from "@baton/protocol/messages";
import { BatonError, asSentence, fromJoinFailure } from "./errors.ts";
import { waitFor, type WaitOptions } from "./waiting.ts";

export type { PoolGrantedMessage, PoolLeftMessage, PoolStatusMessage } from "@baton/protocol/messages";

export interface ClaimAnyOptions extends WaitOptions {
  /** Start a run of this session type on the granted device (with `input`). */
  sessionType?: string;
  input?: Record<string, unknown>;
  /** With a run: release the device when the run completes. */
  releaseOnComplete?: boolean;
  /** Each change of this user's place in the pool's line. */
  onStatus?: (status: PoolStatusMessage) => void;
}

/** Joins the pool's room, asks for any free device, and resolves with the grant; leaves the line when the wait is aborted. */
export function claimAnyFrom(join: (pool: string) => Promise<Room>, pool: string, options: ClaimAnyOptions = {}): Promise<PoolGrantedMessage> {
  let room: Room | null = null;
  let done = false;
  return waitFor<PoolGrantedMessage>(`for a free device of pool ${pool}`, options, (resolve, reject) => {
    join(pool).then((joined) => {
      room = joined;
      if (done) {
        void joined.leave();
        return;
      }
      joined.onMessage(PoolToUser.POOL_STATUS, (status: PoolStatusMessage) => options.onStatus?.(status));
      joined.onMessage(PoolToUser.GRANTED, (granted: PoolGrantedMessage) => resolve(granted));
      joined.onMessage(PoolToUser.POOL_LEFT, (left: PoolLeftMessage) => reject(new BatonError(left.reason, asSentence(left.message || `You no longer wait for pool ${pool} (${left.reason})`), { request: "claim_any" })));
      joined.onMessage(PoolToUser.ERROR, (error: { code: string; message: string }) => reject(new BatonError(error.code, asSentence(error.message), { request: "claim_any" })));
      joined.send(UserToPool.CLAIM_ANY, {
        ...(options.sessionType ? { sessionType: options.sessionType } : {}),
        ...(options.input ? { input: options.input } : {}),
        ...(options.releaseOnComplete ? { releaseOnComplete: true } : {}),
      });
    }, (error: unknown) => reject(fromJoinFailure(error, `pool ${pool}`)));
    return () => {
      done = true;
      const current = room as Room | null;
      if (!current) return;
      // Granted or not, this connection has done its work; a wait given up leaves the line first.
      try {
        current.send(UserToPool.LEAVE_POOL, {});
      } catch {
        // already closed
      }
      void current.leave();
    };
  });
}
