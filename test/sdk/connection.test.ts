/**
 * The SDK's connection and long waits, against real servers:
 * - a dropped network is surfaced as `reconnecting` → `open`, the session survives, and a
 *   result that came meanwhile is delivered;
 * - a 30-second run does not time out by default: the server (its own process, real time)
 *   and the device run normally while the SDK's own clock is advanced 31 s with fake timers,
 *   so no SDK timer could have fired unnoticed — and the test takes no 30 s of wall clock.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { BatonClient, type ConnectionState } from "@baton/client";
import { TEST_DEVICE_SECRET, freePort, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, PRINTING, WEIGHING } from "../support/scriptedDevice.ts";
import { startTcpProxy } from "../support/tcpProxy.ts";

const open: { leave(): unknown }[] = [];
afterEach(async () => {
  vi.useRealTimers();
  // Newest first: a handle leaves before the proxy it goes through closes.
  for (const connection of open.splice(0).reverse()) await Promise.resolve(connection.leave()).catch(() => undefined);
});

describe("reconnection", () => {
  let baton: TestBaton;
  afterAll(async () => {
    await baton?.shutdown();
  });

  it("surfaces a dropped connection as reconnecting → open; the claim and the run's result survive", async () => {
    baton = await startBaton();
    const deviceId = freshDeviceId();
    const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING, PRINTING]);
    open.push(device);
    const proxy = await startTcpProxy(baton.port);
    open.push({ leave: () => proxy.close() });
    const client = new BatonClient(proxy.httpUrl, { token: await baton.tokenFor("alice", "Alice"), reconnection: { minDelayMs: 50, maxDelayMs: 200 } });
    const alice = client.device(deviceId);
    open.push(alice);
    const states: ConnectionState[] = [];
    alice.on("connection", (state) => states.push(state));
    await alice.ready();
    await alice.until((view) => view.device.online);
    await alice.claim();
    const run = alice.run("printing", { fileName: "cube.gcode" });
    const start = (await device.next("start")).payload;

    proxy.cut();
    await alice.until((view) => view.connection === "reconnecting");
    expect(alice.state.canClaim).toBe(false);
    // The result comes while the holder is away: it is stored and handed over on return.
    device.send("result", { epoch: start.epoch, runId: start.runId, output: { printTime: 12 } });
    await alice.until((view) => view.connection === "open", { timeoutMs: 10_000 });
    expect(states).toEqual(["open", "reconnecting", "open"]);
    expect(await run).toMatchObject({ runId: start.runId, output: { printTime: 12 } });
    expect(alice.isMine).toBe(true);
    await alice.release();
  });
});

describe("long runs", () => {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "baton-sdk-long-"));
  let server: ChildProcess | undefined;
  afterAll(() => {
    if (server?.exitCode === null) server.kill("SIGTERM");
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("a 30-second run resolves with its result: nothing in the SDK times out by default", async () => {
    // The server in its own process: the fake timers below are this test's, not the server's.
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, ["--conditions=@baton/source", "--import", "tsx", "server/src/index.ts"], {
      cwd: root, env: { ...process.env, BATON_ENV: "development", BATON_PORT: String(port), BATON_DATA_DIR: dataDir }, stdio: ["ignore", "pipe", "pipe"],
    });
    let banner = "";
    server.stdout!.on("data", (chunk) => (banner += chunk));
    for (let waited = 0; !/development mode/.test(banner); waited += 50) {
      if (waited > 30_000 || server.exitCode !== null) throw new Error(`the server did not start:\n${banner}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { device: printer } = await ScriptedDevice.online(url, "printer-1", "dev-secret-printer-1", [PRINTING]);
    open.push(printer);
    const client = await BatonClient.dev(url, { userId: "ada", name: "Ada" });
    const handle = client.device("printer-1");
    open.push(handle);
    await handle.ready();
    await handle.until((view) => view.device.online);
    await handle.claim();

    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    let settled = false;
    const run = handle.run("printing", { fileName: "benchy.gcode" });
    run.then(() => (settled = true), () => (settled = true));
    const start = (await printer.next("start")).payload;
    printer.send("accepted", { epoch: start.epoch, runId: start.runId });
    printer.send("progress", { epoch: start.epoch, runId: start.runId, progress: 0.5, message: "layer 60/120" });
    await handle.until((view) => view.session.progress === 0.5);
    await vi.advanceTimersByTimeAsync(31_000); // the SDK's clock: 31 s later
    expect(settled).toBe(false);
    printer.send("result", { epoch: start.epoch, runId: start.runId, output: { printTime: 31 } });
    expect(await run).toMatchObject({ runId: start.runId, sessionType: "printing", output: { printTime: 31 } });
    vi.useRealTimers();
    await handle.release();
  }, 60_000);
});
