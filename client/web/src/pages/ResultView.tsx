/**
 * The holder's result: the `result` this page received, or — after a reload — the output in
 * the holder's part of the room state (`owner`, null for everyone else). Nobody else's page
 * ever has either.
 */
import type { DeviceView, RunResult } from "@baton/client";
import { Link } from "../components/Link.tsx";

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

export function ResultView({ result, view }: { result: RunResult | null; view: DeviceView }) {
  // This page's last result, or — after a reload — the output in the holder's part of the state.
  const output = result?.output ?? view.owner?.output ?? null;
  const runId = result?.runId ?? view.owner?.runId;
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
        <p className="hint">{view.session.phase === "running" ? "The result appears here when the run finishes." : "No result yet in this session."}</p>
      )}
    </section>
  );
}
