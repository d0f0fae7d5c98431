/**
 * A production-mode Baton as its own process, the way an operator runs it: `server/src/index.ts`
 * with BATON_ENV=production, a JWT secret and a device registry file. Tests read its memory
 * and CPU from /proc (the process is alone in its address space, unlike the in-process test
 * server, whose numbers other test files running in parallel threads would blur).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { hashDeviceSecret } from "../../server/src/auth/deviceSecrets.ts";
import { UserTokens } from "../../server/src/auth/userTokens.ts";
import { freePort } from "./baton.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

export interface ServerProcess {
  url: string;
  pid: number;
  /** Each device's id → its secret. */
  secrets: Record<string, string>;
  tokenFor(userId: string, roles?: string[]): Promise<string>;
  /** Resident memory of the server process, in MB. */
  rssMegabytes(): number;
  /** CPU time the server process has used so far (user + system), in ms. */
  cpuMilliseconds(): number;
  output(): string;
  stop(): Promise<void>;
}

export async function spawnProductionServer(options: { devices?: string[]; env?: Record<string, string> } = {}): Promise<ServerProcess> {
  const devices = options.devices ?? ["dev-a", "dev-b"];
  const directory = mkdtempSync(join(tmpdir(), "baton-security-"));
  const secrets: Record<string, string> = {};
  const registry = { devices: [] as { id: string; label: string; secretHash: string }[] };
  for (const deviceId of devices) {
    secrets[deviceId] = `secret-of-${deviceId}-0123456789`;
    registry.devices.push({ id: deviceId, label: deviceId, secretHash: await hashDeviceSecret(secrets[deviceId]) });
  }
  const devicesFile = join(directory, "devices.json");
  writeFileSync(devicesFile, JSON.stringify(registry));
  const jwtSecret = "a-production-jwt-secret-of-at-least-32-chars";
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "server/src/index.ts"], {
    cwd: root,
    env: { ...process.env, BATON_ENV: "production", BATON_HOST: "127.0.0.1", BATON_PORT: String(port), BATON_JWT_SECRET: jwtSecret, BATON_DEVICES_FILE: devicesFile, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const deadline = Date.now() + 30_000;
  while (!/production mode/.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the server did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const tokens = new UserTokens(jwtSecret);
  const pid = child.pid!;
  return {
    url: `http://127.0.0.1:${port}`,
    pid,
    secrets,
    tokenFor: (userId, roles = []) => tokens.issue({ userId, name: userId, roles }),
    rssMegabytes: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024,
    cpuMilliseconds() {
      // Fields 14 and 15 of /proc/<pid>/stat: utime and stime in clock ticks (100 per second on Linux).
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
