/**
 * `npm run bench:start`: how long the built production server takes from its start (the
 * `spawn` of `node dist/server/index.js`) to its first 200 on /readyz. The first run creates a
 * fresh SQLite store (and migrates it); the others restart on it, as an operator's restart or a
 * crash loop does. Needs `npm run build` first. Prints each run and the medians;
 * docs/BENCHMARKS.md ("Start to ready") keeps the figures. The production-start e2e test uses the same function.
 *
 *   npm run bench:start -- [--runs 5] [--build-dir dist]
 *   npm run bench:start -- --source      (for comparison: the TypeScript source through tsx,
 *                                          as `npm start` ran before the build existed)
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface StartMeasurement {
  /** From the spawn of the process to the first 200 from /readyz. */
  readyMs: number;
  /**
   * CPU time (user + system) the server process had used when it was ready: what start-up
   * costs on an idle core, whatever else the machine is doing.
   */
  readyCpuMs: number;
  /** From SIGTERM to the process's exit. */
  stopMs: number;
  exitCode: number | string | null;
  stdout: string;
  stderr: string;
}

/** utime + stime of a process (fields 14 and 15 of /proc/<pid>/stat, 100 ticks a second), in ms. */
function cpuMilliseconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    }).on("error", reject);
  });
}

/**
 * Starts `command` (default: `node <entry>`) in production mode on a fresh data directory,
 * polls /readyz every 5 ms until it answers 200, then stops it with SIGTERM.
 */
export async function measureStartToReady(entry: string, options: { env?: Record<string, string>; timeoutMs?: number; command?: string[]; dataDir?: string } = {}): Promise<StartMeasurement> {
  const port = await freePort();
  // A data directory of the caller's: a restart on an existing store (kept afterwards).
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), "baton-start-"));
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("BATON_") && !["NODE_ENV", "DATABASE_URL", "NODE_OPTIONS", "REDIS_URL"].includes(key)));
  const [file, ...args] = options.command ?? [process.execPath, entry];
  const startedAt = performance.now();
  const child = spawn(file, args, {
    cwd: dataDir,
    env: {
      ...inherited,
      BATON_ENV: "production",
      BATON_JWT_SECRET: "start-measurement-secret-0123456789abcdef",
      BATON_HOST: "127.0.0.1",
      BATON_PORT: String(port),
      BATON_DATA_DIR: dataDir,
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | string | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
  try {
    const deadline = startedAt + (options.timeoutMs ?? 30_000);
    let readyMs: number | undefined;
    let readyCpuMs = 0;
    while (readyMs === undefined) {
      if (child.exitCode !== null || performance.now() > deadline) {
        throw new Error(`the server was not ready (exit ${child.exitCode}):\n${stdout}\n${stderr}`);
      }
      try {
        const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1_000) });
        if (response.status === 200) {
          readyMs = performance.now() - startedAt;
          readyCpuMs = cpuMilliseconds(child.pid!);
        }
        await response.body?.cancel();
      } catch {
        // not listening yet
      }
      if (readyMs === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const stoppingAt = performance.now();
    child.kill("SIGTERM");
    const exitCode = await exited;
    return { readyMs, readyCpuMs, stopMs: performance.now() - stoppingAt, exitCode, stdout, stderr };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log("usage: npm run bench:start -- [--runs N] [--build-dir DIR] [--source]\n\nStarts the built server (DIR/server/index.js, default dist) on a fresh store, then restarts it N times (default 5) and prints start-to-/readyz;\n--source starts the TypeScript source through tsx instead, for comparison.");
    return;
  }
  const option = (name: string, fallback: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
  const root = fileURLToPath(new URL("..", import.meta.url));
  const entry = path.join(path.resolve(root, option("--build-dir", "dist")), "server", "index.js");
  const source = argv.includes("--source");
  const command = source
    ? [process.execPath, "--conditions=@baton/source", "--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href, path.join(root, "server/src/index.ts")]
    : undefined;
  if (!source && !existsSync(entry)) {
    console.error(`bench:start: ${entry} is missing; run \`npm run build\` first.`);
    process.exit(1);
  }
  const runs = Number(option("--runs", "5"));
  const figures: number[] = [];
  const cpu: number[] = [];
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "baton-start-"));
  for (let run = 0; run <= runs; run++) {
    const measured = await measureStartToReady(entry, { command, dataDir, env: source ? { TSX_TSCONFIG_PATH: path.join(root, "tsconfig.json") } : {} });
    if (run === 0) {
      console.log(`first start (creates and migrates the store): ready in ${measured.readyMs.toFixed(0)} ms (${measured.readyCpuMs} ms of CPU)`);
      continue;
    }
    figures.push(measured.readyMs);
    cpu.push(measured.readyCpuMs);
    console.log(`restart ${run}: ready in ${measured.readyMs.toFixed(0)} ms (${measured.readyCpuMs} ms of CPU), stopped in ${measured.stopMs.toFixed(0)} ms (exit ${measured.exitCode})`);
  }
  const summary = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return `median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms (min ${sorted[0].toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)})`;
  };
  rmSync(dataDir, { recursive: true, force: true });
  console.log(`${source ? "the TypeScript source through tsx" : `the build (${entry})`}: restart to ready over ${runs} runs (node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}): wall ${summary(figures)}; CPU used by then ${summary(cpu)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
