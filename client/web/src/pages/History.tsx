/**
 * The signed-in user's own recent sessions (GET /me/sessions), results (GET /results, a late
 * one marked, labelled with the titles and units its device declares) and failed runs and
 * ended sessions (GET /results/outcomes).
 */
import { useEffect, useState } from "react";
import type { JsonObject, SessionRecord, StoredOutcome, StoredResult } from "@baton/client";
import { useBatonClient } from "@baton/client/react";
import { useIdentity } from "../auth/IdentityContext.tsx";
import { isSignInProblem, sentenceOf } from "../auth/identity.ts";
import { Alert } from "../components/Alert.tsx";
import { Link } from "../components/Link.tsx";
import { PageHeading } from "../components/PageHeading.tsx";
import { devicePath } from "../router.ts";
import { duration, endReasonText } from "../words.ts";
import { OutputList } from "./ResultView.tsx";

const when = (milliseconds: number) => new Date(milliseconds).toLocaleString();

export function History() {
  const client = useBatonClient();
  const { signInExpired } = useIdentity();
  const [sessions, setSessions] = useState<SessionRecord[] | null>(null);
  const [results, setResults] = useState<StoredResult[] | null>(null);
  const [outcomes, setOutcomes] = useState<StoredOutcome[] | null>(null);
  const [outputSchemas, setOutputSchemas] = useState<OutputSchemas>(new Map());
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    const options = { signal: controller.signal };
    Promise.all([client.mySessions({ limit: 20 }, options), client.results({ limit: 20 }, options), client.outcomes({ limit: 20 }, options)]).then(
      ([mine, stored, ended]) => {
        setSessions(mine.sessions);
        setResults(stored.results);
        setOutcomes(ended.outcomes);
        // Labels and units: the output schemas the results' devices declare (a device since
        // deleted, or unreachable, leaves its results with their keys as they are).
        outputSchemasOf(client, stored.results, options).then((schemas) => {
          if (!controller.signal.aborted) setOutputSchemas(schemas);
        });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        if (isSignInProblem(error)) return signInExpired();
        setProblem(`Your history could not be loaded. ${sentenceOf(error)}`);
      },
    );
    return () => controller.abort();
  }, [client, signInExpired]);

  return (
    <>
      <PageHeading title="My sessions and results" />
      {problem && <Alert>{problem}</Alert>}
      {!problem && sessions === null && <p role="status">Loading your history…</p>}
      {sessions && (
        <section aria-labelledby="sessions-heading">
          <h2 id="sessions-heading">Recent sessions</h2>
          {sessions.length === 0 ? (
            <p>You have not held any device yet.</p>
          ) : (
            <ul className="history-list">
              {sessions.map((session) => (
                <li key={`${session.deviceId}-${session.epoch}`} className="card">
                  <p>
                    <Link to={devicePath(session.deviceId)}>{session.deviceId}</Link>, from {when(session.startedAt)}
                    {session.endedAt ? ` for ${duration(session.endedAt - session.startedAt)}` : " — still yours"}
                  </p>
                  {session.endedAt && <p className="hint">Ended: {endReasonText(session.endReason)}.</p>}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      {results && (
        <section aria-labelledby="results-heading">
          <h2 id="results-heading">Recent results</h2>
          {results.length === 0 ? (
            <p>No results yet. Results of your runs appear here, also those that came while you were away.</p>
          ) : (
            <ul className="history-list">
              {results.map((result) => (
                <li key={result.runId} className="card">
                  <h3>
                    {result.sessionType} on {result.deviceId}
                  </h3>
                  <p className="hint">{when(result.storedAt)}</p>
                  {result.late && <p className="hint">Arrived after the run had ended ({lateText(result.lateReason)}); it is still yours.</p>}
                  <OutputList output={result.output} outputSchema={outputSchemas.get(schemaKey(result.deviceId, result.sessionType))} />
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      {outcomes && outcomes.length > 0 && (
        <section aria-labelledby="outcomes-heading">
          <h2 id="outcomes-heading">Failed runs and ended sessions</h2>
          <ul className="history-list">
            {outcomes.map((outcome) => (
              <li key={`${outcome.deviceId}-${outcome.outcomeId}`} className="card">
                <h3>
                  {outcome.kind === "run_failed" ? `A run on ${outcome.deviceId} failed` : `Your session on ${outcome.deviceId} ended`}
                </h3>
                <p className="hint">{when(outcome.storedAt)}</p>
                <p>{typeof outcome.message.message === "string" ? outcome.message.message : ""}</p>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

type OutputSchemas = Map<string, JsonObject>;
const schemaKey = (deviceId: string, sessionType: string) => `${deviceId}\n${sessionType}`;

/** The declared output schemas of the devices `results` came from (GET /devices/:id, once a device). */
async function outputSchemasOf(client: ReturnType<typeof useBatonClient>, results: StoredResult[], options: { signal: AbortSignal }): Promise<OutputSchemas> {
  const schemas: OutputSchemas = new Map();
  const deviceIds = [...new Set(results.map((result) => result.deviceId))];
  const details = await Promise.allSettled(deviceIds.map((deviceId) => client.deviceInfo(deviceId, options)));
  for (const answer of details) {
    if (answer.status !== "fulfilled") continue;
    for (const type of answer.value.sessionTypes) {
      if (type.outputSchema) schemas.set(schemaKey(answer.value.deviceId, type.name), type.outputSchema);
    }
  }
  return schemas;
}

/** Why a result came late, in words. */
function lateText(reason: string | undefined): string {
  if (reason === "RUN_TIMEOUT") return "it had timed out";
  if (reason === "CANCELLED") return "it had been cancelled";
  return "your session had moved on";
}
