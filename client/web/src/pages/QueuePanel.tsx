/**
 * The line for a device, from one person's side (docs/PROTOCOL.md §12): join it while someone
 * else holds the device, see your position and when you may expect to start, and — when it is
 * your turn — accept or decline the device within the hand-off window, with a countdown.
 */
import type { DeviceActions } from "../live/useDeviceActions.ts";
import type { QueueView } from "@baton/client";
import { duration } from "../words.ts";

const clock = (milliseconds: number) => new Date(milliseconds).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

export function expectedStart(etaAt: number, now: number): string {
  if (etaAt <= 0) return "Nobody can say yet when it will be free.";
  if (etaAt <= now) return "You may get it any moment now.";
  return `Expected to be your turn in about ${duration(etaAt - now).replace("less than a minute", "a minute")} (around ${clock(etaAt)}).`;
}

/** "It is your turn": shown whatever the device's state, while this user holds the offer. */
export function OfferPanel({ queue, actions, now }: { queue: QueueView; actions: DeviceActions; now: number }) {
  const seconds = Math.max(0, Math.ceil(((queue.mine?.offerExpiresAt ?? 0) - now) / 1000));
  return (
    <section className="card offer" aria-labelledby="offer-heading">
      <h2 id="offer-heading">It is your turn</h2>
      <p role="alert">The device is yours if you accept within {seconds} s; after that it goes to the next in line.</p>
      <div className="actions">
        <button type="button" className="primary" onClick={actions.accept} disabled={actions.pending !== null}>
          Accept
        </button>
        <button type="button" onClick={actions.decline} disabled={actions.pending !== null}>
          Decline
        </button>
      </div>
    </section>
  );
}

/** Join the line, or see your place in it. */
export function LinePanel({ queue, actions, now }: { queue: QueueView | null; actions: DeviceActions; now: number }) {
  if (!queue) return null;
  const seat = queue.mine;
  if (seat) {
    return (
      <div className="line" data-testid="my-place">
        <p>
          <strong>You are number {seat.position} in line.</strong> {expectedStart(seat.etaAt ?? 0, now)} This page tells you when it is your turn.
        </p>
        <div className="actions">
          <button type="button" onClick={actions.leaveQueue} disabled={actions.pending !== null}>
            Leave the line
          </button>
        </div>
      </div>
    );
  }
  const waiting = queue.length === 0 ? "Nobody is waiting yet." : queue.length === 1 ? "One person is waiting." : `${queue.length} people are waiting.`;
  return (
    <div className="line">
      <p>{waiting} Wait in line and the device is offered to you when it is your turn.</p>
      <div className="actions">
        <button type="button" className="primary" onClick={actions.enqueue} disabled={actions.pending !== null}>
          Wait in line
        </button>
      </div>
    </div>
  );
}
