/**
 * The buttons and the input form of a device page, by who is looking: a free device can be
 * claimed (to hold it) or claimed and run once; the holder runs, cancels and releases;
 * everyone else learns who holds it and that the page will tell them when it is free.
 */
import { useState } from "react";
import type { DeviceView, QueueView } from "@baton/client";
import { InputForm } from "../form/InputForm.tsx";
import type { DeviceActions } from "../live/useDeviceActions.ts";
import { duration, remaining, type Availability } from "../words.ts";
import { LinePanel, OfferPanel } from "./QueuePanel.tsx";
import { HandOverControls, HandOverOfferPanel } from "./HandOverPanel.tsx";

interface Props {
  view: DeviceView;
  availability: Availability;
  actions: DeviceActions;
  /** The line (null on a server without queues). */
  queue: QueueView | null;
  now: number;
}

export function Controls({ view, availability, actions, queue, now }: Props) {
  const [chosenType, setChosenType] = useState<string | null>(null);
  const types = view.device.sessionTypes;
  const sessionType = types.find((type) => type.name === chosenType) ?? types[0];
  const running = view.session.phase === "running";
  const holderName = view.session.holder?.name ?? "Someone else";

  const typePicker = types.length > 1 && (
    <div className="field">
      <label htmlFor="session-type">What to run</label>
      <select id="session-type" value={sessionType?.name} onChange={(event) => setChosenType(event.target.value)}>
        {types.map((type) => (
          <option key={type.name} value={type.name}>
            {type.name}
          </option>
        ))}
      </select>
    </div>
  );

  if (queue?.mine?.offered) return <OfferPanel queue={queue} actions={actions} now={now} />;
  // Handed the device by its holder (issue 24): take it or leave it, whatever else the page would show.
  if (actions.handOverOffer && actions.handOverOffer.expiresAt > now && availability !== "mine") return <HandOverOfferPanel actions={actions} now={now} />;
  // Free, but offered to the first in line: only they may take it until the window closes.
  const handingOff = availability === "free" && queue !== null && (queue.handoffUntil ?? 0) > now;

  if (availability === "offline") {
    return (
      <section className="card" aria-labelledby="controls-heading">
        <h2 id="controls-heading">Use this device</h2>
        <p>The device is offline, so it cannot be claimed. This page updates by itself when it reconnects.</p>
      </section>
    );
  }
  if (availability === "theirs") {
    return (
      <section className="card" aria-labelledby="controls-heading">
        <h2 id="controls-heading">Use this device</h2>
        <p id="why-not-claim">{holderName} holds this device, so you cannot claim it now. This page shows when it is free again.</p>
        <div className="actions">
          <button type="button" disabled aria-describedby="why-not-claim">
            Claim
          </button>
        </div>
        <LinePanel queue={queue} actions={actions} now={now} />
      </section>
    );
  }
  if (handingOff) {
    return (
      <section className="card" aria-labelledby="controls-heading">
        <h2 id="controls-heading">Use this device</h2>
        <p>The device is being offered to the next person in line for {remaining((queue!.handoffUntil ?? now) - now)}; nobody else can claim it meanwhile.</p>
        <LinePanel queue={queue} actions={actions} now={now} />
      </section>
    );
  }
  if (availability === "free") {
    return (
      <section className="card" aria-labelledby="controls-heading">
        <h2 id="controls-heading">Use this device</h2>
        <p>The device is free. Claim it to run it as often as you like until you release it, or claim and run once: it is released when the result arrives.</p>
        <div className="actions">
          <button type="button" className="primary" onClick={actions.claim} disabled={actions.pending !== null}>
            {actions.pending === "claim" ? "Claiming…" : "Claim"}
          </button>
        </div>
        {sessionType && (
          <>
            <h3>Claim and run once</h3>
            {typePicker}
            <InputForm key={sessionType.name} sessionType={sessionType} submitLabel="Claim and run" disabled={actions.pending !== null} onSubmit={(input) => actions.claimAndRun(sessionType.name, input)} />
          </>
        )}
        {/* Free but kept for a booked slot (docs/BOOKINGS.md): those in line still see their place. */}
        {queue?.mine && <LinePanel queue={queue} actions={actions} now={now} />}
      </section>
    );
  }
  return (
    <section className="card" aria-labelledby="controls-heading">
      <h2 id="controls-heading">Your session</h2>
      {actions.expiring && (
        <div className="alert alert-info" role="alert" data-testid="expiry-warning">
          {/* Our own sentence: the room's message is written for programs ("send `extend` …"). */}
          <p>
            Your session ends in about {duration(actions.expiring.expiresAt - now).replace("less than a minute", "a minute")} (at {new Date(actions.expiring.expiresAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}).{" "}
            {actions.expiring.canExtendMs > 0 ? `You can extend it by up to ${duration(actions.expiring.canExtendMs)}.` : "It cannot be extended further."}
          </p>
          {actions.expiring.canExtendMs > 0 && (
            <button type="button" onClick={actions.extend} disabled={actions.pending !== null}>
              Extend by {duration(actions.expiring.canExtendMs)}
            </button>
          )}
        </div>
      )}
      {queue && queue.length > 0 && <p className="hint">{queue.length === 1 ? "One person is" : `${queue.length} people are`} waiting for this device.</p>}
      {sessionType ? (
        <>
          {typePicker}
          <InputForm
            key={sessionType.name}
            sessionType={sessionType}
            submitLabel="Run"
            disabled={running || actions.pending !== null}
            disabledReason={running ? "A run is in progress. Wait for its result or cancel it." : undefined}
            onSubmit={(input) => actions.run(sessionType.name, input)}
          />
        </>
      ) : (
        <p>The device has not said what it can run yet.</p>
      )}
      <div className="actions">
        {running && (
          <button type="button" onClick={actions.cancel} disabled={actions.pending !== null}>
            Cancel run
          </button>
        )}
        <button type="button" onClick={actions.release} disabled={actions.pending !== null}>
          {actions.pending === "release" ? "Releasing…" : "Release"}
        </button>
      </div>
      <HandOverControls view={view} actions={actions} now={now} />
    </section>
  );
}
