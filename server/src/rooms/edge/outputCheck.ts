/**
 * The soft check of a result against the output schema its session type declared
 * (issue 22 item 4). A result is a measurement that already happened: it is stored and
 * delivered whatever this says — refusing it would lose the weighing and make the device
 * re-send it forever. A mismatch is only flagged, in the server's log, for the operator and
 * the firmware's author (PROTOCOL.md §5, `hello`).
 */
import type { CoreState } from "../../session/index.ts";
import { checkRunOutput } from "./inputValidation.ts";

export interface OutputMismatch {
  sessionType: string;
  problem: string;
}

/**
 * Whether the output of result `runId` breaks its type's declared `outputSchema`; null when it
 * matches, when the type declares none, or when `runId` is not the run in progress — a
 * re-sent duplicate (checked the first time already), or an orphaned or late result, which
 * the core records as such.
 */
export function outputMismatch(core: CoreState, runId: string, output: Record<string, unknown>): OutputMismatch | null {
  const run = core.session?.run;
  if (!run || run.runId !== runId) return null;
  const sessionType = run.sessionType;
  const spec = core.device.sessionTypes.find((declared) => declared.name === sessionType);
  if (!spec?.outputSchema) return null;
  const problem = checkRunOutput(spec, output);
  // The sentence quotes the device's own property names and enum values: it goes to the log
  // bounded and without control characters, so a device cannot forge log lines.
  return problem ? { sessionType, problem: problem.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?").slice(0, 300) } : null;
}
