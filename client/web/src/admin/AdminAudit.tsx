/** Admin: the audit log, newest first, filtered by device (on the server), action and actor. */
import { useState } from "react";
import type { AuditLogPage } from "@baton/client";
import { useBatonClient, useDevices } from "@baton/client/react";
import { sentenceOf } from "../auth/identity.ts";
import { Alert } from "../components/Alert.tsx";
import { Link } from "../components/Link.tsx";
import { PageHeading } from "../components/PageHeading.tsx";
import { adminDevicePath } from "../router.ts";
import { AdminNav } from "./AdminNav.tsx";
import { AUDIT_ACTIONS, auditText, when } from "./auditWords.ts";
import { usePolled } from "./usePolled.ts";

const LIMIT = 200;

export function AdminAudit() {
  const client = useBatonClient();
  const { devices } = useDevices({ intervalMs: 10_000 });
  const [deviceId, setDeviceId] = useState("");
  const [action, setAction] = useState("");
  const [actor, setActor] = useState("");
  const log = usePolled<AuditLogPage>((signal) => client.admin.audit({ deviceId: deviceId || undefined, limit: LIMIT }, { signal }), [client, deviceId], 5_000);
  const entries = (log.data?.entries ?? []).filter((entry) => (!action || entry.action === action) && (!actor.trim() || entry.actor.toLowerCase().includes(actor.trim().toLowerCase())));

  return (
    <>
      <PageHeading title="Admin: audit log" />
      <AdminNav />
      <form className="card filters" aria-label="Filter the audit log" onSubmit={(event) => event.preventDefault()}>
        <div className="field">
          <label htmlFor="audit-device">Device</label>
          <select id="audit-device" value={deviceId} onChange={(event) => setDeviceId(event.target.value)}>
            <option value="">All devices</option>
            {(devices ?? []).map((device) => (
              <option key={device.deviceId} value={device.deviceId}>
                {device.deviceId}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-action">Action</label>
          <select id="audit-action" value={action} onChange={(event) => setAction(event.target.value)}>
            <option value="">All actions</option>
            {AUDIT_ACTIONS.map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-actor">Actor</label>
          <input id="audit-actor" value={actor} onChange={(event) => setActor(event.target.value)} autoComplete="off" aria-describedby="audit-actor-hint" />
          <p className="hint" id="audit-actor-hint">
            A user id, <code>cli:…</code> or <code>system</code>; part of one is enough.
          </p>
        </div>
      </form>
      {log.error ? <Alert>The audit log could not be read. {sentenceOf(log.error)}</Alert> : null}
      {log.data === null && !log.error && <p role="status">Loading the audit log…</p>}
      {log.data && (
        <p className="hint" role="status">
          {entries.length === 0 ? "No entry matches." : `${entries.length} ${entries.length === 1 ? "entry" : "entries"}, newest first${log.data.entries.length === LIMIT ? ` (of the last ${LIMIT})` : ""}.`}
        </p>
      )}
      <ol className="audit-list" aria-label="Audit entries">
        {entries.map((entry, index) => (
          <li key={`${entry.at}-${index}`} className="card" data-action={entry.action}>
            <p>
              <strong>{auditText(entry)}</strong> on <Link to={adminDevicePath(entry.deviceId)}>{entry.deviceId}</Link>
            </p>
            <p className="hint">
              by {entry.actor}, <time dateTime={new Date(entry.at).toISOString()}>{when(entry.at)}</time>
            </p>
          </li>
        ))}
      </ol>
    </>
  );
}
