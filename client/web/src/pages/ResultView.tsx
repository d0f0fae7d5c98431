/**
 * The holder's result: the `result` message this page received, or — after a reload — the
 * output in the holder's part of the room state. Nobody else's page ever has either.
 */
import type { ResultMessage } from "@baton/protocol/messages";
import { Link } from "../components/Link.tsx";
import type { LiveDevice } from "../live/snapshot.ts";

function valueText(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function OutputList({ output }: { output: Record<string, unknown> }) {
  return (
    <dl className="output">
      {Object.entries(output).map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{valueText(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

export function ResultView({ result, live }: { result: ResultMessage | null; live: LiveDevice }) {
  const output = result?.output ?? live.owner.output;
  const runId = result?.runId ?? live.owner.runId;
  return (
    <section className="card" aria-labelledby="result-heading" aria-live="polite">
      <h2 id="result-heading">Your result</h2>
      {output ? (
        <>
          <OutputList output={output} />
          <p className="hint">
            Run {runId}. Only you see this result; it is also kept in <Link to="/history">My sessions</Link>.
          </p>
        </>
      ) : (
        <p className="hint">{live.session.phase === "running" ? "The result appears here when the run finishes." : "No result yet in this session."}</p>
      )}
    </section>
  );
}
