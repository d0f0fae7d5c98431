/**
 * A child process's combined stdout and stderr, kept as it arrives, with a wait for a line
 * matching a pattern — what the tests that start the server, the simulator or an example as
 * a user would watch for ("development mode", "welcome").
 */
import type { ChildProcess } from "node:child_process";

export interface WatchedChild {
  child: ChildProcess;
  exited: Promise<number | null>;
  readonly output: string;
  /** Resolves once the output matches `pattern`; throws with the output if the child exits or time runs out first. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

export function watchOutput(child: ChildProcess, options: { label?: string; defaultTimeoutMs?: number } = {}): WatchedChild {
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const where = options.label ? `the output of ${options.label}` : "output";
  return {
    child,
    exited: new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code))),
    get output() { return output; },
    async waitForOutput(pattern: RegExp, timeoutMs = options.defaultTimeoutMs ?? 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${pattern} in ${where}:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}
