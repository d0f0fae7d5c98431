/**
 * `npm run loadtest -- --url http://host:port --users N --devices M --duration 60s`
 *
 * The orchestrator: prepares the target (tokens, its own devices — or existing ones that are
 * offline, never a connected one), forks the load processes
 * (worker.ts), feeds every fact they report into the ledger (ledger.ts), prints a progress
 * line every few seconds, then drains the users, looks for undelivered results in their
 * owners' `GET /results`, prints the summary and exits 1 on a lost result, a double grant
 * or a misdelivered result; the devices it registered are deleted however the run ends. Why its own workers and not `@colyseus/loadtest`'s runner:
 * docs/LOADTEST.md.
 */
import { fork, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FromWorker, ToWorker, WorkerDevice, WorkerJob, WorkerUser } from "./events.ts";
import { Ledger } from "./ledger.ts";
import { judge, progressLine, summaryText } from "./report.ts";
import { parseLoadOptions, USAGE, UsageError, type LoadOptions } from "./options.ts";
import { checkReachable, resolveDevices, storedResultRunIds, TargetError, TokenMinter } from "./target.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, "..");
/** Simulated clients per load process: the SDK decodes state for every user, on one thread. */
const CLIENTS_PER_WORKER = 150;

const say = (line: string) => console.log(`loadtest: ${line}`);

function fail(code: number, message: string): never {
  console.error(`loadtest: ${message}`);
  process.exit(code);
}

/** Deletes the devices the run registered (set once they exist); always safe to call again. */
let cleanUpDevices: () => Promise<string> = async () => "";
async function cleanUp(): Promise<void> {
  const run = cleanUpDevices;
  cleanUpDevices = async () => "";
  const line = await run().catch((error: Error) => `could not delete this run's devices: ${error.message}`);
  if (line) say(line);
}

async function failAfterCleanUp(code: number, message: string): Promise<never> {
  await cleanUp();
  return fail(code, message);
}

async function inBatches<T, R>(items: readonly T[], concurrency: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  }));
  return results;
}

interface Worker {
  index: number;
  child: ChildProcess;
  ready: Promise<void>;
  drained: Promise<void>;
  done: Promise<void>;
}

function startWorker(index: number, job: WorkerJob, ledger: Ledger, onFatal: (error: string) => void): Worker {
  const child = fork(path.join(HERE, "worker.ts"), [], {
    cwd: REPO_ROOT,
    execArgv: ["--conditions=@baton/source", "--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let ready!: () => void;
  let drained!: () => void;
  let done!: () => void;
  const worker: Worker = {
    index,
    child,
    ready: new Promise((resolve) => { ready = resolve; }),
    drained: new Promise((resolve) => { drained = resolve; }),
    done: new Promise((resolve) => { done = resolve; }),
  };
  child.on("message", (message: FromWorker) => {
    if (message.type === "events") {
      for (const event of message.events) ledger.apply(event);
      ledger.setGauges(index, message.gauges);
    } else if (message.type === "ready") ready();
    else if (message.type === "drained") drained();
    else if (message.type === "done") done();
    else if (message.type === "fatal") onFatal(`load process ${index + 1} failed: ${message.error}`);
  });
  child.once("exit", (code, signal) => {
    ready();
    drained();
    done();
    if (code !== 0 && signal !== "SIGTERM") onFatal(`load process ${index + 1} exited (${code ?? signal})`);
  });
  child.send({ cmd: "start", job } satisfies ToWorker);
  return worker;
}

const withTimeout = (promise: Promise<unknown>, ms: number) => Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms))]);

async function main() {
  let options: LoadOptions | null;
  try {
    options = parseLoadOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) fail(2, error.message);
    throw error;
  }
  if (!options) {
    console.log(USAGE);
    return;
  }
  const tag = `lt${options.seed.toString(36)}`;
  const tokens = new TokenMinter(options.url, options.tokens);
  let devices: WorkerDevice[];
  let users: WorkerUser[];
  try {
    await checkReachable(options.url);
    const prepared = await resolveDevices(options.url, options.deviceSource, options.devices, tokens, tag, say);
    devices = prepared.devices;
    cleanUpDevices = prepared.cleanUp;
    const userIds = Array.from({ length: options.users }, (_, n) => `${tag}-user-${n + 1}`);
    users = await inBatches(userIds, 8, async (userId) => ({ userId, token: await tokens.mint(userId) }));
  } catch (error) {
    if (error instanceof TargetError) await failAfterCleanUp(3, error.message);
    throw error;
  }

  const workerCount = options.workers === "auto"
    ? Math.max(1, Math.min(os.availableParallelism(), Math.ceil((options.users + options.devices) / CLIENTS_PER_WORKER)))
    : options.workers;
  say(`${options.users} users and ${options.devices} devices (${devices.map((d) => d.deviceId).slice(0, 5).join(", ")}${devices.length > 5 ? ", …" : ""}) against ${options.url} for ${options.durationMs / 1000} s, ${workerCount} load process${workerCount === 1 ? "" : "es"}, seed ${options.seed}`);

  const ledger = new Ledger();
  let fatal: string | null = null;
  const workers: Worker[] = [];
  for (let index = 0; index < workerCount; index++) {
    const job: WorkerJob = {
      workerIndex: index,
      url: options.url,
      users: users.filter((_, n) => n % workerCount === index),
      devices: devices.filter((_, n) => n % workerCount === index),
      allDeviceIds: devices.map((d) => d.deviceId),
      behaviour: options.behaviour,
      deviceSpeed: options.deviceSpeed,
      deviceDropRate: options.deviceDropRate,
      seed: (options.seed + index * 7919) % 2 ** 31,
    };
    workers.push(startWorker(index, job, ledger, (error) => { fatal ??= error; }));
  }
  const stopWorkers = () => { for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill("SIGTERM"); };
  process.once("SIGINT", () => { stopWorkers(); void failAfterCleanUp(130, "interrupted"); });

  // The clock starts when every load process has loaded its code and started its clients.
  await withTimeout(Promise.all(workers.map((w) => w.ready)), 60_000);
  const loadStarted = performance.now();
  const progress = setInterval(() => say(progressLine(performance.now() - loadStarted, options, ledger.snapshot())), options.progressMs);
  const deadline = Date.now() + options.durationMs;
  while (Date.now() < deadline && !fatal) await new Promise((resolve) => setTimeout(resolve, Math.min(200, deadline - Date.now())));
  if (fatal) {
    stopWorkers();
    await failAfterCleanUp(3, fatal);
  }
  say("duration reached: users finish the run in flight and leave");
  for (const worker of workers) worker.child.send({ cmd: "drain" } satisfies ToWorker);
  await withTimeout(Promise.all(workers.map((w) => w.drained)), options.behaviour.outcomeTimeoutMs + 20_000);
  for (const worker of workers) if (worker.child.connected) worker.child.send({ cmd: "stop" } satisfies ToWorker);
  await withTimeout(Promise.all(workers.map((w) => w.done)), 10_000);
  stopWorkers();
  clearInterval(progress);

  // Results that never reached their owner live: an owner who was away finds them in GET /results.
  const undelivered = ledger.undelivered();
  const owners = [...new Set(undelivered.map((u) => u.ownerId))];
  if (owners.length > 0) say(`looking for ${undelivered.length} result(s) not received live in their ${owners.length} owner(s)' GET /results`);
  await inBatches(owners, 4, async (ownerId) => {
    try {
      const stored = await storedResultRunIds(options.url, await tokens.mint(ownerId));
      for (const missing of undelivered) {
        if (missing.ownerId === ownerId && stored.has(missing.runId)) ledger.apply({ t: "recovered", userId: ownerId, deviceId: missing.deviceId, runId: missing.runId });
      }
    } catch (error) {
      say(`could not read ${ownerId}'s GET /results: ${(error as Error).message}`);
    }
  });

  const elapsedMs = performance.now() - loadStarted;
  const snapshot = ledger.snapshot();
  const verdict = ledger.verdict();
  console.log(summaryText(options, snapshot, verdict, elapsedMs));
  if (options.reportPath) {
    writeFileSync(options.reportPath, JSON.stringify({ options: { ...options, tokens: { kind: options.tokens.kind } }, elapsedMs: Math.round(elapsedMs), snapshot, verdict }, null, 2));
  }
  await cleanUp();
  const judgement = judge(snapshot, verdict);
  if (judgement.exitCode !== 0) fail(judgement.exitCode, judgement.message);
  say(judgement.message);
}

main().catch((error) => failAfterCleanUp(3, `unexpected error: ${(error as Error).stack ?? error}`));
