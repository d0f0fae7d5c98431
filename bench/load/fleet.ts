/**
 * Load process for S1: the owners of many devices (and, for Baton and the relay, the devices
 * themselves), each device on its own fixed schedule — or all of them in a closed loop —
 * against one of four systems: Baton, the bare `ws` relay, Redis request/reply, MQTT 5
 * request/response. Forked by bench/scenarios/s1RoundTrip.ts; not run by hand.
 *
 * One operation is the seed's weighing flow from the owner's side: a request goes out (Baton:
 * `claim {sessionType, input, releaseOnComplete}`; relay: the same frame; Redis: LPUSH onto
 * the request list; MQTT: PUBLISH to the device's request topic with a response topic and
 * correlation data) and the operation ends when the owner has the device's answer.
 *
 * Fixed rate (open loop from the intended send time): device d's k-th claim is due at
 * t0 + offset_d + k / perDeviceRate, offsets spread evenly over one interval. When a device's
 * previous claim was still unanswered at the due time, the latency counts from the intended
 * time; otherwise from the actual send (the gap is only the timer's slack) — as driver.ts.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { decode, encode } from "@msgpack/msgpack";
import { encodeHistogram, newHistogram, recordMs, type Histogram } from "../lib/histogram.ts";
import { readLoadEnv, sendToParent, type FleetCommand, type FleetSpec, type RoundTripReport } from "../lib/ipc.ts";
import { answerStartsImmediately, BENCH_INPUT, BENCH_SESSION_TYPE, connectDevice, connectUser, inBatches, sendHeartbeats, type Endpoint } from "../lib/wire.ts";

const OP_TIMEOUT_MS = 5_000;
const QOS = Number(process.env.BENCH_MQTT_QOS ?? 0) as 0 | 1;
const REDIS_REQUESTS = "baton-bench:requests"; // as load/responder.ts
const CONNECT_CONCURRENCY = 8;
const CLAIM = { sessionType: BENCH_SESSION_TYPE.name, input: BENCH_INPUT, releaseOnComplete: true };

const { fleet } = readLoadEnv() as { fleet: FleetSpec };
const errors: string[] = [];
let busyRetries = 0;

/** One transport per system: sends device `index`'s request and calls `done(index, at)` when its answer arrives. */
interface Transport {
  send(index: number): void;
  close(): Promise<void>;
}

/** The operation in flight per device. */
const pending: ({ resolve: (at: number) => void; reject: (error: Error) => void } | null)[] = fleet.deviceIds.map(() => null);

function done(index: number, at: number) {
  const waiter = pending[index];
  pending[index] = null;
  waiter?.resolve(at);
}

function failed(index: number, error: string) {
  errors.push(error);
  const waiter = pending[index];
  pending[index] = null;
  waiter?.reject(new Error(error));
}

async function wsTransport(): Promise<Transport> {
  const owners: Endpoint[] = [];
  const devices: Endpoint[] = [];
  const stops: (() => void)[] = [];
  await inBatches(fleet.deviceIds, CONNECT_CONCURRENCY, async (deviceId, index) => {
    const target = { system: fleet.system as "relay" | "baton", baseUrl: fleet.baseUrl!, deviceId, deviceSecret: fleet.deviceSecret };
    const device = await connectDevice(target);
    answerStartsImmediately(device);
    stops.push(sendHeartbeats(device));
    const owner = await connectUser(target, "owner", `bench-owner-${deviceId}`);
    owner.onMessage((message) => {
      if (!("type" in message)) return; // state frames: the owner does not decode them
      const at = performance.now();
      if (message.type === "result") done(index, at);
      else if (message.type === "error" && message.payload?.code === "DEVICE_BUSY" && pending[index]) {
        busyRetries++;
        setImmediate(() => owner.send("claim", CLAIM));
      } else if (message.type === "error" || message.type === "run_failed") failed(index, `${deviceId} ${message.type}: ${JSON.stringify(message.payload).slice(0, 200)}`);
    });
    owners[index] = owner;
    devices[index] = device;
  });
  return {
    send: (index) => owners[index]!.send("claim", CLAIM),
    async close() {
      for (const stop of stops) stop();
      await inBatches([...owners, ...devices], 64, (endpoint) => endpoint.close());
    },
  };
}

/**
 * Redis request/reply: RPUSH the request onto the request list; the responder
 * (load/responder.ts, standing in for the devices) BLPOPs it and RPUSHes the answer onto this
 * process's reply list, which one BLPOP loop here hands to the waiting device's claim.
 */
async function redisTransport(): Promise<Transport> {
  const { Redis } = await import("ioredis");
  const commands = new Redis(fleet.brokerUrl!, { enableAutoPipelining: true });
  const replies = new Redis(fleet.brokerUrl!);
  const replyKey = `baton-bench:reply:${process.pid}`;
  await replies.del(replyKey);
  let open = true;
  void (async () => {
    while (open) {
      const popped = await replies.blpopBuffer(replyKey, 1).catch(() => null);
      if (!popped) continue;
      const at = performance.now();
      const reply = decode(popped[1]) as { i: number };
      done(reply.i, at);
    }
  })();
  return {
    send: (index) => void commands.rpush(REDIS_REQUESTS, Buffer.from(encode({ i: index, deviceId: fleet.deviceIds[index], replyTo: replyKey, ...CLAIM }))),
    async close() {
      open = false;
      await sleep(1_100); // the reply loop's BLPOP times out
      commands.disconnect();
      replies.disconnect();
    },
  };
}

/**
 * MQTT 5 request/response: PUBLISH to the device's request topic with a response topic and
 * correlation data. QoS 0 both ways by default (BENCH_MQTT_QOS=1 for QoS 1: with mqtt 5.16 and
 * this Mosquitto, a closed loop at QoS 1 stalled after about a hundred exchanges — not
 * investigated further).
 */
async function mqttTransport(): Promise<Transport> {
  const mqtt = await import("mqtt");
  const client = await mqtt.connectAsync(fleet.brokerUrl!, { protocolVersion: 5, clientId: `baton-bench-owner-${process.pid}`, clean: true });
  const responseTopic = `baton-bench/response/${process.pid}`;
  await client.subscribeAsync(responseTopic, { qos: QOS });
  client.on("message", (_topic, _payload, packet) => {
    const at = performance.now();
    const correlation = packet.properties?.correlationData;
    if (correlation) done(correlation.readUInt32BE(0), at);
  });
  return {
    send(index) {
      const correlationData = Buffer.alloc(4);
      correlationData.writeUInt32BE(index, 0);
      client.publish(`baton-bench/request/${fleet.deviceIds[index]}`, Buffer.from(encode(CLAIM)), { qos: QOS, properties: { responseTopic, correlationData } });
    },
    close: () => client.endAsync(),
  };
}

let transport: Transport;

function claimOnce(index: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending[index] = null;
      reject(new Error(`${fleet.deviceIds[index]}: no answer within ${OP_TIMEOUT_MS} ms`));
    }, OP_TIMEOUT_MS);
    pending[index] = {
      resolve: (at) => { clearTimeout(timer); resolve(at); },
      reject: (error) => { clearTimeout(timer); reject(error); },
    };
    transport.send(index);
  });
}

async function waitUntil(at: number) {
  const ahead = at - performance.now();
  if (ahead > 0) await sleep(Math.ceil(ahead));
  for (let i = 0; i < 100 && performance.now() < at; i++) await sleep(1);
}

async function fixedRate(rate: number, warmupMs: number, durationMs: number): Promise<RoundTripReport> {
  const devices = fleet.deviceIds.length;
  const perDeviceInterval = (1000 * devices) / rate;
  const start = performance.now() + 20;
  const measureFrom = start + warmupMs;
  const end = measureFrom + durationMs;
  const latency = newHistogram();
  const service = newHistogram();
  let ops = 0;
  let cpuFrom = process.cpuUsage();
  const marker = (async () => {
    await waitUntil(measureFrom);
    sendToParent({ type: "measuring" });
    cpuFrom = process.cpuUsage();
    errors.length = 0;
    busyRetries = 0;
  })();
  await Promise.all(fleet.deviceIds.map(async (_, index) => {
    let previousDone = 0;
    for (let k = 0; ; k++) {
      const intended = start + (index / devices) * perDeviceInterval + k * perDeviceInterval;
      if (intended >= end) break;
      const backlogged = previousDone > intended;
      await waitUntil(intended);
      const sentAt = performance.now();
      const receivedAt = await claimOnce(index);
      previousDone = receivedAt;
      if (intended >= measureFrom) {
        recordMs(latency, receivedAt - (backlogged ? intended : sentAt));
        recordMs(service, receivedAt - sentAt);
        ops++;
      }
    }
  }));
  await marker;
  return report("fixedRate", ops, durationMs, latency, service, cpuFrom);
}

async function saturate(warmupMs: number, durationMs: number): Promise<RoundTripReport> {
  const service = newHistogram();
  const measureFrom = performance.now() + warmupMs;
  const end = measureFrom + durationMs;
  let ops = 0;
  let cpuFrom = process.cpuUsage();
  const marker = (async () => {
    await waitUntil(measureFrom);
    sendToParent({ type: "measuring" });
    cpuFrom = process.cpuUsage();
    errors.length = 0;
    busyRetries = 0;
  })();
  await Promise.all(fleet.deviceIds.map(async (_, index) => {
    while (performance.now() < end) {
      const sentAt = performance.now();
      const receivedAt = await claimOnce(index);
      if (sentAt >= measureFrom) {
        recordMs(service, receivedAt - sentAt);
        ops++;
      }
    }
  }));
  await marker;
  return report("saturate", ops, durationMs, null, service, cpuFrom);
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
  transport = fleet.system === "redis" ? await redisTransport() : fleet.system === "mqtt" ? await mqttTransport() : await wsTransport();
  process.on("message", async (command: FleetCommand) => {
    try {
      switch (command.cmd) {
        case "fixedRate": return sendToParent(await fixedRate(command.rate, command.warmupMs, command.durationMs));
        case "saturate": return sendToParent(await saturate(command.warmupMs, command.durationMs));
        case "stop":
          await transport.close();
          process.exit(0);
      }
    } catch (error) {
      sendToParent({ type: "failed", error: `${fleet.system}: ${(error as Error).message}; errors: ${errors.slice(0, 5).join(" | ")}` });
    }
  });
  sendToParent({ type: "ready" });
}

process.on("disconnect", () => process.exit(0));
main().catch((error) => {
  sendToParent({ type: "failed", error: `${fleet.system} fleet could not connect: ${(error as Error).message}` });
  setTimeout(() => process.exit(1), 100);
});
