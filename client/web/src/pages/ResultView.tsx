/**
 * The holder's result: the `result` this page received, or — after a reload — the output in
 * the holder's part of the room state (`owner`, null for everyone else). Nobody else's page
 * ever has either. Labelled and with units as the device declared them (`outputSchema`).
 */
import { describeOutput, type DeviceView, type JsonObject, type RunResult } from "@baton/client";
import { Link } from "../components/Link.tsx";

/**
 * An output as a list of labelled values: the titles and units its device declared in the
 * session type's `outputSchema` ("Weight 72.4 kg"); without one, the keys as they are.
 */
export function OutputList({ output, outputSchema }: { output: JsonObject; outputSchema?: JsonObject | null }) {
  return (
    <dl className="output">
      {describeOutput(output, outputSchema).map((line) => (
        <div key={line.key} data-key={line.key}>
          <dt>{line.label}</dt>
          <dd>
            {line.value}
            {line.unit && line.text !== line.value && <span className="unit"> {line.unit}</span>}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** The output schema `view`'s device declared for `sessionType`, if any. */
export function outputSchemaOf(view: DeviceView, sessionType: string | null | undefined): JsonObject | null {
  return view.device.sessionTypes.find((type) => type.name === sessionType)?.outputSchema ?? null;
}

export function ResultView({ result, view }: { result: RunResult | null; view: DeviceView }) {
  // This page's last result, or — after a reload — the output in the holder's part of the state.
  const output = result?.output ?? view.owner?.output ?? null;
  const runId = result?.runId ?? view.owner?.runId;
  const sessionType = result?.sessionType ?? view.owner?.sessionType ?? view.session.sessionType;
  return (
    <section className="card" aria-labelledby="result-heading" aria-live="polite">
      <h2 id="result-heading">Your result</h2>
      {output ? (
        <>
          <OutputList output={output} outputSchema={outputSchemaOf(view, sessionType)} />
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
