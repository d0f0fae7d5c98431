/**
 * The device room's effect runner: every effect the core returns (session/types.ts `Effect`)
 * is carried out here, and only here — the session's, the queue's, the lease's, and the
 * hand-over of results (`deliverResult`, and `resultAcknowledged` for `result_ack`). The room
 * hands it each transition's effects with `carryOut`; the runner reaches the room back only
 * through `RoomSide` (sends and the device's socket), never through the room class.
 *
 * Order and durability: effects run in order across commands on one chain. Everything a
 * transition writes — the state (when its durable part changed), a result or an orphan, the
 * history and audit records — is one `TransitionWrite`, committed in one transaction (grouped
 * with other rooms' writes of the same turn, ports/transitions.ts). Which message waits for
 * that commit is docs/DESIGN.md's table "Message ordering against commits": every message of
 * the transition waits — a command never carries an epoch the store could forget, an `ack`
 * never leaves before its result is committed — except the owner's `result`, which leaves
 * while its commit is in flight (the device re-sends it until its `ack`, which waits; the
 * owner deduplicates by run id; test/e2e/restart.e2e.test.ts kills the server in that window).
 * A transition that writes nothing sends at once.
 */
import { BatonCloseCode, EndReason, RoomToUser, type SessionTypeSpec } from "@baton/protocol";
import type { CoreState, Effect } from "../../session/index.ts";
import { lifecycleEventFor } from "../../events/fromEffects.ts";
import { saveUntilStored, type StoreAttempt } from "../../store/saveUntilStored.ts";
import { AuditAction, isEmptyWrite, type AuditEntry, type HistoryRecord, type NewDeliveredResult, type NewOrphanedResult, type TransitionOutcome, type TransitionWrite } from "../../ports/store.ts";
import type { NewStoredOutcome } from "../../ports/results.ts";
import type { RoomServices } from "../services.ts";
import { durableKey } from "./durableState.ts";
import { bookingStarting, endMessage, handOverEnded, handOverOffered, handoffOffer, queueLeft, sessionExpiring, sessionExtended } from "./userMessages.ts";

/** What the runner may do to its room: send, and close the device's socket. */
export interface RoomSide {
  readonly deviceId: string;
  /** The core's state now (lifecycle events name its firmware and holder). */
  current(): CoreState;
  /** Whether this room still holds the device's lease (a room that lost it writes and sends nothing). */
  leaseHeld(): boolean;
  /** False once the room is disposed: store retries stop. */
  alive(): boolean;
  sendToDevice(type: string, payload: unknown): void;
  sendToUser(userId: string, type: string, payload: unknown): void;
  /** Whether any connection of `userId` is in the room. */
  hasUser(userId: string): boolean;
  /** Closes the device's socket (it went silent); the core already counts it offline. */
  dropDevice(code: number, reason: string): void;
  /** The device's history changed (a session or run ended): the queue's ETA samples are stale. */
  historyChanged(): void;
}

/** How many delivered results' owners a room remembers for `result_ack` (more than the core's 64 remembered run ids is not needed). */
const RECENT_OWNERS = 64;

type Step = (outcome: TransitionOutcome | null) => void | Promise<void>;

/**
 * Test only (the restart e2e's crash test): a transition carrying a result waits this long
 * before its commit, so that a SIGKILL lands between the owner's `result` and the commit.
 * Unset (0) everywhere else.
 */
const HOLD_RESULT_COMMIT_MS = Number(process.env.BATON_TEST_HOLD_RESULT_COMMIT_MS) || 0;

export class EffectRunner {
  private chain: Promise<void> = Promise.resolve();
  /** Transitions waiting for their commit. */
  private committing = 0;
  /**
   * The owner of each result this room delivered lately (run id → user id, oldest first, at
   * most `RECENT_OWNERS`): a `result_ack` for one of them needs no look-up before its mark.
   */
  private readonly recentOwners = new Map<string, string>();
  /** `durableKey` of the state last written to the store: unchanged states are not written again. */
  private persistedKey: string;

  constructor(private readonly services: RoomServices, private readonly room: RoomSide, stored: CoreState | undefined) {
    this.persistedKey = stored ? durableKey(stored) : "";
  }

  /** Whether a transition waits for its group commit (the patch lets it go first, once). */
  get waitingForCommit(): boolean {
    return this.committing > 0;
  }

  /** Carries out one transition's effects after those queued before; `state` is the new core state (null when unchanged). */
  carryOut(effects: Effect[], state: CoreState | null): void {
    this.enqueue(() => this.run(effects, state));
  }

  /** Runs `step` in order with the effects (an `ok` after its transition's commit, a pending hand-over). */
  enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(step).catch((error) => {
      this.services.logger.error({ err: error }, `device room ${this.room.deviceId}: effect failed`);
    });
  }

  /** Resolves when everything queued so far has run. */
  settled(): Promise<void> {
    return this.chain;
  }

  /**
   * Sends a returning user the results, failures and session ends they have not acknowledged
   * yet, oldest first (in order with the deliveries).
   */
  handOverPending(userId: string): void {
    this.enqueue(async () => {
      if (!this.room.alive() || !this.room.hasUser(userId)) return;
      const pending = await this.services.results.pendingFor(this.room.deviceId, userId);
      for (const result of pending) this.room.sendToUser(userId, RoomToUser.RESULT, resultMessage(result));
      const outcomes = await this.services.results.pendingOutcomesFor(this.room.deviceId, userId);
      for (const outcome of outcomes) this.room.sendToUser(userId, outcome.kind, outcome.message);
    });
  }

  private async run(effects: Effect[], state: CoreState | null) {
    // A room that may no longer be the device's only room writes nothing and commands nothing.
    if (!this.room.leaseHeld()) return;
    const { services, room } = this;
    const deviceId = room.deviceId;
    const at = services.clock();
    const delivered: NewDeliveredResult[] = [];
    const orphans: NewOrphanedResult[] = [];
    const outcomes: NewStoredOutcome[] = [];
    const history: HistoryRecord[] = [];
    const audit: AuditEntry[] = [];
    /** What the transition does once its write is committed, in effect order. */
    const steps: Step[] = [];
    /** Messages that leave before the commit (DESIGN.md, "Message ordering against commits"): the owner's `result`. */
    const early: (() => void)[] = [];
    const send = (userId: string, type: string, payload: unknown) => steps.push(() => room.sendToUser(userId, type, payload));
    let sessionTypes: SessionTypeSpec[] | null = null;
    // The holder these effects were produced under: a session that ended in this batch
    // (release on completion) is already gone from the core.
    const holderId = effects.find((effect) => effect.type === "sessionEnded")?.holder.userId ?? (state ?? room.current()).session?.holder.userId ?? "";
    for (const effect of effects) {
      switch (effect.type) {
        case "sendToDevice":
          steps.push(() => room.sendToDevice(effect.message, effect.payload));
          break;
        case "deliverResult": {
          delivered.push({
            // Handed over only when the owner's client acknowledges it (`result_ack`).
            deviceId, runId: effect.runId, epoch: effect.epoch, userId: effect.userId, sessionType: effect.sessionType, output: effect.output, storedAt: at, handedOverAt: null,
          });
          history.push({ kind: "runFinished", deviceId, runId: effect.runId, outcome: { endedAt: at, ok: true, output: effect.output } });
          // At least once, before the commit: lost with a crash, it comes again — the device,
          // without its `ack` (which waits), re-sends the result to the restarted room.
          early.push(() => this.handOver(effect));
          steps.push(() => this.remember(effect.runId, effect.userId));
          break;
        }
        case "resultAcknowledged":
          steps.push(() => this.acknowledge(effect.userId, effect.runId));
          break;
        case "deliverFailure": {
          // Stored like a result: the owner who is away gets it at their next join, until acknowledged.
          const message = { runId: effect.runId, sessionType: effect.sessionType, code: effect.code, message: effect.message };
          const failed = effects.find((other): other is Extract<Effect, { type: "runFailed" }> => other.type === "runFailed" && other.runId === effect.runId);
          const epoch = failed?.epoch ?? (state ?? room.current()).epoch;
          outcomes.push({ deviceId, userId: effect.userId, outcomeId: effect.runId, kind: RoomToUser.RUN_FAILED, epoch, message, storedAt: at });
          send(effect.userId, RoomToUser.RUN_FAILED, message);
          break;
        }
        case "orphanedResult": {
          // A copy of a result that was delivered long ago (or before a restart): the run id
          // tells, so it is acknowledged without being recorded again, anywhere.
          const found = await this.attempt(`looking up result ${effect.runId}`, () => services.results.findByRunId(deviceId, effect.runId));
          if (!found.stored) return;
          if (found.value) continue;
          // A result whose epoch names its owner is late, not orphaned: stored as theirs and delivered.
          const late = await this.attempt(`looking up the owner of run ${effect.runId}`, () => lateOwnerOf(services, deviceId, effect));
          if (!late.stored) return;
          if (late.value) {
            const { userId, sessionType, lateReason, history: record } = late.value;
            const index = delivered.length;
            delivered.push({ deviceId, runId: effect.runId, epoch: effect.epoch, userId, sessionType, output: effect.output, storedAt: at, handedOverAt: null, lateReason });
            if (record) history.push(record);
            const deliver = { type: "deliverResult" as const, userId, runId: effect.runId, sessionType, output: effect.output, epoch: effect.epoch };
            steps.push((outcome) => this.handOver(deliver, outcome!.delivered[index]!.inserted, lateReason));
            continue; // not an orphan: no `result.orphaned` event
          }
          orphans.push({ deviceId, runId: effect.runId, epoch: effect.epoch, reason: effect.reason, output: effect.output, storedAt: at });
          break;
        }
        case "disconnectDevice":
          steps.push(() => room.dropDevice(BatonCloseCode.DEVICE_SILENT, effect.reason));
          break;
        case "sessionStarted":
          history.push({ kind: "sessionStarted", record: { deviceId, epoch: effect.epoch, userId: effect.holder.userId, userName: effect.holder.name, startedAt: at } });
          audit.push({ at, actor: effect.holder.userId, action: AuditAction.CLAIM, deviceId, detail: { epoch: effect.epoch } });
          break;
        case "sessionEnded": {
          const message = { deviceId, epoch: effect.epoch, reason: effect.reason, message: endMessage(deviceId, effect) };
          if (STORED_END_REASONS.has(effect.reason)) {
            // Not the owner's own doing: kept for them until acknowledged (`result_ack` naming `ackId`).
            const ackId = sessionEndAckId(effect.epoch);
            const stored = { ...message, ackId };
            outcomes.push({ deviceId, userId: effect.holder.userId, outcomeId: ackId, kind: RoomToUser.SESSION_ENDED, epoch: effect.epoch, message: stored, storedAt: at });
            send(effect.holder.userId, RoomToUser.SESSION_ENDED, stored);
          } else {
            send(effect.holder.userId, RoomToUser.SESSION_ENDED, message);
          }
          history.push({ kind: "sessionEnded", deviceId, epoch: effect.epoch, endedAt: at, endReason: effect.reason });
          if (effect.reason === EndReason.RELEASED) audit.push({ at, actor: effect.holder.userId, action: AuditAction.RELEASE, deviceId, detail: { epoch: effect.epoch } });
          if (effect.reason === EndReason.KICKED) audit.push({ at, actor: effect.by?.userId ?? "admin", action: AuditAction.KICK, deviceId, detail: { epoch: effect.epoch, holder: effect.holder.userId, reason: effect.note ?? "" } });
          room.historyChanged();
          break;
        }
        case "runStarted":
          history.push({ kind: "runStarted", record: { deviceId, runId: effect.runId, epoch: effect.epoch, userId: effect.userId, sessionType: effect.sessionType, input: effect.input, startedAt: at } });
          break;
        case "runFailed":
          history.push({ kind: "runFinished", deviceId, runId: effect.runId, outcome: { endedAt: at, ok: false, failureCode: effect.code, failureMessage: effect.message } });
          break;
        case "runCompleted":
          room.historyChanged();
          break;
        case "epochRaised":
          services.logger.warn(`device room ${deviceId}: the device has seen epoch ${effect.from < effect.to ? effect.to : effect.from} which the store did not have (wiped or restored from an old backup); epoch raised from ${effect.from} to ${effect.to}`);
          audit.push({ at, actor: `device:${deviceId}`, action: AuditAction.RAISE_EPOCH, deviceId, detail: { from: effect.from, to: effect.to } });
          break;
        case "epochAnomaly":
          services.logger.warn(`device room ${deviceId}: anomaly: hello names epoch ${effect.claimed}, more than one hello may raise the stored epoch ${effect.current} (at most to ${effect.allowed}); the epoch stays. If the store really lost that many epochs, check and use \`npm run baton -- device raise-epoch\` (docs/PROTOCOL.md §6)`);
          services.metrics.epochAnomalies.inc();
          break;
        case "deviceOnline":
          if (state) sessionTypes = state.device.sessionTypes;
          break;
        // The queue's effects: messages to waiting users, and the durable availability.
        case "handoffOffered":
          send(effect.user.userId, RoomToUser.OFFER, handoffOffer(deviceId, effect));
          break;
        case "queueLeft":
          send(effect.user.userId, RoomToUser.QUEUE_LEFT, queueLeft(deviceId, effect));
          break;
        case "availabilityChanged": {
          const { status, reason, since, by } = effect.availability;
          audit.push({ at, actor: by || "system", action: AuditAction.AVAILABILITY, deviceId, detail: { status, previous: effect.previous, reason } });
          // A write of its own after the transition's commit (availability lives in its own table).
          steps.push(async () => void (await this.attempt("writing the device's availability", () => services.store.availability.set({ deviceId, status, reason, since, by }))));
          break;
        }
        // The lease's effects: the holder is told on every connection.
        case "sessionExpiring":
          send(effect.holder.userId, RoomToUser.SESSION_EXPIRING, sessionExpiring(deviceId, effect));
          break;
        case "sessionExtended":
          send(effect.holder.userId, RoomToUser.SESSION_EXTENDED, sessionExtended(deviceId, effect));
          break;
        // A hand-over to a named user (session/handover.ts): both are told; the audit log records a completed one.
        case "handoverOffered":
          send(effect.to.userId, RoomToUser.HAND_OVER_OFFERED, handOverOffered(deviceId, effect));
          break;
        case "handoverEnded": {
          const message = handOverEnded(deviceId, effect);
          send(effect.from.userId, RoomToUser.HAND_OVER_ENDED, message);
          send(effect.to.userId, RoomToUser.HAND_OVER_ENDED, message);
          break;
        }
        case "handedOver":
          audit.push({ at, actor: effect.from.userId, action: AuditAction.HANDED_OVER, deviceId, detail: { fromEpoch: effect.fromEpoch, epoch: effect.epoch, from: effect.from.userId, to: effect.to.userId } });
          break;
        // Booked slots (session/bookings/schedule.ts): messages, and the booking's status in the store.
        case "bookingStarting":
          send(effect.booker.userId, RoomToUser.BOOKING_STARTING, bookingStarting(deviceId, effect, true));
          if (effect.holder) send(effect.holder.userId, RoomToUser.BOOKING_STARTING, bookingStarting(deviceId, effect, false));
          break;
        case "bookingCheckedIn":
          steps.push(async () => void (await this.attempt(`recording the check-in of booking ${effect.bookingId}`, () => services.store.bookings.transition(effect.bookingId, ["booked"], "checked_in", at))));
          break;
        case "bookingLapsed":
          steps.push(async () => void (await this.attempt(`recording the missed booking ${effect.bookingId}`, () => services.store.bookings.transition(effect.bookingId, ["booked"], effect.counted ? "no_show" : "cancelled", at))));
          break;
        // Seen through the state (seat, device.ready, status) and lifecycle events only.
        case "deviceOffline":
        case "deviceError":
        case "queueJoined":
        case "handoffWithdrawn":
        case "deviceNotReady":
        case "deviceReadyAgain":
          break;
      }
      const event = lifecycleEventFor(effect, deviceId, at, room.current().device.firmware, holderId);
      if (event) steps.push(() => services.events.emit(event));
    }
    const write: TransitionWrite = { delivered, orphans, outcomes, history, audit };
    const stateKey = state ? durableKey(state) : this.persistedKey;
    if (state && stateKey !== this.persistedKey) write.state = state;
    for (const message of early) message();
    let outcome: TransitionOutcome | null = null;
    if (!isEmptyWrite(write)) {
      if (HOLD_RESULT_COMMIT_MS > 0 && delivered.length > 0) await new Promise((resolve) => setTimeout(resolve, HOLD_RESULT_COMMIT_MS));
      this.committing++;
      const committed = await this.attempt(`committing the transition (epoch ${(state ?? room.current()).epoch})`, () => services.transitions.commit(write)).finally(() => this.committing--);
      if (!committed.stored) return;
      outcome = committed.value;
      this.persistedKey = stateKey;
      const dropped = outcome.orphans.reduce((sum, orphan) => sum + (orphan.dropped ?? 0), 0);
      if (dropped > 0) services.metrics.orphansDropped.inc(dropped);
      // History is for people; a failed record is reported, and never holds up the session.
      for (const error of outcome.recordErrors) services.logger.error({ err: error }, `device room ${deviceId}: writing history failed`);
    }
    for (const step of steps) await step(outcome);
    if (sessionTypes) {
      const types = sessionTypes;
      await services.registry.recordSessionTypes(deviceId, types).catch((error) => services.logger.error({ err: error }, `device room ${deviceId}: writing history failed`));
    }
  }

  /**
   * Hands a result to its owner's connections, if any are here, while its commit is in flight.
   * It stays pending (`handedOverAt` null) until the owner's client acknowledges it with
   * `result_ack` (carried out after the commit, on this chain), and is sent again at every
   * join and reconnect until then: a result written into a connection that was dying in that
   * instant is not lost. The core delivers only the result of the run in flight, committed
   * in one transaction with the state that ends the run; a copy re-sent after that is an
   * `orphanedResult` (acked, never delivered again).
   */
  /**
   * Sends the owner its result. A fresh one leaves before its commit (`early`); a late one after
   * its commit, and a copy stored before (e.g. before a restart) only while still unacknowledged.
   */
  private handOver(effect: Extract<Effect, { type: "deliverResult" }>, inserted = true, lateReason?: string): void | Promise<void> {
    if (!this.room.hasUser(effect.userId)) return;
    const send = () => this.room.sendToUser(effect.userId, RoomToUser.RESULT, resultMessage({ runId: effect.runId, sessionType: effect.sessionType, output: effect.output, lateReason }));
    if (inserted) return send();
    return this.services.results.findByRunId(this.room.deviceId, effect.runId).catch(() => undefined).then((stored) => {
      if (stored && stored.handedOverAt === null) send();
    });
  }

  /** A result of this room is committed: its owner is known without a look-up (`acknowledge`). */
  private remember(runId: string, userId: string) {
    this.recentOwners.set(runId, userId);
    if (this.recentOwners.size > RECENT_OWNERS) this.recentOwners.delete(this.recentOwners.keys().next().value!);
  }

  /** `result_ack`: the owner's client has the result (or failure, or session end); it is handed over and not sent again. */
  private async acknowledge(userId: string, runId: string) {
    const { results, clock } = this.services;
    const deviceId = this.room.deviceId;
    // A failure or a session end with that id, if the user's own (the store checks the owner).
    const outcomes = results.markOutcomesHandedOver(deviceId, userId, [runId], clock());
    // Only the result's owner can acknowledge it: another user's ack would keep it from its owner.
    // A result this room committed lately has its owner here; the mark itself only applies to a
    // row not handed over yet (ports/results.ts), so no look-up is needed for it — and both
    // marks are submitted in the same turn, so a grouping store commits them together.
    const owner = this.recentOwners.get(runId);
    if (owner === userId) {
      await Promise.all([outcomes, results.markHandedOver(deviceId, [runId], clock())]);
      return;
    }
    await outcomes;
    if (owner !== undefined) return;
    const stored = await results.findByRunId(deviceId, runId);
    if (!stored || stored.userId !== userId || stored.handedOverAt !== null) return;
    await results.markHandedOver(deviceId, [runId], clock());
  }

  /** One store operation, retried while the store fails and the room lives. */
  private attempt<T>(what: string, write: () => Promise<T>): Promise<StoreAttempt<T>> {
    return saveUntilStored(write, () => this.room.alive(), (error, attempt) => {
      this.services.logger.error({ err: error }, `device room ${this.room.deviceId}: ${what} failed (attempt ${attempt}); messages to the device wait`);
    });
  }
}

/** The `result` message: a late one says so, and why (docs/PROTOCOL.md §5.2). */
function resultMessage(result: { runId: string; sessionType: string; output: Record<string, unknown>; lateReason?: string }) {
  const { runId, sessionType, output, lateReason } = result;
  return { runId, sessionType, output, ...(lateReason ? { late: true, lateReason } : {}) };
}

/**
 * The owner of a result that arrived after its run had ended (timed out, cancelled, a later
 * epoch), or null when its epoch names nobody (an orphan). The core names the owner when it
 * knows (the current session's last run); otherwise the run's history record does, if it was
 * started at the epoch the result carries. The history keeps how the run ended and gets the
 * output too, so the owner's history shows the measurement.
 */
async function lateOwnerOf(services: RoomServices, deviceId: string, effect: Extract<Effect, { type: "orphanedResult" }>):
  Promise<{ userId: string; sessionType: string; lateReason: string; history: HistoryRecord | null } | null> {
  const run = await services.store.history.findRun(deviceId, effect.runId);
  const userId = effect.owner?.userId ?? (run && run.epoch === effect.epoch ? run.userId : null);
  if (!userId || !run || run.epoch !== effect.epoch || run.userId !== userId) {
    // Without a history record (best effort, it may be missing) the core's word is enough.
    return effect.owner && !run ? { userId: effect.owner.userId, sessionType: effect.owner.sessionType, lateReason: effect.owner.ended || effect.reason, history: null } : null;
  }
  const lateReason = effect.owner?.ended || run.failureCode || effect.reason;
  return { userId, sessionType: run.sessionType, lateReason, history: { kind: "runLateOutput", deviceId, runId: effect.runId, output: effect.output } };
}

/**
 * Session ends the owner did not cause themselves, which they must learn even if they were
 * away: stored until acknowledged (issue 21 item 4). A release, a completed one-shot and the
 * owner's own cancel are not; a one-shot whose run failed is (as is the failure itself).
 */
const STORED_END_REASONS: ReadonlySet<string> = new Set([
  EndReason.OWNER_LOST, EndReason.IDLE_TIMEOUT, EndReason.MAX_DURATION, EndReason.DEVICE_LOST, EndReason.KICKED, EndReason.RUN_FAILED, EndReason.BOOKING,
]);

/** The id a stored session end is acknowledged by (`result_ack { runId: ackId }`). */
export function sessionEndAckId(epoch: number): string {
  return `session-${epoch}`;
}
