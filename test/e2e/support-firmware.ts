/**
 * Drives the C virtual device (`firmware/build-host/baton-vdevice`, built by
 * scripts/firmware-test.sh) from end-to-end tests: spawn it against a loopback server, read
 * its `EVENT <name>[ <runId>[ <value>]]` lines from stdout to synchronise, and stop it by its
 * own pid — SIGTERM for a clean leave, SIGKILL for a crash.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const VDEVICE_BINARY = path.join(process.env.BATON_FIRMWARE_BUILD_DIR ?? path.join(repoRoot, "firmware", "build-host"), "baton-vdevice");

/** Fails (never skips) when the firmware was not built: the e2e test is part of the suite. */
export function requireVdeviceBinary(): string {
  if (!existsSync(VDEVICE_BINARY)) {
    throw new Error(`${VDEVICE_BINARY} is missing: build the firmware first with \`bash scripts/firmware-test.sh\` (it needs cmake, libwebsockets-dev, libcurl4-openssl-dev, libcmocka-dev, libmsgpack-dev).`);
  }
  return VDEVICE_BINARY;
}

export interface VdeviceEvent {
  name: string;
  runId?: string;
  /** A third field, e.g. the progress of `progress <runId> <0..1>`. */
  value?: string;
  at: number;
}

export interface VdeviceOptions {
  url: string;
  deviceId: string;
  secret: string;
  instrument: "scale" | "printer" | "lab";
  stateFile: string;
  speed?: number;
  extraArgs?: string[];
}

export interface Vdevice {
  readonly pid: number;
  /** Every EVENT line so far, in order. */
  readonly events: VdeviceEvent[];
  /** Resolves with the first event (already seen or to come) that matches; rejects after `timeoutMs`. */
  waitForEvent(match: (event: VdeviceEvent) => boolean, timeoutMs?: number, what?: string): Promise<VdeviceEvent>;
  count(name: string, runId?: string): number;
  /** Sends `signal` to this process only, and resolves when it has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  readonly exited: Promise<number | null>;
  /** The human log (stderr), for failure messages. */
  log(): string;
}

const running = new Set<Vdevice>();

export function startVdevice(options: VdeviceOptions): Vdevice {
  const url = new URL(options.url);
  if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") throw new Error(`the vdevice is only pointed at loopback, not ${options.url}`);
  const args = [
    "--url", options.url,
    "--device-id", options.deviceId,
    "--secret", options.secret,
    "--instrument", options.instrument,
    "--state-file", options.stateFile,
    "--speed", String(options.speed ?? 1),
    "--max-delay-ms", "500",
    "--max-attempts", "0",
    ...(options.extraArgs ?? []),
  ];
  const child: ChildProcess = spawn(requireVdeviceBinary(), args, { stdio: ["ignore", "pipe", "pipe"] });
  const events: VdeviceEvent[] = [];
  const listeners = new Set<() => void>();
  let stderr = "";
  let pending = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      const match = /^EVENT (\S+)(?: (\S+))?(?: (\S+))?$/.exec(line);
      if (match) events.push({ name: match[1], runId: match[2], value: match[3], at: Date.now() });
    }
    for (const listener of [...listeners]) listener();
  });
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    child.once("exit", (code) => resolve(code));
  });
  const device: Vdevice = {
    pid: child.pid!,
    events,
    exited,
    log: () => stderr,
    count: (name, runId) => events.filter((event) => event.name === name && (runId === undefined || event.runId === runId)).length,
    waitForEvent(match, timeoutMs = 10_000, what = match.toString()) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (!found) return false;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`vdevice ${options.deviceId}: no event ${what} within ${timeoutMs} ms; events: ${events.map((e) => [e.name, e.runId].filter(Boolean).join(" ")).join(", ")}\n--- log ---\n${stderr.slice(-3000)}`));
        }, timeoutMs);
        if (!check()) listeners.add(check);
      });
    },
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, signal);
      const code = await exited;
      running.delete(device);
      return code;
    },
  };
  running.add(device);
  void exited.then(() => running.delete(device));
  return device;
}

/** Kills (SIGKILL, by pid) every vdevice this module started that is still running. */
export async function stopAllVdevices(): Promise<void> {
  await Promise.all([...running].map((device) => device.stop("SIGKILL")));
}

/** A fresh temporary directory for a vdevice's --state-file; `remove()` deletes it. */
/**
 * Runs and empties `cleanups`, newest first, then stops every virtual device. Each step is
 * bounded: leaving a room whose server is already gone may never settle.
 */
export async function runCleanups(cleanups: (() => unknown)[]): Promise<void> {
  await stopAllVdevices();
  for (const cleanup of cleanups.splice(0).reverse()) {
    await Promise.race([Promise.resolve().then(cleanup).catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2_000))]);
  }
}

export function tempStateDir(): { file: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "baton-vdevice-"));
  return { file: path.join(dir, "device.state"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A loopback TCP forwarder whose target can change: the device keeps one URL while the test
 * replaces the server behind it (a server restart on a new port).
 */
export interface SwitchableProxy {
  httpUrl: string;
  /** Resets every open connection and forwards new ones to `port`. */
  retarget(port: number): void;
  close(): Promise<void>;
}

export async function startSwitchableProxy(targetPort: number): Promise<SwitchableProxy> {
  let target = targetPort;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => socket.destroy());
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    httpUrl: `http://127.0.0.1:${port}`,
    retarget(next) {
      target = next;
      for (const socket of sockets) socket.resetAndDestroy();
      sockets.clear();
    },
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
