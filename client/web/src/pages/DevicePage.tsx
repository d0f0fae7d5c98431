/**
 * One device, live (`useDevice` from @baton/client/react): who has it and for how long, how
 * far its run has come, and — depending on who is looking — claim, run, cancel and release.
 * The result appears for the holder only (the room never sends it to anyone else); everyone
 * else reads "In use by Ada, running for 3 min".
 */
import { useEffect, useState } from "react";
import { isBatonError, type DeviceDetails, type DeviceView } from "@baton/client";
import { useBatonClient, useDevice } from "@baton/client/react";
import { useIdentity, useSignedIn } from "../auth/IdentityContext.tsx";
import { isSignInProblem, sentenceOf } from "../auth/identity.ts";
import { Alert } from "../components/Alert.tsx";
import { Link } from "../components/Link.tsx";
import { PageHeading } from "../components/PageHeading.tsx";
import { useDeviceActions, type DeviceActions } from "../live/useDeviceActions.ts";
import { useNow } from "../useNow.ts";
import { availabilityOf, duration, percent, sessionEndSentence, statusLine, type Availability, type SessionFacts } from "../words.ts";
import { Controls } from "./Controls.tsx";
import { BookingsPanel } from "./BookingsPanel.tsx";
import { ResultView } from "./ResultView.tsx";
import { TelemetryPanel } from "./TelemetryPanel.tsx";

function factsOf(view: DeviceView): SessionFacts {
  const { session } = view;
  return { online: view.device.online, phase: session.phase, holderId: session.holder?.userId ?? null, holderName: session.holder?.name ?? null, heldSince: session.startedAt, progress: session.progress };
}

const CONNECTION_SENTENCES = {
  connecting: null,
  open: null,
  reconnecting: "Reconnecting to the server… The page catches up by itself.",
  closed: "The connection to this device is closed. Reload the page to watch it again.",
} as const;

export function DevicePage({ deviceId }: { deviceId: string }) {
  const identity = useSignedIn();
  const { signInExpired } = useIdentity();
  const client = useBatonClient();
  const [details, setDetails] = useState<DeviceDetails | null>(null);
  const [missing, setMissing] = useState<string | null>(null);
  const { device, state } = useDevice(deviceId);
  const actions = useDeviceActions(device);
  const now = useNow(1_000);

  useEffect(() => {
    const controller = new AbortController();
    client.deviceInfo(deviceId, { signal: controller.signal }).then(setDetails, (error: unknown) => {
      if (controller.signal.aborted) return;
      if (isSignInProblem(error)) return signInExpired();
      setMissing(isBatonError(error, "UNKNOWN_DEVICE") ? `There is no device called “${deviceId}”.` : sentenceOf(error));
    });
    return () => controller.abort();
  }, [client, deviceId, signInExpired]);

  useEffect(() => {
    if (isSignInProblem(actions.notice)) signInExpired();
  }, [actions.notice, signInExpired]);

  const title = details?.label || deviceId;
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
  const connectionSentence = state ? CONNECTION_SENTENCES[state.connection] : null;
  // Only the room's own state, and only while connected: while the page reconnects (after a
  // server restart, the room is re-created from the store) the last state may name a hold the
  // server has ended meanwhile, so it is not shown as if it were true.
  const live = state?.synced && state.connection === "open" ? state : null;
  const facts = live ? factsOf(live) : null;
  const availability: Availability | null = facts ? availabilityOf(facts, identity.userId) : null;
  // Read on every render: the handle re-renders this page on every change of the room's state.
  const queue = live?.queue ?? null;
  return (
    <>
      <p className="breadcrumb">
        <Link to="/">All devices</Link>
      </p>
      <PageHeading title={title} />
      <p className="device-meta">
        {deviceId}
        {details?.kind ? ` · ${details.kind}` : ""}
        {live?.device.firmware ? ` · firmware ${live.device.firmware}` : ""}
      </p>
      {connectionSentence && <Alert tone={state?.connection === "reconnecting" ? "info" : "error"}>{connectionSentence}</Alert>}
      {!live && (!state || state.connection === "connecting" || (state.connection === "open" && !state.synced)) && <p role="status">Connecting to the device…</p>}
      {live && facts && availability && (
        <>
          <section className="card" aria-labelledby="status-heading">
            <h2 id="status-heading">Status</h2>
            <p className={`badge badge-${availability}`} role="status" data-testid="device-status">
              {statusLine(facts, identity.userId, now)}
            </p>
            {live.session.holderAway && availability === "theirs" && <p className="hint">The holder's connection dropped; the device is kept for them for a short while.</p>}
            {live.session.phase === "running" && (
              <div className="progress-block">
                <label htmlFor="run-progress">
                  {live.session.sessionType ?? "Run"}: {percent(live.session.progress)}
                  {live.session.progressMessage ? ` — ${live.session.progressMessage}` : ""}
                </label>
                <progress id="run-progress" max={1} value={live.session.progress} />
              </div>
            )}
            {live.isMine && live.session.expiresAt && <p className="hint">Your session ends by itself in {duration(live.session.expiresAt - now)} unless you release it sooner.</p>}
            {queue && queue.length > 0 && availability !== "mine" && (
              <p className="hint" data-testid="queue-length">
                {queue.length === 1 ? "One person is" : `${queue.length} people are`} waiting in line.
              </p>
            )}
            {!live.device.online && <p className="hint">The device went offline{live.device.since ? ` ${duration(now - live.device.since)} ago` : ""}. Nothing can start until it is back.</p>}
          </section>
          <TelemetryPanel telemetry={live.telemetry} />
          <Messages actions={actions} />
          <Controls view={live} availability={availability} actions={actions} queue={queue} now={now} />
          {live.isMine || actions.result ? <ResultView result={actions.result} view={live} /> : null}
          <BookingsPanel deviceId={deviceId} actions={actions} isMine={live.isMine} now={now} />
        </>
      )}
      {!live && <Messages actions={actions} />}
    </>
  );
}

/** The end of this user's session, in words: why (from the room's `session_ended`), and whether it happened while the page was away. */
function endingSentence({ ending, endedAway }: DeviceActions): string | null {
  if (endedAway) return sessionEndSentence(ending && ending.epoch === endedAway.epoch ? ending : null, endedAway);
  if (ending && ending.reason !== "released" && ending.reason !== "completed") return sessionEndSentence(ending, null);
  return null;
}

function Messages({ actions }: { actions: DeviceActions }) {
  const ending = endingSentence(actions);
  return (
    <>
      {actions.notice && <Alert onDismiss={actions.dismissNotice}>{sentenceOf(actions.notice)}</Alert>}
      {actions.failure && <Alert>{actions.failure.message ? `The run failed: ${actions.failure.message}` : "The run failed."}</Alert>}
      {ending && (
        <Alert tone="info">
          <span data-testid="session-ended">{ending}</span>
        </Alert>
      )}
      {actions.queueLeft && <Alert tone="info">You are no longer in line: {actions.queueLeft.message}</Alert>}
      {actions.handOverEnded && <Alert tone="info">{actions.handOverEnded.message}</Alert>}
      {actions.bookingStarting && !actions.bookingStarting.yours && actions.bookingStarting.start > Date.now() && (
        <Alert tone="info">
          {actions.bookingStarting.bookerName || "Someone"} booked this device from {new Date(actions.bookingStarting.start).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}: your session ends then.
        </Alert>
      )}
    </>
  );
}
