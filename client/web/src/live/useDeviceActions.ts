/**
 * What a person does with one device (claim, run, cancel, release — the SDK's DeviceHandle
 * from `useDevice`; wait in line, accept or decline the hand-off, extend — the SDK's queue API)
 * and what the room told them about it: a refusal's sentence, the result
 * of their run, a failure, the end of their session. Runs are started with `start()` and
 * their outcome comes as the handle's `result` / `runFailed` events, so a result is shown the
 * same way whether it came at once or after a reconnect.
 */
import { useEffect, useState } from "react";
import type { BatonError, DeviceHandle, RunFailure, RunResult } from "@baton/client";
import type { BookingStartingMessage, QueueLeftMessage, SessionEndedMessage, SessionExpiringMessage } from "@baton/protocol/messages";

export type Pending = "claim" | "run" | "cancel" | "release" | "enqueue" | "leave_queue" | "accept" | "decline" | "extend" | null;

export interface DeviceActions {
  /** The last refusal or failure to tell the person about (a BatonError's message is a sentence). */
  notice: BatonError | Error | null;
  result: RunResult | null;
  failure: RunFailure | null;
  ending: SessionEndedMessage | null;
  /** Why this user left the line, when they did not ask to (the offer expired, the device was drained, …). */
  queueLeft: QueueLeftMessage | null;
  /** The holder's warning before the session's maximum length (cleared by extending or releasing). */
  expiring: SessionExpiringMessage | null;
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
  dismissNotice(): void;
}

export function useDeviceActions(device: DeviceHandle | null): DeviceActions {
  const [notice, setNotice] = useState<BatonError | Error | null>(null);
  const [result, setResult] = useState<RunResult | null>(null);
  const [failure, setFailure] = useState<RunFailure | null>(null);
  const [ending, setEnding] = useState<SessionEndedMessage | null>(null);
  const [pending, setPending] = useState<Pending>(null);
  const [queueLeft, setQueueLeft] = useState<QueueLeftMessage | null>(null);
  const [expiring, setExpiring] = useState<SessionExpiringMessage | null>(null);
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
      device.on("error", setNotice),
      device.on("queueLeft", (message) => setQueueLeft(["left", "accepted"].includes(message.reason) ? null : message)),
      device.on("sessionExpiring", setExpiring),
      device.on("bookingStarting", setBookingStarting),
    ];
    return () => stops.forEach((stop) => stop());
  }, [device]);

  function act(name: Exclude<Pending, null>, command: (handle: DeviceHandle) => Promise<unknown>, options: { clearsResult?: boolean } = {}) {
    if (!device || pending) return;
    setNotice(null);
    setEnding(null);
    setQueueLeft(null);
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
    queueLeft,
    expiring,
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
    dismissNotice: () => setNotice(null),
  };
}
