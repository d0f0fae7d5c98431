/**
 * Load process: one owner and one device of one system (Baton or the relay), driven by the
 * orchestrator over IPC (see ../lib/ipc.ts). Forked by bench/run.ts; not run by hand.
 *
 * One operation = the owner sends `claim { sessionType, input, releaseOnComplete: true }`,
 * the server sends `start` to the device, the device answers `result` at once, the server
 * delivers `result` to the owner and ends the session. Because the session ends with the
 * result, the next claim can follow straight away; a claim that still meets DEVICE_BUSY is
 * counted and re-sent (its latency keeps running from the first intended send time).
 *
 * Fixed rate: claim i is due at t0 + i/rate. The loop sleeps until then, sends, and records
 * the latency to the result. When the previous claim was still unanswered at the due time,
 * the latency runs from the *intended* time, so a slow answer is also counted in the wait of
 * every claim it held up (no coordinated omission). When the system was idle at the due
 * time, it runs from the actual send: the gap is only the load generator's timer slack
 * (Node timers have millisecond granularity), and the system would have answered the same.
 * (Polling instead of sleeping was tried: on two cores the busy load process made the
 * servers' tails worse than the slack it removed.)
 */
import { setTimeout as sleep } from "node:timers/promises";
import { encodeHistogram, newHistogram, recordMs, type Histogram } from "../lib/histogram.ts";
import { hrtimeUs, readLoadEnv, sendToParent, type DriverCommand, type RoundTripReport } from "../lib/ipc.ts";
import { answerStartsImmediately, sendHeartbeats, BENCH_INPUT, BENCH_SESSION_TYPE, connectDevice, connectUser, type Endpoint, type Incoming } from "../lib/wire.ts";

const OP_TIMEOUT_MS = 5_000;
const MAX_BUSY_RETRIES_PER_OP = 1_000;
const CLAIM = { sessionType: BENCH_SESSION_TYPE.name, input: BENCH_INPUT, releaseOnComplete: true };

const { target } = readLoadEnv();

let owner: Endpoint;
let device: Endpoint;
/** The operation in flight: resolved with the arrival time of its result. */
let pending: { resolve: (at: number) => void; reject: (error: Error) => void; retries: number } | null = null;
let busyRetries = 0;
const errors: string[] = [];

function onOwnerMessage(message: Incoming) {
  if (!("type" in message)) return; // state frames: the owner does not decode them
  const at = performance.now();
  if (message.type === "result") {
    pending?.resolve(at);
    pending = null;
  } else if (message.type === "error" && message.payload?.code === "DEVICE_BUSY" && pending) {
    busyRetries++;
    if (++pending.retries > MAX_BUSY_RETRIES_PER_OP) return pending.reject(new Error(`DEVICE_BUSY ${MAX_BUSY_RETRIES_PER_OP} times in a row`));
    setImmediate(() => owner.send("claim", CLAIM));
  } else if (message.type === "error" || message.type === "run_failed") {
    errors.push(`${message.type}: ${JSON.stringify(message.payload).slice(0, 200)}`);
    pending?.reject(new Error(`${message.type} ${message.payload?.code}`));
    pending = null;
  }
}

/** One claim → result; resolves with the result's arrival time (performance.now()). */
function claimOnce(): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { pending = null; reject(new Error(`no result within ${OP_TIMEOUT_MS} ms`)); }, OP_TIMEOUT_MS);
    pending = {
      resolve: (at) => { clearTimeout(timer); resolve(at); },
      reject: (error) => { clearTimeout(timer); reject(error); },
      retries: 0,
    };
    owner.send("claim", CLAIM);
  });
}

/** Sleeps until `at` (never earlier; a timer wakes up to about a millisecond late). */
async function waitUntil(at: number) {
  const ahead = at - performance.now();
  if (ahead > 0) await sleep(Math.ceil(ahead));
  // Timers are rounded to whole milliseconds; the loop is bounded by that rounding.
  for (let i = 0; i < 100 && performance.now() < at; i++) await sleep(1);
}

async function fixedRate(rate: number, warmupMs: number, durationMs: number): Promise<RoundTripReport> {
  const interval = 1000 / rate;
  const warmupOps = Math.round((warmupMs / 1000) * rate);
  const totalOps = warmupOps + Math.round((durationMs / 1000) * rate);
  const latency = newHistogram();
  const service = newHistogram();
  const start = performance.now() + 10;
  let measuredFrom = 0;
  let previousDone = 0;
  let cpuFrom = process.cpuUsage();
  resetCounters();
  for (let i = 0; i < totalOps; i++) {
    const intended = start + i * interval;
    if (i === warmupOps) {
      await waitUntil(intended - 2); // let the warm-up's last answer settle before the mark
      sendToParent({ type: "measuring" });
      measuredFrom = performance.now();
      cpuFrom = process.cpuUsage();
      resetCounters();
    }
    // Was the system still busy with earlier claims when this one was due?
    const backlogged = previousDone > intended;
    await waitUntil(intended);
    const sentAt = performance.now();
    const receivedAt = await claimOnce();
    previousDone = receivedAt;
    if (i >= warmupOps) {
      // Backlogged: the wait since the intended time is the system's fault and counts. Not
      // backlogged: the system sat idle from `intended` until our timer fired, so the only
      // delay before `sentAt` is the load generator's own timer slack, which is not counted.
      recordMs(latency, receivedAt - (backlogged ? intended : sentAt));
      recordMs(service, receivedAt - sentAt);
    }
  }
  return report("fixedRate", totalOps - warmupOps, performance.now() - measuredFrom, latency, service, cpuFrom);
}

async function saturate(warmupMs: number, durationMs: number): Promise<RoundTripReport> {
  const service = newHistogram();
  const warmupEnd = performance.now() + warmupMs;
  while (performance.now() < warmupEnd) await claimOnce();
  sendToParent({ type: "measuring" });
  resetCounters();
  const cpuFrom = process.cpuUsage();
  const from = performance.now();
  const end = from + durationMs;
  let ops = 0;
  while (performance.now() < end) {
    const sentAt = performance.now();
    recordMs(service, (await claimOnce()) - sentAt);
    ops++;
  }
  return report("saturate", ops, performance.now() - from, null, service, cpuFrom);
}

async function fanout(ops: number, spacingMs: number, holdMs: number) {
  const claimSentAtUs: number[] = [];
  const releaseSentAtUs: number[] = [];
  resetCounters();
  // Claims without a run: the change is the session going idle → claimed → idle.
  owner.onMessage((message) => {
    if ("type" in message && message.type === "error") errors.push(`error: ${JSON.stringify(message.payload).slice(0, 200)}`);
  });
  for (let i = 0; i < ops; i++) {
    claimSentAtUs.push(hrtimeUs());
    owner.send("claim", {});
    await sleep(holdMs);
    releaseSentAtUs.push(hrtimeUs());
    owner.send("release", {});
    await sleep(spacingMs - holdMs);
  }
  owner.onMessage(onOwnerMessage);
  sendToParent({ type: "fanout", claimSentAtUs, releaseSentAtUs, errors: [...errors] });
}

function resetCounters() {
  busyRetries = 0;
  errors.length = 0;
}

function report(mode: RoundTripReport["mode"], ops: number, elapsedMs: number, latency: Histogram | null, service: Histogram, cpuFrom: NodeJS.CpuUsage): RoundTripReport {
  const cpu = process.cpuUsage(cpuFrom);
  return {
    type: "roundTrip", mode, ops, elapsedMs,
    latency: latency && encodeHistogram(latency),
    service: encodeHistogram(service),
    busyRetries, errors: [...errors], loadCpuUs: cpu.user + cpu.system,
  };
}

async function main() {
  device = await connectDevice(target);
  answerStartsImmediately(device);
  const stopHeartbeats = sendHeartbeats(device);
  owner = await connectUser(target, "owner", "bench-owner");
  owner.onMessage(onOwnerMessage);
  process.on("message", async (command: DriverCommand) => {
    try {
      switch (command.cmd) {
        case "fixedRate": return sendToParent(await fixedRate(command.rate, command.warmupMs, command.durationMs));
        case "saturate": return sendToParent(await saturate(command.warmupMs, command.durationMs));
        case "fanout": return await fanout(command.ops, command.spacingMs, command.holdMs);
        case "stop":
          stopHeartbeats();
          await Promise.all([owner.close(), device.close()]);
          process.exit(0);
      }
    } catch (error) {
      sendToParent({ type: "failed", error: `${target.system}: ${(error as Error).message}; errors: ${errors.join(" | ")}` });
    }
  });
  sendToParent({ type: "ready" });
}

process.on("disconnect", () => process.exit(0)); // the orchestrator went away
main().catch((error) => {
  sendToParent({ type: "failed", error: `${target.system} driver could not connect: ${(error as Error).message}` });
  setTimeout(() => process.exit(1), 100);
});
