/**
 * Load process for S1's broker anchors: the devices' side of Redis request/reply and MQTT 5
 * request/response. Every request is answered at once with the bench's result (as the Baton
 * and relay devices answer every `start`). Forked by bench/scenarios/s1RoundTrip.ts.
 *
 *   Redis: BLPOP the request list, RPUSH the answer onto the request's `replyTo` list.
 *   MQTT:  subscribed to `baton-bench/request/+` (QoS 0 by default); PUBLISH the answer to the request's
 *          response topic with its correlation data.
 */
import { decode, encode } from "@msgpack/msgpack";
import { readLoadEnv, sendToParent } from "../lib/ipc.ts";
import { BENCH_OUTPUT } from "../lib/wire.ts";

const REDIS_REQUESTS = "baton-bench:requests";
const QOS = Number(process.env.BENCH_MQTT_QOS ?? 0) as 0 | 1;
const { fleet } = readLoadEnv();
let stop: () => Promise<void> = async () => {};

async function redis() {
  const { Redis } = await import("ioredis");
  const requests = new Redis(fleet!.brokerUrl!);
  const replies = new Redis(fleet!.brokerUrl!, { enableAutoPipelining: true });
  await requests.del(REDIS_REQUESTS);
  let open = true;
  let epoch = 0;
  void (async () => {
    while (open) {
      const popped = await requests.blpopBuffer(REDIS_REQUESTS, 1).catch(() => null);
      if (!popped) continue;
      const request = decode(popped[1]) as { i: number; replyTo: string };
      void replies.rpush(request.replyTo, Buffer.from(encode({ i: request.i, epoch: ++epoch, output: BENCH_OUTPUT })));
    }
  })();
  stop = async () => {
    open = false;
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    requests.disconnect();
    replies.disconnect();
  };
}

async function mqtt() {
  const mqttModule = await import("mqtt");
  const client = await mqttModule.connectAsync(fleet!.brokerUrl!, { protocolVersion: 5, clientId: `baton-bench-devices-${process.pid}`, clean: true });
  let epoch = 0;
  client.on("message", (_topic, payload, packet) => {
    const responseTopic = packet.properties?.responseTopic;
    if (!responseTopic) return;
    decode(payload); // as a device would
    client.publish(responseTopic, Buffer.from(encode({ epoch: ++epoch, output: BENCH_OUTPUT })), { qos: QOS, properties: { correlationData: packet.properties?.correlationData } });
  });
  await client.subscribeAsync("baton-bench/request/+", { qos: QOS });
  stop = () => client.endAsync();
}

process.on("message", async (command: { cmd: string }) => {
  if (command.cmd === "stop") {
    await stop();
    process.exit(0);
  }
});
process.on("disconnect", () => process.exit(0));
(fleet!.system === "redis" ? redis() : mqtt()).then(
  () => sendToParent({ type: "ready" }),
  (error) => {
    sendToParent({ type: "failed", error: `${fleet!.system} responder could not connect: ${(error as Error).message}` });
    setTimeout(() => process.exit(1), 100);
  },
);
