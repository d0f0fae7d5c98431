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
 * with other rooms' writes of the same turn, ports/transitions.ts) before any message of the
 * transition leaves: a command never carries an epoch the store could forget, and an `ack`
 * never leaves before its result is committed. A transition that writes nothing sends at once.
 */
import { BatonCloseCode, EndReason, RoomToUser, type SessionTypeSpec } from "@baton/protocol";
import type { CoreState, Effect } from "../../session/index.ts";
import { lifecycleEventFor } from "../../events/fromEffects.ts";
import { saveUntilStored, type StoreAttempt } from "../../store/saveUntilStored.ts";
import { AuditAction, isEmptyWrite, type AuditEntry, type HistoryRecord, type NewDeliveredResult, type NewOrphanedResult, type TransitionOutcome, type TransitionWrite } from "../../ports/store.ts";
import type { RoomServices } from "../services.ts";
import { durableKey } from "./durableState.ts";
import { endMessage, handoffOffer, queueLeft, sessionExpiring, sessionExtended } from "./userMessages.ts";

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

type Step = (outcome: TransitionOutcome | null) => void | Promise<void>;

export class EffectRunner {
  private chain: Promise<void> = Promise.resolve();
  /** Transitions waiting for their commit. */
  private committing = 0;
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

  /** Sends a returning user the results they have not acknowledged yet, oldest first (in order with the deliveries). */
  handOverPending(userId: string): void {
    this.enqueue(async () => {
      if (!this.room.alive() || !this.room.hasUser(userId)) return;
      const pending = await this.services.results.pendingFor(this.room.deviceId, userId);
      for (const result of pending) this.room.sendToUser(userId, RoomToUser.RESULT, { runId: result.runId, sessionType: result.sessionType, output: result.output });
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
    const history: HistoryRecord[] = [];
    const audit: AuditEntry[] = [];
    /** What the transition does once its write is committed, in effect order. */
    const steps: Step[] = [];
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
          const index = delivered.length;
          delivered.push({
            // Handed over only when the owner's client acknowledges it (`result_ack`).
            deviceId, runId: effect.runId, epoch: effect.epoch, userId: effect.userId, sessionType: effect.sessionType, output: effect.output, storedAt: at, handedOverAt: null,
          });
          history.push({ kind: "runFinished", deviceId, runId: effect.runId, outcome: { endedAt: at, ok: true, output: effect.output } });
          steps.push((outcome) => this.handOver(effect, outcome!.delivered[index]!.inserted));
          break;
        }
        case "resultAcknowledged":
          steps.push(() => this.acknowledge(effect.userId, effect.runId));
          break;
        case "deliverFailure":
          send(effect.userId, RoomToUser.RUN_FAILED, { runId: effect.runId, sessionType: effect.sessionType, code: effect.code, message: effect.message });
          break;
        case "orphanedResult": {
          // A copy of a result that was delivered long ago (or before a restart): the run id
          // tells, so it is acknowledged without being recorded again, anywhere.
          const found = await this.attempt(`looking up result ${effect.runId}`, () => services.results.findByRunId(deviceId, effect.runId));
          if (!found.stored) return;
          if (found.value) continue;
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
        case "sessionEnded":
          send(effect.holder.userId, RoomToUser.SESSION_ENDED, { deviceId, epoch: effect.epoch, reason: effect.reason, message: endMessage(deviceId, effect) });
          history.push({ kind: "sessionEnded", deviceId, epoch: effect.epoch, endedAt: at, endReason: effect.reason });
          if (effect.reason === EndReason.RELEASED) audit.push({ at, actor: effect.holder.userId, action: AuditAction.RELEASE, deviceId, detail: { epoch: effect.epoch } });
          if (effect.reason === EndReason.KICKED) audit.push({ at, actor: effect.by?.userId ?? "admin", action: AuditAction.KICK, deviceId, detail: { epoch: effect.epoch, holder: effect.holder.userId, reason: effect.note ?? "" } });
          room.historyChanged();
          break;
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
    const write: TransitionWrite = { delivered, orphans, history, audit };
    const stateKey = state ? durableKey(state) : this.persistedKey;
    if (state && stateKey !== this.persistedKey) write.state = state;
    let outcome: TransitionOutcome | null = null;
    if (!isEmptyWrite(write)) {
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
   * Hands a committed result to its owner's connections, if any are here. It stays pending
   * (`handedOverAt` null) until the owner's client acknowledges it with `result_ack`, and
   * is sent again at every join and reconnect until then: a result written into a
   * connection that was dying in that instant is not lost.
   */
  private async handOver(effect: Extract<Effect, { type: "deliverResult" }>, inserted: boolean) {
    if (!this.room.hasUser(effect.userId)) return;
    if (!inserted) {
      // A re-sent copy of a result stored before (e.g. before a restart): only if still unacknowledged.
      const stored = await this.services.results.findByRunId(this.room.deviceId, effect.runId).catch(() => undefined);
      if (!stored || stored.handedOverAt !== null) return;
    }
    this.room.sendToUser(effect.userId, RoomToUser.RESULT, { runId: effect.runId, sessionType: effect.sessionType, output: effect.output });
  }

  /** `result_ack`: the owner's client has the result; it is handed over and not sent again. */
  private async acknowledge(userId: string, runId: string) {
    // Only the result's owner can acknowledge it: another user's ack would keep it from its owner.
    const stored = await this.services.results.findByRunId(this.room.deviceId, runId);
    if (!stored || stored.userId !== userId || stored.handedOverAt !== null) return;
    await this.services.results.markHandedOver(this.room.deviceId, [runId], this.services.clock());
  }

  /** One store operation, retried while the store fails and the room lives. */
  private attempt<T>(what: string, write: () => Promise<T>): Promise<StoreAttempt<T>> {
    return saveUntilStored(write, () => this.room.alive(), (error, attempt) => {
      this.services.logger.error({ err: error }, `device room ${this.room.deviceId}: ${what} failed (attempt ${attempt}); messages to the device wait`);
    });
  }
}
