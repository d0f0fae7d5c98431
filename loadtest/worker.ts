/**
 * One load process of `npm run loadtest` (forked by cli.ts, one per ~150 simulated clients):
 * runs its share of simulated users (user.ts, on @colyseus/sdk) and of raw-protocol
 * devices (the simulator of @baton/client, the bytes the firmware sends), and ships what
 * they saw to the orchestrator in batches four times a second.
 */
import { SimulatedDevice, seededRandom } from "@baton/client/simulator";
import type { FromWorker, LoadEvent, ToWorker, WorkerJob } from "./events.ts";
import { SimulatedUser } from "./user.ts";

const BATCH_MS = 250;

if (!process.send) {
  console.error("loadtest/worker.ts is a load process of `npm run loadtest`; run that instead.");
  process.exit(2);
}

// The SDK narrates reconnections on console.info/warn; thousands of those lines say nothing.
console.info = () => {};
console.warn = () => {};

const send = (message: FromWorker) => process.send!(message);

// A client library that throws from a socket callback (seen: the simulator's join timeout
// terminating a socket still connecting, an 'error' event nobody listens to) must not end
// the whole load process and its hundreds of clients: count it, keep going.
process.on("uncaughtException", (error) => {
  events.push({ t: "failure", userId: "", deviceId: "", code: "CLIENT_CRASH", request: String((error as Error).message ?? error).slice(0, 200) });
});
let job: WorkerJob | null = null;
let events: LoadEvent[] = [];
let usersConnected = 0;
let draining = false;
const devices: SimulatedDevice[] = [];
let flushTimer: NodeJS.Timeout | null = null;

function emit(event: LoadEvent) {
  events.push(event);
}

function flush() {
  if (!job) return;
  const batch = events;
  events = [];
  send({ type: "events", workerIndex: job.workerIndex, events: batch, gauges: { usersConnected, devicesConnected: devices.filter((d) => d.connected).length } });
}

function startDevice(spec: WorkerJob["devices"][number], random: () => number): SimulatedDevice {
  const device = new SimulatedDevice({
    url: job!.url,
    deviceId: spec.deviceId,
    secret: spec.secret,
    instrument: spec.instrument,
    speed: job!.deviceSpeed,
    seed: Math.floor(random() * 2 ** 31),
    reconnect: { maxAttempts: 1_000, baseDelayMs: 200, maxDelayMs: 2_000 },
  });
  const epochOfRun = new Map<string, number>();
  const remember = (info: { runId: string; epoch: number }) => epochOfRun.set(info.runId, info.epoch);
  device.events.on("jobStarted", (info) => {
    remember(info);
    if (random() < job!.deviceDropRate) {
      // Mid-job network loss: the job goes on, the device reconnects and re-sends what it holds.
      setTimeout(() => device.drop(), 20 + random() * 100);
    }
  });
  device.events.on("jobResumed", remember);
  device.events.on("jobFinished", remember);
  device.events.on("ack", ({ runId }) => {
    const epoch = epochOfRun.get(runId);
    epochOfRun.delete(runId);
    if (epoch !== undefined) emit({ t: "deviceAck", deviceId: spec.deviceId, epoch, runId });
  });
  device.events.on("gaveUp", ({ reason }) => emit({ t: "failure", userId: "", deviceId: spec.deviceId, code: "DEVICE_GAVE_UP", request: reason }));
  // Keep the simulator's log of sent messages from growing for the whole run (nothing reads it here).
  device.events.on("sent", () => { if (device.sent.length > 1_000) device.sent.splice(0, 500); });
  device.startConnecting();
  return device;
}

async function start(received: WorkerJob) {
  job = received;
  const random = seededRandom(job.seed);
  for (const spec of job.devices) devices.push(startDevice(spec, random));
  flushTimer = setInterval(flush, BATCH_MS);
  send({ type: "ready", workerIndex: job.workerIndex });
  const context = {
    url: job.url,
    behaviour: job.behaviour,
    deviceIds: job.allDeviceIds,
    emit,
    draining: () => draining,
    connected: (delta: 1 | -1) => { usersConnected += delta; },
  };
  const users = job.users.map((user) => new SimulatedUser(context, user.userId, user.token, seededRandom(Math.floor(random() * 2 ** 31))));
  await Promise.all(users.map((user) => user.live().catch((error) => emit({ t: "failure", userId: user.userId, deviceId: "", code: "CLIENT_ERROR", request: String(error) }))));
  flush();
  send({ type: "drained", workerIndex: job.workerIndex });
}

async function stop() {
  await Promise.all(devices.map((device) => device.close().catch(() => {})));
  if (flushTimer) clearInterval(flushTimer);
  flush();
  send({ type: "done", workerIndex: job?.workerIndex ?? -1 });
  // Let the IPC channel deliver the last batch before the process ends.
  setTimeout(() => process.exit(0), 100);
}

process.on("message", (message: ToWorker) => {
  if (message.cmd === "start") {
    start(message.job).catch((error) => send({ type: "fatal", workerIndex: message.job.workerIndex, error: (error as Error).stack ?? String(error) }));
  } else if (message.cmd === "drain") {
    draining = true;
  } else if (message.cmd === "stop") {
    void stop();
  }
});
process.on("disconnect", () => process.exit(0));
