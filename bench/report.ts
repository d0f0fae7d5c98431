/**
 * The benchmark's output: one markdown block (printed to stdout, and written between the
 * result markers of docs/BENCHMARKS.md so the hand-written method and caveats around it
 * stay as they are). Each scenario renders its own section (bench/scenarios/*.ts); this file
 * puts the run's header and footer around them.
 */

export interface MachineInfo { nproc: number; cpuModel: string; memoryGiB: number; node: string; kernel: string; loadAverage: string }

export interface ScenarioOutcome {
  id: string;
  title: string;
  markdown: string;
  data: unknown;
  /** Set when the scenario failed: the run goes on with the others and reports the failure. */
  error?: string;
}

export interface BenchResults {
  date: string;
  machine: MachineInfo;
  command: string;
  cpuTickUs: number;
  durationSeconds: number;
  scenarios: ScenarioOutcome[];
}

export const RESULTS_START = "<!-- bench:results:start -->";
export const RESULTS_END = "<!-- bench:results:end -->";

const us = (value: number) => Math.round(value).toLocaleString("en-US");

export function renderReport(results: BenchResults): string {
  const { machine } = results;
  const lines: string[] = [];
  lines.push(`Run of ${results.date} — \`${results.command}\`, ${results.durationSeconds} s.`);
  lines.push(`Machine: ${machine.nproc} CPUs (\`nproc\`), ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.kernel}, Node ${machine.node}; load average before the run ${machine.loadAverage}.`);
  for (const scenario of results.scenarios) {
    lines.push("");
    if (scenario.error) {
      lines.push(`### ${scenario.id} — ${scenario.title}: FAILED`);
      lines.push("");
      lines.push("```");
      lines.push(scenario.error.slice(0, 2_000));
      lines.push("```");
    } else {
      lines.push(scenario.markdown);
    }
  }
  lines.push("");
  lines.push(`CPU time comes from \`/proc/<pid>/stat\` (utime + stime, all threads), whose unit is a clock tick of ${us(results.cpuTickUs)} µs: a per-operation figure is exact to about ±${us(results.cpuTickUs)} µs divided by the number of operations.`);
  return lines.join("\n");
}

/** Replaces the results between the markers; appends them (with markers) when there are none. */
export function updateBenchmarksDoc(current: string, markdown: string): string {
  const block = `${RESULTS_START}\n${markdown}\n${RESULTS_END}`;
  const start = current.indexOf(RESULTS_START);
  const end = current.indexOf(RESULTS_END);
  if (start >= 0 && end > start) return current.slice(0, start) + block + current.slice(end + RESULTS_END.length);
  return `${current.trimEnd()}\n\n## Latest results\n\n${block}\n`;
}
