/**
 * Load process: `count` raw spectators of one device room, each recording the arrival time
 * (process.hrtime, µs) of every ROOM_STATE_PATCH (0x0F) frame. Forked by bench/run.ts,
 * several at once for large audiences, so that one process's receive loop is not the
 * bottleneck being measured. The orchestrator matches the times against the driver's
 * claim times (hrtime is CLOCK_MONOTONIC, shared by all processes on the machine).
 */
import { hrtimeUs, readLoadEnv, sendToParent, type SpectatorCommand } from "../lib/ipc.ts";
import { connectUser, devToken, inBatches, type Endpoint } from "../lib/wire.ts";
import { FrameCode } from "../../client/src/simulator/framing.ts";

const CONNECT_CONCURRENCY = 16;
const { target, count = 0, offset = 0 } = readLoadEnv();

async function main() {
  const perClient: number[][] = Array.from({ length: count }, () => []);
  // One token per process: the spectators are tabs of a few viewers, which costs the room the same.
  const token = target.system === "baton" ? await devToken(target.baseUrl, `bench-viewer-${offset}`) : undefined;
  const clients: Endpoint[] = await inBatches(perClient, CONNECT_CONCURRENCY, async (times, index) => {
    const client = await connectUser(target, "spectator", `bench-viewer-${offset + index}`, token);
    client.onMessage((message) => {
      if ("frameCode" in message && message.frameCode === FrameCode.ROOM_STATE_PATCH) times.push(hrtimeUs());
    });
    return client;
  });
  process.on("message", async (command: SpectatorCommand) => {
    if (command.cmd === "collect") {
      sendToParent({ type: "patches", perClient: perClient.map((times) => times.splice(0)) });
    } else if (command.cmd === "stop") {
      await inBatches(clients, 64, (client) => client.close());
      process.exit(0);
    }
  });
  sendToParent({ type: "ready", connected: clients.length });
}

process.on("disconnect", () => process.exit(0));
main().catch((error) => {
  sendToParent({ type: "failed", error: `${target.system} spectators could not connect: ${(error as Error).message}` });
  setTimeout(() => process.exit(1), 100);
});
