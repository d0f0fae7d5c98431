/**
 * Passing the baton to a named person (issue 24, docs/PROTOCOL.md "Hand-over to a named
 * user"), from both sides: the holder's "Hand over to…" — someone watching now, or a user id
 * typed in — and, while
 * the offer is open, who it waits for and a way to take it back; the named person's banner,
 * with Accept and Decline and a countdown. The holder keeps the device until it is accepted,
 * and it changes hands only between runs.
 */
import { useId, useState } from "react";
import type { DeviceView } from "@baton/client";
import type { DeviceActions } from "../live/useDeviceActions.ts";

const secondsUntil = (at: number, now: number) => Math.max(0, Math.ceil((at - now) / 1000));

/** The holder's part: offer the device to someone, or see and withdraw the open offer. */
export function HandOverControls({ view, actions, now }: { view: DeviceView; actions: DeviceActions; now: number }) {
  const [recipient, setRecipient] = useState("");
  const fieldId = useId();
  const hintId = useId();
  const pickId = useId();
  const watching = view.owner?.viewers ?? [];
  const until = view.session.handoverUntil;
  const named = watching.find((viewer) => viewer.userId === actions.handingOverTo)?.name ?? actions.handingOverTo;
  if (until !== null && until > now) {
    return (
      <div className="handover" data-testid="handover-pending">
        <h3>Hand over to…</h3>
        <p role="status">
          Waiting for {named ?? "the person you named"} to accept ({secondsUntil(until, now)} s left). You keep the device until they do
          {view.session.phase === "running" ? "; it changes hands once your run has finished." : "."}
        </p>
        <div className="actions">
          <button type="button" onClick={actions.withdrawHandOver} disabled={actions.pending !== null}>
            Withdraw the hand-over
          </button>
        </div>
      </div>
    );
  }
  const trimmed = recipient.trim();
  return (
    <form
      className="handover"
      onSubmit={(event) => {
        event.preventDefault();
        if (trimmed) actions.handOver(trimmed);
      }}
    >
      <h3>Hand over to…</h3>
      {watching.length > 0 && (
        <div className="field">
          <label htmlFor={pickId}>Someone watching now</label>
          <select id={pickId} value={watching.some((viewer) => viewer.userId === trimmed) ? trimmed : ""} onChange={(event) => setRecipient(event.target.value)}>
            <option value="">Choose a person…</option>
            {watching.map((viewer) => (
              <option key={viewer.userId} value={viewer.userId}>
                {viewer.name === viewer.userId ? viewer.userId : `${viewer.name} (${viewer.userId})`}
              </option>
            ))}
          </select>
        </div>
      )}
      <div className="field">
        <label htmlFor={fieldId}>{watching.length > 0 ? "Or their user id" : "Their user id"}</label>
        <input id={fieldId} value={recipient} onChange={(event) => setRecipient(event.target.value)} maxLength={128} autoComplete="off" spellCheck={false} aria-describedby={hintId} />
        <p className="hint" id={hintId}>
          They are offered the device and have a short while to accept; it does not go back to the line. Their own limits apply.
        </p>
      </div>
      <div className="actions">
        <button type="submit" disabled={!trimmed || actions.pending !== null}>
          {actions.pending === "hand_over" ? "Offering…" : "Hand over"}
        </button>
      </div>
    </form>
  );
}

/** The named person's banner: shown whatever the device's state, while the offer is open. */
export function HandOverOfferPanel({ actions, now }: { actions: DeviceActions; now: number }) {
  const offer = actions.handOverOffer;
  if (!offer) return null;
  const from = offer.from.name || offer.from.userId;
  return (
    <section className="card offer" aria-labelledby="handover-offer-heading">
      <h2 id="handover-offer-heading">{from} is handing this device to you</h2>
      <p role="alert">Accept within {secondsUntil(offer.expiresAt, now)} s to take it over; your own session starts then. Decline to leave it with {from}.</p>
      <div className="actions">
        <button type="button" className="primary" onClick={actions.acceptHandOver} disabled={actions.pending !== null}>
          Accept
        </button>
        <button type="button" onClick={actions.declineHandOver} disabled={actions.pending !== null}>
          Decline
        </button>
      </div>
    </section>
  );
}
