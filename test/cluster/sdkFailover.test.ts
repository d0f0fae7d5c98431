/**
 * The SDK across a failover (issue 21, item 5): two real processes on Redis and PostgreSQL
 * behind a front, a simulated scale, and an app using `BatonClient` through the front. The
 * process that holds the device's room is SIGKILLed while a `run()` is in flight: the device
 * comes back through the front to the other process, where the room is re-created from the
 * store at the same epoch; the handle says `reconnecting`, joins that room again by itself
 * (`rejoined`), and the pending `run()` settles with the run's result — once.
 * (test/e2e/restart.e2e.test.ts does the same across a restart of one process;
 * test/browser/restart.browser.test.ts shows the dashboard across both.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatonClient } from "../../client/src/sdk/batonClient.ts";
import { startSimulatedDevice, type SimulatedDevice } from "../../client/src/simulator/index.ts";
import { runCli } from "@baton/server/cli/baton.ts";
import { createTestSchema, type TestSchema } from "../support/postgres.ts";
import { createTestRedis, type TestRedis } from "../support/redis.ts";
import { spawnServer, stopAllServers, type ServerProcess } from "../support/serverProcess.ts";
import { startFrontProxy, type FrontProxy } from "../support/frontProxy.ts";
import { CLUSTER_JWT_SECRET, bounded, matchmake, settle, userToken } from "./support.ts";

const deviceId = `sdk-failover-${Date.now().toString(36)}`;
let schema: TestSchema;
let redis: TestRedis;
let processes: ServerProcess[];
let front: FrontProxy;
let device: SimulatedDevice | undefined;
let secret: string;

/** Ready: the banner is printed and GET /readyz answers 200. */
async function ready(server: ServerProcess): Promise<void> {
  await server.ready(60_000);
  for (const deadline = Date.now() + 30_000; ; await settle(200)) {
    if (await fetch(`${server.httpUrl}/readyz`).then((response) => response.ok, () => false)) return;
    if (Date.now() > deadline) throw new Error(`${server.httpUrl}/readyz did not answer 200:\n${server.stdout}\n${server.stderr}`);
  }
}

beforeAll(async () => {
  [schema, redis] = await Promise.all([createTestSchema(), createTestRedis()]);
  const storeEnv = { DATABASE_URL: schema.url, BATON_DATABASE_SCHEMA: schema.schema };
  const added = await runCli(["device", "add", deviceId, "--label", deviceId, "--kind", "scale"], storeEnv);
  expect(added.code, added.output).toBe(0);
  secret = /secret: (\S+)/.exec(added.output)![1];
  const env = {
    ...storeEnv,
    BATON_ENV: "production",
    BATON_JWT_SECRET: CLUSTER_JWT_SECRET,
    REDIS_URL: redis.url,
    BATON_REDIS_KEY_PREFIX: redis.prefix,
    BATON_ROOM_LOCK_TTL_MS: "3000",
    BATON_OWNER_IDLE_TIMEOUT_MS: "0",
    BATON_RETENTION_DAYS: "0",
  };
  processes = await Promise.all([spawnServer(env), spawnServer(env)]);
  await Promise.all(processes.map(ready));
  front = await startFrontProxy(processes.map((server) => server.port));
}, 120_000);

afterAll(async () => {
  await bounded(device?.close() ?? Promise.resolve());
  await stopAllServers();
  await front?.close();
  await redis?.cleanup();
  await schema?.drop();
}, 60_000);

describe("the SDK across a SIGKILL failover between two processes", () => {
  it("a run in flight when the process holding the room dies settles with its result, at the same epoch", async () => {
    device = await startSimulatedDevice({
      url: front.httpUrl, deviceId, secret, instrument: "scale", autoComplete: false, speed: 50, heartbeatIntervalMs: 1_000,
      reconnect: { baseDelayMs: 100, maxDelayMs: 500, maxAttempts: 10_000 },
    });
    const client = new BatonClient(front.httpUrl, { token: await userToken("erin") });
    const handle = client.device(deviceId);
    const states: string[] = [];
    let rejoined = 0;
    handle.on("connection", (state) => states.push(state));
    handle.on("rejoined", () => rejoined++);
    const results: string[] = [];
    handle.on("result", (result) => results.push(result.runId));
    await handle.until((view) => view.device.online, { timeoutMs: 20_000 });
    const claimed = await handle.claim({}, { timeoutMs: 20_000 });
    const awaiting = device.waitFor("jobAwaitingCompletion", { timeoutMs: 30_000 });
    const running = handle.run("weighing", { userAge: 30 });
    running.catch(() => undefined);
    const job = await awaiting;
    expect(job.epoch).toBe(claimed.epoch);

    // The process holding the room, from the seat's public address; the other survives.
    const seat = await matchmake(processes[0], "joinById", deviceId, await userToken("operator"), { deviceId });
    expect(seat.status, JSON.stringify(seat.body)).toBe(200);
    const doomed = processes.find((server) => seat.body.publicAddress === `127.0.0.1:${server.port}`)!;
    expect(doomed, `publicAddress ${seat.body.publicAddress}`).toBeDefined();
    const resumed = device.waitFor("jobResumed", { timeoutMs: 60_000 });
    await doomed.stop("SIGKILL");

    expect(await resumed).toMatchObject({ runId: job.runId, epoch: job.epoch });
    device.complete({ output: { weight: 64.3, unit: "kg", stable: true } });
    const result = await Promise.race([running, settle(60_000).then(() => { throw new Error("the run did not settle within 60 s of the failover"); })]);
    expect(result).toMatchObject({ runId: job.runId, output: { weight: 64.3 } });

    const view = await handle.until((next) => next.connection === "open" && next.synced && next.isMine, { timeoutMs: 20_000 });
    expect(view.session.epoch).toBe(job.epoch);
    expect(states).toContain("reconnecting");
    expect(rejoined).toBe(1);
    await settle(500);
    expect(results.filter((runId) => runId === job.runId)).toHaveLength(1);
    await handle.leave();
  }, 150_000);
});
