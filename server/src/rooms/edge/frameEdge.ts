/**
 * What happens to each raw frame a connection sends, before Colyseus decodes it. Pure
 * decisions (no socket): the room carries out the verdict.
 *
 * - A connection that has not acknowledged its join may send that acknowledgement and
 *   nothing else: every other frame is dropped unread and unanswered (Colyseus would queue
 *   every reply in memory until the acknowledgement that never comes).
 * - Every frame type counts against the connection's token bucket — ROOM_DATA, the bytes
 *   variant, PING, anything — checked before any decoding. Users and the device have
 *   separate budgets: a device reports progress in bursts.
 * - A dropped frame is answered with RATE_LIMITED at most once a second, except a device's
 *   `result` or `failed`: each of those is answered, so the device knows to re-send it
 *   (it carries a run's outcome and must never vanish silently).
 * - A ROOM_DATA frame that would not decode is answered with INVALID_MESSAGE instead of
 *   Colyseus' kick.
 */
import { Protocol } from "@colyseus/core";
import { DeviceToRoom, ErrorCode, errorValue, type ErrorValue } from "@baton/protocol";
import { TokenBucket, type RateLimit } from "./rateLimiter.ts";
import { ROOM_DATA_FRAME, isDecodableRoomData, roomDataType } from "./frameCheck.ts";

export type FrameVerdict =
  | { action: "pass" }
  | { action: "drop" }
  | { action: "refuse"; error: ErrorValue; request: string };

export interface FrameSender {
  isDevice: boolean;
  /** Whether the connection has acknowledged its join (Colyseus' JOINED state). */
  joined: boolean;
}

const PASS: FrameVerdict = { action: "pass" };
const DROP: FrameVerdict = { action: "drop" };
const OUTCOME_REPORTS: ReadonlySet<string> = new Set([DeviceToRoom.RESULT, DeviceToRoom.FAILED]);

export class FrameEdge {
  private readonly buckets = new WeakMap<object, TokenBucket>();

  constructor(
    private readonly limits: { user: RateLimit; device: RateLimit },
    private readonly clock: () => number,
  ) {}

  /** `connection` is any object that identifies the connection (the Colyseus client). */
  inspect(connection: object, sender: FrameSender, frame: Uint8Array | undefined): FrameVerdict {
    if (!frame || frame.length === 0) return DROP;
    if (!sender.joined) return frame[0] === Protocol.JOIN_ROOM ? PASS : DROP;
    const now = this.clock();
    if (!this.bucketFor(connection, sender).take(now)) return this.overBudget(connection, sender, frame, now);
    if (frame[0] === ROOM_DATA_FRAME && !isDecodableRoomData(frame)) {
      return {
        action: "refuse", request: "", error: errorValue(ErrorCode.INVALID_MESSAGE, { reason: "frameUndecodable" }),
      };
    }
    return PASS;
  }

  private overBudget(connection: object, sender: FrameSender, frame: Uint8Array, now: number): FrameVerdict {
    const type = roomDataType(frame) ?? "";
    const limit = sender.isDevice ? this.limits.device : this.limits.user;
    const mustAnswer = sender.isDevice && OUTCOME_REPORTS.has(type);
    if (!mustAnswer && !this.bucketFor(connection, sender).shouldWarn(now)) return DROP;
    return {
      action: "refuse", request: type,
      error: mustAnswer
        ? errorValue(ErrorCode.RATE_LIMITED, { reason: "outcomeDropped", type, perSecond: limit.perSecond, burst: limit.burst })
        : errorValue(ErrorCode.RATE_LIMITED, { reason: "frames", perSecond: limit.perSecond, burst: limit.burst }),
    };
  }

  private bucketFor(connection: object, sender: FrameSender): TokenBucket {
    let bucket = this.buckets.get(connection);
    if (!bucket) {
      bucket = new TokenBucket(sender.isDevice ? this.limits.device : this.limits.user, this.clock());
      this.buckets.set(connection, bucket);
    }
    return bucket;
  }
}
