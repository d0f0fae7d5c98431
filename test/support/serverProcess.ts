/**
 * A real Baton server as a separate process (`node --import tsx server/src/index.ts`), the
 * way an operator runs it, for tests that must crash it: it is stopped by its own pid,
 * SIGKILL for a crash. Its configuration is only the environment given here (no BATON_*
 * or DATABASE_URL leaks in from the test runner's environment).
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface ServerProcess {
  readonly pid: number;
  readonly httpUrl: string;
  readonly exited: Promise<number | null>;
  /** Sends `signal` to this process only and resolves when it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** stdout + stderr so far, for failure messages. */
  log(): string;
}

const running = new Set<ServerProcess>();

export async function startServerProcess(port: number, env: Record<string, string>, readyTimeoutMs = 20_000): Promise<ServerProcess> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("BATON_") && key !== "DATABASE_URL" && key !== "NODE_OPTIONS"));
  const child = spawn(process.execPath, ["--import", "tsx", "server/src/index.ts"], {
    cwd: repoRoot,
    env: { ...inherited, BATON_HOST: "127.0.0.1", BATON_PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-30_000);
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const httpUrl = `http://127.0.0.1:${port}`;
  const server: ServerProcess = {
    pid: child.pid!,
    httpUrl,
    exited,
    log: () => output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, signal);
      await exited;
      running.delete(server);
    },
  };
  running.add(server);
  const deadline = Date.now() + readyTimeoutMs;
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  while (true) {
    if (exitedEarly) throw new Error(`the Baton server process exited during start-up:\n${output}`);
    try {
      const health = await fetch(`${httpUrl}/health`);
      if (health.ok) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.stop("SIGKILL");
      throw new Error(`the Baton server process did not answer /health within ${readyTimeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGKILLs (by pid) every server process this module started that still runs. */
export async function stopAllServerProcesses(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop("SIGKILL")));
}
