/**
 * Starts the real server entry point (`server/src/index.ts`, what `npm start` runs) as a
 * child process, the way an operator runs it: configuration only through the environment,
 * any working directory. The security tests use it for production mode, start-up failures
 * and env-file handling, which an in-process server cannot show — and to read the server's
 * own memory and CPU from /proc, which the in-process test server shares with every test
 * file running in parallel threads.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { hashDeviceSecret } from "@baton/server/auth/deviceSecrets.ts";
import { UserTokens } from "@baton/server/auth/userTokens.ts";
import { freePort } from "./baton.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const entryPoint = path.join(root, "server/src/index.ts");
// Absolute, so the server can be started from any working directory.
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** A production JWT secret for tests (≥ 32 characters, as production requires). */
export const PRODUCTION_JWT_SECRET = "test-production-secret-0123456789abcdef";
export const PRODUCTION_DEVICE = { deviceId: "prod-1", secret: "prod-device-secret" } as const;

/** The secret of an extra device registered by `writeTestRegistry(…, ["dev-a", …])`. */
export function deviceSecret(deviceId: string): string {
  return `secret-of-${deviceId}-0123456789`;
}

const productionTokens = new UserTokens(PRODUCTION_JWT_SECRET);
/** A user JWT the production test servers accept (signed with PRODUCTION_JWT_SECRET). */
export function productionToken(userId: string, roles: string[] = []): Promise<string> {
  return productionTokens.issue({ userId, name: userId, roles });
}

const started: ChildProcess[] = [];

export interface ServerProcess {
  child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string | null>;
  readonly stdout: string;
  readonly stderr: string;
  httpUrl: string;
  port: number;
  pid: number;
  /** Resident memory of the server process, in MB. */
  rssMegabytes(): number;
  /** CPU time the server process has used so far (user + system), in ms. */
  cpuMilliseconds(): number;
  /** Waits until the start-up banner is printed (the server listens). */
  ready(timeoutMs?: number): Promise<void>;
  /** Sends `signal` (SIGTERM by default, SIGKILL for a crash) to this process only and waits for its exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A temporary device registry holding PRODUCTION_DEVICE and `extraDevices` (secrets: `deviceSecret(id)`); returns its path. */
export async function writeTestRegistry(directory?: string, extraDevices: string[] = []): Promise<string> {
  const folder = directory ?? (await mkdtemp(path.join(tmpdir(), "baton-registry-")));
  const file = path.join(folder, "devices.json");
  const devices: { id: string; label: string; secretHash: string }[] = [{ id: PRODUCTION_DEVICE.deviceId, label: "test", secretHash: await hashDeviceSecret(PRODUCTION_DEVICE.secret) }];
  for (const deviceId of extraDevices) devices.push({ id: deviceId, label: deviceId, secretHash: await hashDeviceSecret(deviceSecret(deviceId)) });
  await writeFile(file, JSON.stringify({ devices }));
  return file;
}

/**
 * Spawns the server (its source through tsx, or the built `options.entry`). The child's environment is this process's without any BATON_*,
 * NODE_ENV, DATABASE_URL or NODE_OPTIONS variable, plus `env`: a test states every setting it
 * depends on.
 */
export async function spawnServer(env: Record<string, string>, options: { cwd?: string; entry?: string } = {}): Promise<ServerProcess> {
  const port = env.BATON_PORT ? Number(env.BATON_PORT) : await freePort();
  // A store of its own unless the test names one: test files run side by side, and two
  // servers on the repository's ./data would migrate and write one SQLite file at once.
  if (env.BATON_DATA_DIR === undefined && env.DATABASE_URL === undefined) env = { ...env, BATON_DATA_DIR: await mkdtemp(path.join(tmpdir(), "baton-server-")) };
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("BATON_") && !["NODE_ENV", "DATABASE_URL", "NODE_OPTIONS"].includes(key)));
  // `entry`: a built server (test/support/productionBuild.ts), run by node alone as in production.
  const args = options.entry ? [options.entry] : ["--conditions=@baton/source", "--import", tsxLoader, entryPoint];
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? root,
    // tsx looks for tsconfig.json (decorator settings) in the working directory; name it.
    env: { ...inherited, TSX_TSCONFIG_PATH: path.join(root, "tsconfig.json"), BATON_HOST: "127.0.0.1", BATON_PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | string | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
  return {
    child,
    exited,
    get stdout() { return stdout; },
    get stderr() { return stderr; },
    httpUrl: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    rssMegabytes: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))![1]) / 1024,
    cpuMilliseconds() {
      // utime and stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 a second on Linux).
      const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" ");
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
    async ready(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!/Baton {2}— {2}\w+ mode/.test(stdout)) {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`server did not start (exit ${child.exitCode}):\n${stdout}\n${stderr}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** A production-mode server with a temporary registry (PRODUCTION_DEVICE and `devices`), started and ready. */
export async function spawnProductionServer(env: Record<string, string> = {}, devices: string[] = []): Promise<ServerProcess> {
  const server = await spawnServer({
    BATON_ENV: "production",
    BATON_JWT_SECRET: PRODUCTION_JWT_SECRET,
    BATON_DEVICES_FILE: await writeTestRegistry(undefined, devices),
    ...env,
  });
  await server.ready();
  return server;
}

/** Stops every server this test file started (by their own pids), for `afterAll`. */
export async function stopAllServers(): Promise<void> {
  await Promise.all(started.splice(0).map(async (child) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    // Colyseus shuts rooms down gracefully on SIGTERM; don't let a slow one hold the suite.
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }));
}
