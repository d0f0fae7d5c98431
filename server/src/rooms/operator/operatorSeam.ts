/**
 * The operator seam of a device room: what HTTP routes (through liveRooms.ts) and pool rooms
 * (through cluster/poolLink.ts) may ask of it — live status, force-release, availability,
 * the line, and a conditional claim. The room's methods of the same names delegate here; they
 * are called through `matchMaker.remoteRoomCall`, so arguments and answers are plain JSON.
 * Every change goes through the core as a command (`SeamRoom.apply`): this seam writes no
 * holder and no rule of its own.
 */
import { ErrorCode, errorSentence, renderError } from "@baton/protocol";
import { ClaimPayload } from "@baton/protocol/messages";
import { deviceStatusOf, lineOf, type AvailabilityCommand, type ClaimAnswer, type Command, type CoreState, type Outcome, type PoolRequest, type Rejection, type UserRef } from "../../session/index.ts";
import type { ForceReleaseAnswer, LiveDeviceStatus, QueueListing } from "./liveRooms.ts";

/** What the seam needs of its room. */
export interface SeamRoom {
  deviceId(): string;
  core(): CoreState;
  viewers(): number;
  hasUser(userId: string): boolean;
  /** Closing, or no longer the device's only room: nothing may be granted. */
  closing(): boolean;
  apply(command: Command): Outcome;
  /** A user's command through the per-user limits when they are on, else straight to `apply`; null when the room went away. */
  applyForUser(command: Command): Promise<{ outcome: Outcome } | { rejection: Rejection } | null>;
  /** Resolves when the effects queued so far (the store write of a grant) are carried out. */
  settled(): Promise<void>;
}

export class OperatorSeam {
  constructor(private readonly room: SeamRoom) {}

  /** The device's status as operators see it, plus how many viewers are connected. */
  liveStatus(): LiveDeviceStatus {
    return { ...deviceStatusOf(this.room.core()), viewers: this.room.viewers() };
  }

  /** An admin takes the device back: the core ends the session as `kicked` (see session/core.ts). */
  forceRelease(by: UserRef, reason: string): ForceReleaseAnswer {
    const core = this.room.core();
    const holder = core.session?.holder ?? null;
    const epoch = core.epoch;
    if (!holder) return { released: false, epoch, holder: null };
    this.room.apply({ type: "forceRelease", by: { userId: String(by.userId), name: String(by.name) }, reason: String(reason) });
    return { released: true, epoch, holder };
  }

  /** An admin drains, quarantines or returns the device to service; the core decides what follows (session/availability.ts). */
  setAvailability(command: AvailabilityCommand): LiveDeviceStatus {
    const by = { userId: String(command.by.userId), name: String(command.by.name) };
    this.room.apply({ type: command.type, by, reason: String(command.reason) } as AvailabilityCommand);
    return this.liveStatus();
  }

  /** Who waits, in order, with their place and whether they hold the offer (admins only: names are shown). */
  queueListing(): QueueListing {
    const core = this.room.core();
    return {
      deviceId: this.room.deviceId(),
      handoffUntil: core.offer?.expiresAt ?? 0,
      entries: lineOf(core).map((entry, index) => ({
        position: index + 1, userId: entry.user.userId, name: entry.user.name, since: entry.enqueuedAt,
        sessionType: entry.sessionType ?? null, offered: core.offer?.entry === entry, away: entry.lostAt > 0,
      })),
    };
  }

  /**
   * A pool asks (cluster/poolLink.ts): grant the device to `user` if it is free, else refuse.
   * The core decides it as any `claim` (busy, offered, own line waiting, not ready, drained,
   * offline: refused), so the room stays the only writer of its holder, and it passes the
   * per-user limits as a user's own `claim` does (devices held, daily minutes). The answer waits
   * for the commit, so a user is never told of a grant the store could forget. The user is
   * not in the room yet: their reconnect grace starts now (a grant nobody comes for ends
   * as `owner_lost`).
   */
  async claimIfFree(user: UserRef, request: PoolRequest): Promise<ClaimAnswer> {
    const { room } = this;
    const parsed = ClaimPayload.safeParse(request ?? {});
    if (!parsed.success) return { granted: false, code: ErrorCode.INVALID_MESSAGE, message: renderError(ErrorCode.INVALID_MESSAGE, { reason: "poolClaim" }) };
    if (room.closing()) return closing(room.deviceId());
    const claimant = { userId: String(user?.userId), name: String(user?.name ?? "") };
    const command: Command = { type: "claim", user: claimant, ...parsed.data };
    const applied = await room.applyForUser(command);
    if (!applied) return closing(room.deviceId());
    if ("rejection" in applied || applied.outcome.rejection) {
      const rejection = "rejection" in applied ? applied.rejection : applied.outcome.rejection!;
      return { granted: false, code: rejection.code, message: errorSentence(rejection) };
    }
    const epoch = applied.outcome.state.epoch;
    if (!room.hasUser(claimant.userId)) room.apply({ type: "ownerDisconnected", userId: claimant.userId });
    await room.settled();
    return { granted: true, epoch };
  }
}

/** A pool's claim on a room that is going away: refused as the device being offline (the pool asks the next one). */
function closing(deviceId: string): ClaimAnswer {
  return { granted: false, code: ErrorCode.DEVICE_OFFLINE, message: renderError(ErrorCode.DEVICE_OFFLINE, { reason: "roomClosing", deviceId }) };
}
