/**
 * Child processes of the benchmark: the two servers under test and the load processes.
 * Every child is tracked by pid and ended by pid — on normal exit, on SIGINT/SIGTERM and on
 * a crash of the orchestrator — and a server that does not come up fails the run loudly,
 * with its own output attached.
 */
import { execFileSync, fork, spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const children = new Set<ChildProcess>();
let cleanupInstalled = false;
let interrupted = false;

/** True once SIGINT/SIGTERM arrived: the failures that follow are the shutdown, not news. */
export function wasInterrupted(): boolean {
  return interrupted;
}

/** Ends every child still running: SIGTERM, then SIGKILL for whatever is left after `graceMs`. */
export async function stopAll(graceMs = 3_000) {
  const running = [...children].filter((child) => child.exitCode === null && child.signalCode === null);
  await Promise.all(running.map((child) => stopChild(child, graceMs)));
}

export function stopChild(child: ChildProcess, graceMs = 3_000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
    const timer = setTimeout(() => { child.kill("SIGKILL"); }, graceMs);
    child.once("exit", () => { clearTimeout(timer); resolve(); });
    child.kill("SIGTERM");
  });
}

function installCleanup() {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const killNow = () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.on("exit", killNow);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      interrupted = true;
      console.error(`\nbench: ${signal}, stopping child processes`);
      void stopAll(1_000).finally(() => process.exit(130));
    });
  }
}

function track(child: ChildProcess): ChildProcess {
  installCleanup();
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** A free TCP port on 127.0.0.1 (the OS picks it; closed again before the server binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface ServerProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  baseUrl: string;
  output(): string;
}

/**
 * Starts `node --import tsx <script>` as its own process (no IPC channel: Colyseus would
 * answer on it) and waits until `GET /health` answers 200.
 */
export async function startServer(name: string, script: string, args: string[], env: NodeJS.ProcessEnv, port: number, options: { nodeArgs?: string[]; logFile?: string; timeoutMs?: number; cwd?: string } = {}): Promise<ServerProcess> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const child = track(spawn(process.execPath, [...(options.nodeArgs ?? []), "--conditions=@baton/source", "--import", "tsx", script, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  }));
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_000);
    if (options.logFile) appendFileSync(options.logFile, chunk);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; Date.now() < deadline && attempt < 600; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was ready. Its output:\n${output}`);
    }
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return { name, child, pid: child.pid!, baseUrl, output: () => output };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stopChild(child);
  throw new Error(`${name} did not answer GET ${baseUrl}/health within ${timeoutMs} ms. Its output:\n${output}`);
}

/** A forked load process speaking the IPC protocol of ./ipc.ts. */
export class LoadProcess<Command, Message extends { type: string }> {
  private readonly child: ChildProcess;
  private waiters: Array<{ types: string[]; resolve: (message: Message) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }> = [];
  private listeners: Array<(message: Message) => void> = [];
  private exited: Error | null = null;

  constructor(readonly name: string, script: string, env: Record<string, unknown>) {
    this.child = track(fork(path.join(REPO_ROOT, script), [], {
      cwd: REPO_ROOT,
      execArgv: ["--conditions=@baton/source", "--import", "tsx"],
      env: { ...process.env, BENCH_LOAD: JSON.stringify(env) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }));
    this.child.on("message", (message: Message) => {
      for (const listener of this.listeners) listener(message);
      if (message.type === "failed") return this.failAll(new Error(`${name}: ${(message as unknown as { error: string }).error}`));
      const index = this.waiters.findIndex((waiter) => waiter.types.includes(message.type));
      if (index < 0) return;
      const [waiter] = this.waiters.splice(index, 1);
      clearTimeout(waiter!.timer);
      waiter!.resolve(message);
    });
    this.child.once("exit", (code, signal) => this.failAll(new Error(`${name} exited (${code ?? signal})`)));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  onMessage(listener: (message: Message) => void) {
    this.listeners.push(listener);
  }

  /** Waits for the next message of one of `types`. */
  next<T extends Message["type"]>(types: T[], timeoutMs: number): Promise<Extract<Message, { type: T }>> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter.timer !== timer);
        reject(new Error(`${this.name}: no ${types.join("/")} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push({ types, resolve: resolve as (message: Message) => void, reject, timer });
    });
  }

  send(command: Command) {
    this.child.send(command as object);
  }

  async request<T extends Message["type"]>(command: Command, types: T[], timeoutMs: number): Promise<Extract<Message, { type: T }>> {
    const answer = this.next(types, timeoutMs);
    this.send(command);
    return answer;
  }

  async stop(command: Command) {
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.connected) this.send(command);
    await new Promise<void>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      const timer = setTimeout(() => { void stopChild(this.child, 1_000).then(resolve); }, 3_000);
      this.child.once("exit", () => { clearTimeout(timer); resolve(); });
    });
  }

  private failAll(error: Error) {
    this.exited ??= error;
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }
}

const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system, all threads) a process has used so far, in µs, from /proc/<pid>/stat. */
export function cpuTimeUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

export const CPU_TICK_US = 1_000_000 / CLOCK_TICKS_PER_SECOND;
