/**
 * The scenario registry's contract. Every scenario of `npm run bench` (S1 round trip, S2
 * fan-out, S3 capacity, …) lives in its own file under bench/scenarios/ and is listed once
 * in bench/run.ts; the orchestrator runs the selected ones in order, prints their sections
 * and writes them into docs/BENCHMARKS.md.
 */
import type { ParseArgsConfig } from "node:util";
import type { ServerProcess } from "../lib/processes.ts";
import type { SystemName } from "../lib/wire.ts";

export type ArgValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface BenchContext {
  /** `--quick`: shorter phases, fewer sizes. */
  quick: boolean;
  /** `--smoke`: the shortest run that still exercises every selected scenario (CI). */
  smoke: boolean;
  /** Every command-line option, including the ones scenarios declare in `options`. */
  args: ArgValues;
  log(message: string): void;
  /**
   * The Baton server and the `ws` relay most scenarios share: started on first use, stopped
   * when the run ends. A scenario that needs servers of its own (other settings, several
   * processes) starts them with `startBaton` / lib/processes.ts and stops them itself.
   */
  servers(): Promise<Record<SystemName, ServerProcess>>;
  /** Starts a Baton process as the bench runs it (development mode, limits opened, fresh store). */
  startBaton(name: string, env?: NodeJS.ProcessEnv): Promise<ServerProcess>;
  /**
   * With `--compare <git ref>`: Baton as of that ref (label `baton@<commit>`), for before/after
   * figures from the same run; null without the option. Scenarios that support it measure it
   * as a third system, interleaved with the other two.
   */
  comparison(): Promise<{ label: string; server: ServerProcess } | null>;
}

export interface ScenarioResult {
  /** The scenario's section of the report: markdown, starting with a `###` heading. */
  markdown: string;
  /** The figures behind it (machine-readable; `--json` writes them out). */
  data: unknown;
}

export interface Scenario {
  /** Short id used by `--only` (e.g. "S1"). */
  id: string;
  title: string;
  /** Command-line options this scenario reads (merged into the orchestrator's parseArgs). */
  options?: ParseArgsConfig["options"];
  /** Usage lines for `--help`. */
  usage?: string[];
  run(context: BenchContext): Promise<ScenarioResult>;
}
