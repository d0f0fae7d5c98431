/**
 * The last step of the edge for a user's command: through the per-user limits
 * (fairUseGate.ts), one user command after the other, so a claim that waits for the ledger
 * is not overtaken by the run sent right after it. Also builds a device room's gate from the
 * process's services.
 */
import type { Command, CoreState, Outcome, Rejection } from "../../session/index.ts";
import type { RoomServices } from "../services.ts";
import type { Logger } from "../../observability/logger.ts";
import { usedTodayOnKind } from "./dailyUsage.ts";
import { FairUseGate } from "./fairUseGate.ts";

/** A command carried out (with the state before it), refused, or null when the room went away first (or the command failed). */
export type Applied = { before: CoreState; outcome: Outcome } | { rejection: Rejection } | null;

/** What the admission needs of its room. */
export interface AdmittingRoom {
  readonly deviceId: string;
  core(): CoreState;
  /** The room's own synchronous transition (the core, projection and effects). */
  apply(command: Command): Outcome;
  closed(): boolean;
  logger: Pick<Logger, "error">;
}

export class UserAdmission {
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly gate: FairUseGate, private readonly room: AdmittingRoom) {}

  /** Applies a user's command through the limits, after the user commands before it. */
  admit(command: Command): Promise<Applied> {
    const room = this.room;
    const applied = this.queue.then(async (): Promise<Applied> => {
      if (room.closed()) return null;
      let before = room.core();
      const admission = await this.gate.admit(command, () => room.core(), (next) => {
        before = room.core();
        return room.apply(next);
      });
      if ("rejection" in admission) return { rejection: admission.rejection };
      if (admission.outcome.rejection) return { rejection: admission.outcome.rejection };
      return { before, outcome: admission.outcome };
    }).catch((error) => {
      room.logger.error({ err: error }, `device room ${room.deviceId}: a user command failed`);
      return null;
    });
    this.queue = applied.then(() => undefined);
    return applied;
  }
}

/** A device room's gate: the cluster's ledger, the configured limits, and today's use on this device's kind. */
export function fairUseGateFor(services: RoomServices, deviceId: string): FairUseGate {
  /** The registry's kind of this device (the daily quota counts per kind), read once. */
  let deviceKind: Promise<string> | null = null;
  return new FairUseGate({
    deviceId,
    ledger: services.cluster.userQuotas,
    limits: services.config.fairUse,
    ttlMs: services.config.cluster.roomLockTtlMs,
    clock: services.clock,
    usedToday: async (userId) => {
      deviceKind ??= services.registry.find(deviceId).then((device) => device?.kind ?? "");
      const kind = await deviceKind;
      return { kind, usedMs: await usedTodayOnKind(services.history, services.registry, userId, kind, services.clock()) };
    },
    warn: (message, error) => services.logger.warn({ err: error }, message),
  });
}
