/**
 * Admin: the sessions in progress on every device, each with force-release (a reason is
 * required: the holder is told it), and the queues — who waits for which device, in order.
 */
import { useEffect, useState } from "react";
import type { DeviceSummary, QueueListing } from "@baton/client";
import { useBatonClient, useDevices } from "@baton/client/react";
import { useIdentity } from "../auth/IdentityContext.tsx";
import { isSignInProblem, sentenceOf } from "../auth/identity.ts";
import { Alert } from "../components/Alert.tsx";
import { Link } from "../components/Link.tsx";
import { PageHeading } from "../components/PageHeading.tsx";
import { adminDevicePath } from "../router.ts";
import { useNow } from "../useNow.ts";
import { duration } from "../words.ts";
import { AdminNav } from "./AdminNav.tsx";
import { usePolled } from "./usePolled.ts";

export function AdminSessions() {
  const client = useBatonClient();
  const { signInExpired } = useIdentity();
  const { devices, error } = useDevices({ intervalMs: 2_000 });
  const now = useNow(2_000);
  useEffect(() => {
    if (isSignInProblem(error)) signInExpired();
  }, [error, signInExpired]);
  const held = devices?.filter((device) => device.status.holder !== null) ?? [];
  const waitedFor = (devices?.filter((device) => device.status.queueLength > 0) ?? []).map((device) => device.deviceId);
  const queues = usePolled<QueueListing[]>((signal) => Promise.all(waitedFor.map((deviceId) => client.admin.queue(deviceId, { signal }))), [client, waitedFor.join(",")], 3_000);

  return (
    <>
      <PageHeading title="Admin: sessions and queues" />
      <AdminNav />
      {error ? <Alert>The device list could not be refreshed. {sentenceOf(error)}</Alert> : null}
      <section aria-labelledby="live-heading">
        <h2 id="live-heading">Sessions in progress</h2>
        {devices === null && !error && <p role="status">Loading…</p>}
        {devices && held.length === 0 && <p>Nobody holds a device now.</p>}
        <ul className="admin-list">
          {held.map((device) => (
            <LiveSession key={device.deviceId} device={device} now={now} />
          ))}
        </ul>
      </section>
      <section aria-labelledby="queues-heading">
        <h2 id="queues-heading">Queues</h2>
        {queues.error ? <Alert>The queues could not be read. {sentenceOf(queues.error)}</Alert> : null}
        {waitedFor.length === 0 && <p>Nobody waits for a device now.</p>}
        <ul className="admin-list">
          {(queues.data ?? []).filter((queue) => queue.entries.length > 0).map((queue) => (
            <li key={queue.deviceId} className="card" data-queue={queue.deviceId}>
              <h3>
                <Link to={adminDevicePath(queue.deviceId)}>{queue.deviceId}</Link>
              </h3>
              <ol>
                {queue.entries.map((entry) => (
                  <li key={entry.userId}>
                    {entry.name} ({entry.userId}), waiting for {duration(Math.max(0, now - entry.since))}
                    {entry.sessionType ? `, for ${entry.sessionType}` : ""}
                    {entry.offered ? " — offered the device now" : ""}
                    {entry.away ? " — away (keeps their place for the reconnect grace)" : ""}
                  </li>
                ))}
              </ol>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

function LiveSession({ device, now }: { device: DeviceSummary; now: number }) {
  const client = useBatonClient();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const { status } = device;
  const reasonId = `release-reason-${device.deviceId}`;
  const forceRelease = async () => {
    setProblem(null);
    setDone(null);
    if (!reason.trim()) return setProblem(`Give a reason to force-release ${device.deviceId}: its holder is told it.`);
    setBusy(true);
    try {
      const answer = await client.admin.forceRelease(device.deviceId, reason.trim());
      setDone(answer.released ? `Released ${answer.holder?.name ?? "the holder"}'s session (epoch ${answer.epoch}).` : "Nobody held it any more: nothing was done.");
      setReason("");
    } catch (error) {
      setProblem(sentenceOf(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="card" data-session={device.deviceId}>
      <h3>
        <Link to={adminDevicePath(device.deviceId)}>{device.label || device.deviceId}</Link>
      </h3>
      <p>
        Held by <strong>{status.holder?.name}</strong> ({status.holder?.userId})
        {status.heldSince !== null ? ` for ${duration(Math.max(0, now - status.heldSince))}` : ""}
        {status.phase === "running" ? `, running ${status.sessionType ?? "a run"}` : ""}, epoch {status.epoch}
        {status.queueLength > 0 ? `; ${status.queueLength} waiting` : ""}
      </p>
      <div className="field">
        <label htmlFor={reasonId}>Reason to force-release {device.deviceId}</label>
        <input id={reasonId} value={reason} onChange={(event) => setReason(event.target.value)} autoComplete="off" />
      </div>
      <div className="actions">
        <button type="button" className="danger" disabled={busy} onClick={forceRelease} aria-label={`Force-release ${device.deviceId}`}>
          Force-release
        </button>
      </div>
      {problem && <Alert onDismiss={() => setProblem(null)}>{problem}</Alert>}
      <p role="status" className="hint">
        {done ?? ""}
      </p>
    </li>
  );
}
