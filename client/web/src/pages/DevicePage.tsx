/**
 * One device, live: who has it and for how long, how far its run has come, and — depending on
 * who is looking — claim, run, cancel and release. The result appears for the holder only (the
 * room never sends it to anyone else); everyone else reads "In use by Ada, running for 3 min".
 */
import { useEffect, useState } from "react";
import { apiRequest, ApiError } from "../api/http.ts";
import type { DeviceSummary } from "../api/types.ts";
import { useSignedIn } from "../auth/IdentityContext.tsx";
import { Alert } from "../components/Alert.tsx";
import { Link } from "../components/Link.tsx";
import { PageHeading } from "../components/PageHeading.tsx";
import { InputForm } from "../form/InputForm.tsx";
import { useDeviceRoom, type DeviceRoomView } from "../live/useDeviceRoom.ts";
import type { LiveDevice } from "../live/snapshot.ts";
import { useNow } from "../useNow.ts";
import { availabilityOf, duration, errorSentence, percent, statusLine, type Availability, type SessionFacts } from "../words.ts";
import { ResultView } from "./ResultView.tsx";

function factsOf(live: LiveDevice): SessionFacts {
  const { session } = live;
  const held = session.ownerId !== "";
  return { online: live.online, phase: session.phase, holderId: held ? session.ownerId : null, holderName: held ? session.ownerName : null, heldSince: held ? session.startedAt : null, progress: session.progress };
}

export function DevicePage({ deviceId }: { deviceId: string }) {
  const identity = useSignedIn();
  const [summary, setSummary] = useState<DeviceSummary | null>(null);
  const [missing, setMissing] = useState<string | null>(null);
  const room = useDeviceRoom(deviceId, identity.token);
  const now = useNow(1_000);

  useEffect(() => {
    const controller = new AbortController();
    apiRequest<DeviceSummary>(`/devices/${encodeURIComponent(deviceId)}`, { token: identity.token, signal: controller.signal }).then(setSummary, (error: Error) => {
      if (error.name !== "AbortError") setMissing(error instanceof ApiError && error.status === 404 ? `There is no device called “${deviceId}”.` : error.message);
    });
    return () => controller.abort();
  }, [deviceId, identity.token]);

  const title = summary?.label || deviceId;
  if (missing) {
    return (
      <>
        <PageHeading title={deviceId} />
        <Alert>{missing}</Alert>
        <p>
          <Link to="/">Back to all devices</Link>
        </p>
      </>
    );
  }
  const { live } = room;
  const facts = live ? factsOf(live) : null;
  const availability = facts ? availabilityOf(facts, identity.userId) : null;
  return (
    <>
      <p className="breadcrumb">
        <Link to="/">All devices</Link>
      </p>
      <PageHeading title={title} />
      <p className="device-meta">
        {deviceId}
        {summary?.kind ? ` · ${summary.kind}` : ""}
        {live?.firmware ? ` · firmware ${live.firmware}` : ""}
      </p>
      {room.connection !== "live" && room.connectionSentence && <Alert tone={room.connection === "reconnecting" ? "info" : "error"}>{room.connectionSentence}</Alert>}
      {room.connection === "connecting" && <p role="status">Connecting to the device…</p>}
      {live && facts && availability && (
        <>
          <section className="card" aria-labelledby="status-heading">
            <h2 id="status-heading">Status</h2>
            <p className={`badge badge-${availability}`} role="status" data-testid="device-status">
              {statusLine(facts, identity.userId, now)}
            </p>
            {live.session.ownerAway && availability === "theirs" && <p className="hint">The holder's connection dropped; the device is kept for them for a short while.</p>}
            {live.session.phase === "running" && (
              <div className="progress-block">
                <label htmlFor="run-progress">
                  {live.session.sessionType || "Run"}: {percent(live.session.progress)}
                  {live.session.progressMessage ? ` — ${live.session.progressMessage}` : ""}
                </label>
                <progress id="run-progress" max={1} value={live.session.progress} />
              </div>
            )}
            {availability === "mine" && live.session.expiresAt > 0 && <p className="hint">Your session ends by itself in {duration(live.session.expiresAt - now)} unless you release it sooner.</p>}
            {!live.online && <p className="hint">The device went offline {live.onlineSince ? `${duration(now - live.onlineSince)} ago` : ""}. Nothing can start until it is back.</p>}
          </section>
          <Messages room={room} />
          <Controls room={room} live={live} availability={availability} holderName={facts.holderName} />
          {availability === "mine" || room.result ? <ResultView result={room.result} live={live} /> : null}
        </>
      )}
    </>
  );
}

function Messages({ room }: { room: DeviceRoomView }) {
  return (
    <>
      {room.notice && <Alert onDismiss={room.dismissNotice}>{errorSentence(room.notice)}</Alert>}
      {room.failure && <Alert>The run failed: {errorSentence(room.failure)}</Alert>}
      {room.ending && room.ending.reason !== "released" && room.ending.reason !== "completed" && <Alert tone="info">Your session ended: {errorSentence(room.ending)}</Alert>}
    </>
  );
}

function Controls({ room, live, availability, holderName }: { room: DeviceRoomView; live: LiveDevice; availability: Availability; holderName: string | null }) {
  const [chosenType, setChosenType] = useState<string | null>(null);
  const types = live.sessionTypes;
  const sessionType = types.find((type) => type.name === chosenType) ?? types[0];
  const running = live.session.phase === "running";

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
        <p id="why-not-claim">
          {holderName || "Someone else"} holds this device, so you cannot claim it now. This page shows when it is free again.
        </p>
        <div className="actions">
          <button type="button" disabled aria-describedby="why-not-claim">
            Claim
          </button>
        </div>
      </section>
    );
  }
  if (availability === "free") {
    return (
      <section className="card" aria-labelledby="controls-heading">
        <h2 id="controls-heading">Use this device</h2>
        <p>The device is free. Claim it to run it as often as you like until you release it, or claim and run once: it is released when the result arrives.</p>
        <div className="actions">
          <button type="button" className="primary" onClick={() => room.claim()}>
            Claim
          </button>
        </div>
        {sessionType && (
          <>
            <h3>Claim and run once</h3>
            {typePicker}
            <InputForm key={sessionType.name} sessionType={sessionType} submitLabel="Claim and run" onSubmit={(input) => room.claim({ sessionType: sessionType.name, input, releaseOnComplete: true })} />
          </>
        )}
      </section>
    );
  }
  return (
    <section className="card" aria-labelledby="controls-heading">
      <h2 id="controls-heading">Your session</h2>
      {sessionType ? (
        <>
          {typePicker}
          <InputForm
            key={sessionType.name}
            sessionType={sessionType}
            submitLabel="Run"
            disabled={running}
            disabledReason={running ? "A run is in progress. Wait for its result or cancel it." : undefined}
            onSubmit={(input) => room.run(sessionType.name, input)}
          />
        </>
      ) : (
        <p>The device has not said what it can run yet.</p>
      )}
      <div className="actions">
        {running && (
          <button type="button" onClick={() => room.cancel()}>
            Cancel run
          </button>
        )}
        <button type="button" onClick={() => room.release()}>
          Release
        </button>
      </div>
    </section>
  );
}
