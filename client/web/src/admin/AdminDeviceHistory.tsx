/**
 * Admin: one device's history as a timeline — its sessions, its runs (with every owner's
 * input and output: admins only) and the audit entries about it, newest first
 * (GET /devices/:id/history).
 */
import { describeOutput, type DeviceDetails, type DeviceHistory, type JsonObject } from "@baton/client";
import { useBatonClient } from "@baton/client/react";
import { sentenceOf } from "../auth/identity.ts";
import { Alert } from "../components/Alert.tsx";
import { Link } from "../components/Link.tsx";
import { PageHeading } from "../components/PageHeading.tsx";
import { devicePath } from "../router.ts";
import { duration, endReasonText } from "../words.ts";
import { AdminNav } from "./AdminNav.tsx";
import { FirmwarePanel } from "./FirmwarePanel.tsx";
import { auditText, when } from "./auditWords.ts";
import { usePolled } from "./usePolled.ts";

interface TimelineEvent {
  at: number;
  kind: "session" | "run" | "audit";
  title: string;
  detail: string;
}

/** An output in words, with the titles and units the device declares: "Weight 72.4 kg, Stable yes". */
function outputText(output: JsonObject, outputSchema: JsonObject | null | undefined): string {
  return describeOutput(output, outputSchema).map((line) => `${line.label} ${line.text}`).join(", ");
}

/** `details`: the device's declared session types, to label outputs (absent: outputs with their keys). */
export function timelineOf(history: DeviceHistory, details?: DeviceDetails | null): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  for (const session of history.sessions) {
    events.push({
      at: session.startedAt,
      kind: "session",
      title: `Session ${session.epoch}: ${session.userName} (${session.userId})`,
      detail: session.endedAt === null ? "In progress." : `Ended after ${duration(session.endedAt - session.startedAt)}: ${endReasonText(session.endReason)}.`,
    });
  }
  for (const run of history.runs) {
    const outputSchema = details?.sessionTypes.find((type) => type.name === run.sessionType)?.outputSchema;
    const outcome = run.ok === null ? "in flight" : run.ok ? `done${run.output ? `: ${outputText(run.output, outputSchema)}` : ""}` : `failed: ${run.failureCode ?? ""} ${run.failureMessage ?? ""}`.trim();
    events.push({ at: run.startedAt, kind: "run", title: `Run of ${run.sessionType} by ${run.userId} (session ${run.epoch})`, detail: `Input ${JSON.stringify(run.input)}; ${outcome}.` });
  }
  for (const entry of history.audit) events.push({ at: entry.at, kind: "audit", title: auditText(entry), detail: `By ${entry.actor}.` });
  return events.sort((a, b) => b.at - a.at);
}

export function AdminDeviceHistory({ deviceId }: { deviceId: string }) {
  const client = useBatonClient();
  const history = usePolled((signal) => client.admin.history(deviceId, { limit: 50 }, { signal }), [client, deviceId], 5_000);
  // The declared session types change only when the device says hello again: read them seldom.
  const details = usePolled((signal) => client.deviceInfo(deviceId, { signal }), [client, deviceId], 60_000);
  const events = history.data ? timelineOf(history.data, details.data) : [];
  return (
    <>
      <PageHeading title={`History of ${deviceId}`} />
      <AdminNav />
      <p>
        <Link to={devicePath(deviceId)}>Open the device's page</Link>
      </p>
      <FirmwarePanel deviceId={deviceId} />
      {history.error ? <Alert>The history could not be read. {sentenceOf(history.error)}</Alert> : null}
      {history.data === null && !history.error && <p role="status">Loading the history…</p>}
      {history.data && events.length === 0 && <p>Nothing has happened on this device yet.</p>}
      <ol className="timeline" aria-label={`Timeline of ${deviceId}, newest first`}>
        {events.map((event, index) => (
          <li key={`${event.kind}-${event.at}-${index}`} className={`timeline-${event.kind}`}>
            <p>
              <time dateTime={new Date(event.at).toISOString()}>{when(event.at)}</time> · <span className="timeline-kind">{event.kind === "audit" ? "admin action" : event.kind}</span>
            </p>
            <p>
              <strong>{event.title}</strong>
            </p>
            <p className="hint">{event.detail}</p>
          </li>
        ))}
      </ol>
    </>
  );
}
