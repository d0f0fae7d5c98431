/**
 * Load process of S6 (telemetry): `deviceIds` devices, each declaring a `nozzle` channel and
 * sending a sample `rate` times a second, and `spectatorsPerDevice` raw spectators of each,
 * counting the frames and bytes they receive (Baton: state patches; the relay: its re-sent
 * `telemetry` frames). Forked by bench/scenarios/s6Telemetry.ts, several at once.
 */
import { hrtimeUs, sendToParent } from "../lib/ipc.ts";
import { connectDevice, connectUser, devToken, inBatches, sendHeartbeats, type Endpoint, type SystemName } from "../lib/wire.ts";
import { FrameCode } from "../../client/src/simulator/framing.ts";

interface TelemetryLoadEnv {
  system: SystemName;
  baseUrl: string;
  deviceIds: string[];
  spectatorsPerDevice: number;
  rate: number;
  offset: number;
}
type Command = { cmd: "run"; durationMs: number } | { cmd: "stop" };

const env = JSON.parse(process.env.BENCH_LOAD ?? "{}") as TelemetryLoadEnv;
const CHANNELS = [{ name: "nozzle", unit: "°C", type: "number", maxRateHz: 20 }];

/** A join that timed out on a loaded machine is tried again (twice), rather than failing the run. */
async function retrying<T>(connect: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect();
    } catch (error) {
      if (attempt >= 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

async function main() {
  const token = env.system === "baton" ? await devToken(env.baseUrl, `bench-telemetry-viewer-${env.offset}`) : undefined;
  const counts = { frames: 0, bytes: 0 };
  const spectators: Endpoint[] = [];
  const devices = await inBatches(env.deviceIds, 4, async (deviceId) => {
    const target = { system: env.system, baseUrl: env.baseUrl, deviceId, deviceSecret: `dev-secret-${deviceId}` };
    const device = await retrying(() => connectDevice(target, { telemetry: CHANNELS }));
    const stopHeartbeats = sendHeartbeats(device);
    spectators.push(...(await inBatches(Array.from({ length: env.spectatorsPerDevice }), 4, async (_, index) => {
      const spectator = await retrying(() => connectUser(target, "spectator", `bench-telemetry-viewer-${env.offset}-${deviceId}-${index}`, token));
      spectator.onMessage((message) => {
        const isSample = "frameCode" in message ? message.frameCode === FrameCode.ROOM_STATE_PATCH : message.type === "telemetry";
        if (isSample) counts.frames++;
      });
      return spectator;
    })));
    return { device, stopHeartbeats };
  });
  let sent = 0;
  process.on("message", async (command: Command) => {
    if (command.cmd === "run") {
      counts.frames = 0;
      const startedUs = hrtimeUs();
      // Each device on its own phase, so the samples do not all land in the same millisecond.
      const timers = devices.map(({ device }, index) => setTimeout(() => {
        let celsius = 200 + index;
        timers[index] = setInterval(() => {
          celsius += Math.random() - 0.5;
          device.send("telemetry", { values: { nozzle: Math.round(celsius * 10) / 10 } });
          sent++;
        }, 1000 / env.rate);
      }, Math.random() * (1000 / env.rate)));
      setTimeout(async () => {
        for (const timer of timers) clearInterval(timer);
        await new Promise((resolve) => setTimeout(resolve, 300)); // the last patches land
        sendToParent({ type: "telemetry", sent, frames: counts.frames, elapsedUs: hrtimeUs() - startedUs } as never);
        sent = 0;
      }, command.durationMs);
    } else if (command.cmd === "stop") {
      for (const { stopHeartbeats } of devices) stopHeartbeats();
      await inBatches([...spectators, ...devices.map(({ device }) => device)], 64, (endpoint) => endpoint.close());
      process.exit(0);
    }
  });
  sendToParent({ type: "ready", connected: spectators.length } as never);
}

process.on("disconnect", () => process.exit(0));
main().catch((error) => {
  sendToParent({ type: "failed", error: `${env.system} telemetry load could not connect: ${(error as Error).message}` });
  setTimeout(() => process.exit(1), 100);
});
