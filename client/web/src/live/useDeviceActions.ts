/**
 * What a person does with one device (claim, run, cancel, release — the SDK's DeviceHandle
 * from `useDevice`; wait in line, accept or decline the hand-off, extend — the SDK's queue API;
 * hand the device over to a named person, or take or refuse it when handed it — issue 24)
 * and what the room told them about it: a refusal's sentence, the result
 * of their run, a failure, the end of their session. Runs are started with `start()` and
 * their outcome comes as the handle's `result` / `runFailed` events, so a result is shown the
 * same way whether it came at once or after a reconnect.
 */
import { useEffect, useState } from "react";
import { isBatonError, type BatonError, type DeviceHandle, type DeviceView, type RunFailure, type RunResult } from "@baton/client";
import type { BookingStartingMessage, HandOverEndedMessage, HandOverOfferedMessage, QueueLeftMessage, SessionEndedMessage, SessionExpiringMessage } from "@baton/protocol/messages";

/**
 * This user's session ended while they were not connected: the connection dropped while they
 * held the device, and the room's state, once back, no longer names them at that epoch.
 * `restarted`: the room had gone away with its server (a restart, a dead process) and the
 * page joined the room re-created from the store — not just a dropped connection.
 */
export interface EndedAway {
  epoch: number;
  restarted: boolean;
}

/**
 * Connection troubles the page's banner already puts in words ("Reconnecting to the
 * server…", "The connection … is closed"): their SDK sentences are for developers.
 */
const CONNECTION_CODES = new Set(["CONNECTION_CLOSED", "NETWORK_ERROR"]);

export type Pending = "claim" | "run" | "cancel" | "release" | "enqueue" | "leave_queue" | "accept" | "decline" | "extend" | "hand_over" | "withdraw_hand_over" | "accept_hand_over" | "decline_hand_over" | null;

export interface DeviceActions {
  /** The last refusal or failure to tell the person about (a BatonError's message is a sentence). */
  notice: BatonError | Error | null;
  result: RunResult | null;
  failure: RunFailure | null;
  ending: SessionEndedMessage | null;
  /** The session ended while the page was away (a server restart, a dropped connection): said even before, or without, its stored end. */
  endedAway: EndedAway | null;
  /** Why this user left the line, when they did not ask to (the offer expired, the device was drained, …). */
  queueLeft: QueueLeftMessage | null;
  /** The holder's warning before the session's maximum length (cleared by extending or releasing). */
  expiring: SessionExpiringMessage | null;
  /** The holder offers this user the device (a named hand-over), until it ends. */
  handOverOffer: HandOverOfferedMessage | null;
  /** Who this holder offered the device to (their own request), while the offer is open. */
  handingOverTo: string | null;
  /** How the last hand-over this user was part of ended, when not by being accepted. */
  handOverEnded: HandOverEndedMessage | null;
  /** A booked slot of the device begins soon (docs/BOOKINGS.md): for the booker, or for this holder, who is released at its start. */
  bookingStarting: BookingStartingMessage | null;
  /** A command waiting for the room's answer (its button cannot be pressed twice). */
  pending: Pending;
  claim(): void;
  claimAndRun(sessionType: string, input: Record<string, unknown>): void;
  run(sessionType: string, input: Record<string, unknown>): void;
  cancel(): void;
  release(): void;
  enqueue(): void;
  leaveQueue(): void;
  accept(): void;
  decline(): void;
  extend(): void;
  handOver(userId: string): void;
  withdrawHandOver(): void;
  acceptHandOver(): void;
  declineHandOver(): void;
  dismissNotice(): void;
}

export function useDeviceActions(device: DeviceHandle | null): DeviceActions {
  const [notice, setNotice] = useState<BatonError | Error | null>(null);
  const [result, setResult] = useState<RunResult | null>(null);
  const [failure, setFailure] = useState<RunFailure | null>(null);
  const [ending, setEnding] = useState<SessionEndedMessage | null>(null);
  const [endedAway, setEndedAway] = useState<EndedAway | null>(null);
  const [pending, setPending] = useState<Pending>(null);
  const [queueLeft, setQueueLeft] = useState<QueueLeftMessage | null>(null);
  const [expiring, setExpiring] = useState<SessionExpiringMessage | null>(null);
  const [handOverOffer, setHandOverOffer] = useState<HandOverOfferedMessage | null>(null);
  const [handingOverTo, setHandingOverTo] = useState<string | null>(null);
  const [handOverEnded, setHandOverEnded] = useState<HandOverEndedMessage | null>(null);
  const [bookingStarting, setBookingStarting] = useState<BookingStartingMessage | null>(null);

  useEffect(() => {
    if (!device) return;
    const stops = [
      device.on("result", (outcome) => {
        setResult(outcome);
        setFailure(null);
      }),
      device.on("runFailed", setFailure),
      device.on("sessionEnded", setEnding),
      device.on("error", (error) => {
        if (!isBatonError(error) || !CONNECTION_CODES.has(error.code)) setNotice(error);
      }),
      device.on("queueLeft", (message) => setQueueLeft(["left", "accepted"].includes(message.reason) ? null : message)),
      device.on("sessionExpiring", setExpiring),
      device.on("handOverOffered", (offered) => {
        setHandOverOffer(offered);
        setHandOverEnded(null);
      }),
      device.on("handOverEnded", (ended) => {
        setHandOverOffer(null);
        setHandingOverTo(null);
        setHandOverEnded(ended.reason === "accepted" ? null : ended);
      }),
      device.on("bookingStarting", setBookingStarting),
    ];
    return () => stops.forEach((stop) => stop());
  }, [device]);

  // Did this user's session survive a drop? The epoch held when the connection went, compared
  // with the first state of the room once the page is back (after a restart: a new room,
  // re-created from the store, whose state is the truth — the old one's is not shown meanwhile).
  useEffect(() => {
    if (!device) return;
    let held: number | null = null;
    let dropped: EndedAway | null = null;
    const look = (view: DeviceView) => {
      if (view.connection !== "open") {
        if (held !== null && !dropped) dropped = { epoch: held, restarted: false };
        return;
      }
      if (!view.synced) return;
      if (dropped) {
        if (!(view.isMine && view.session.epoch === dropped.epoch)) setEndedAway(dropped);
        dropped = null;
      }
      held = view.isMine ? view.session.epoch : null;
    };
    look(device.state);
    const stops = [
      device.on("changed", look),
      device.on("rejoined", () => {
        if (dropped) dropped = { ...dropped, restarted: true };
      }),
    ];
    return () => stops.forEach((stop) => stop());
  }, [device]);

  function act(name: Exclude<Pending, null>, command: (handle: DeviceHandle) => Promise<unknown>, options: { clearsResult?: boolean } = {}) {
    if (!device || pending) return;
    setNotice(null);
    setEnding(null);
    setEndedAway(null);
    setQueueLeft(null);
    setHandOverEnded(null);
    if (options.clearsResult) {
      setResult(null);
      setFailure(null);
    }
    setPending(name);
    command(device).then(
      () => {
        setPending(null);
        // The warning stands until the session really got longer or ended.
        if (name === "extend" || name === "release") setExpiring(null);
      },
      (error: BatonError | Error) => {
        setPending(null);
        setNotice(error);
      },
    );
  }

  return {
    notice,
    result,
    failure,
    ending,
    endedAway,
    queueLeft,
    expiring,
    handOverOffer,
    handingOverTo,
    handOverEnded,
    bookingStarting,
    pending,
    claim: () => act("claim", (handle) => handle.claim()),
    claimAndRun: (sessionType, input) => act("claim", (handle) => handle.claim({ sessionType, input, releaseOnComplete: true }), { clearsResult: true }),
    run: (sessionType, input) => act("run", (handle) => handle.start(sessionType, input), { clearsResult: true }),
    cancel: () => act("cancel", (handle) => handle.cancel()),
    release: () => act("release", (handle) => handle.release()),
    enqueue: () => act("enqueue", (handle) => handle.enqueue()),
    leaveQueue: () => act("leave_queue", (handle) => handle.leaveQueue()),
    accept: () => act("accept", (handle) => handle.accept()),
    decline: () => act("decline", (handle) => handle.decline()),
    extend: () => act("extend", (handle) => handle.extend()),
    handOver: (userId) => act("hand_over", async (handle) => {
      await handle.handOver(userId);
      setHandingOverTo(userId);
    }),
    withdrawHandOver: () => act("withdraw_hand_over", (handle) => handle.withdrawHandOver()),
    acceptHandOver: () => act("accept_hand_over", async (handle) => {
      await handle.acceptHandOver();
      setHandOverOffer(null);
    }),
    declineHandOver: () => act("decline_hand_over", async (handle) => {
      await handle.declineHandOver();
      setHandOverOffer(null);
    }),
    dismissNotice: () => setNotice(null),
  };
}
