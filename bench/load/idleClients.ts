/**
 * Load process of S3 (capacity): opens `count` raw connections to one system and holds them
 * idle until told to stop — devices (one per device id: `hello`, `welcome`, a heartbeat
 * every 5 s as protocol §7.5 asks) or spectators (spread round-robin over the device ids'
 * rooms). Forked several at once by bench/scenarios/s3Capacity.ts, so that no single
 * process (or its file limit) is what caps the count. It measures nothing: the orchestrator
 * reads the server's memory and CPU from /proc.
 */
import { connectDevice, connectUser, devToken, inBatches, sendHeartbeats, type Endpoint, type SystemName } from "../lib/wire.ts";

export interface IdleClientsEnv {
  system: SystemName;
  baseUrl: string;
  role: "device" | "spectator";
  deviceIds: string[];
  /** Baton devices: the one secret every bench device of S3 shares. */
  deviceSecret?: string;
  count: number;
  offset: number;
}

export type IdleClientsMessage =
  | { type: "ready"; connected: number; failed: number; firstError: string | null }
  | { type: "failed"; error: string };

const CONNECT_CONCURRENCY = 32;
/** Each device join is an scrypt check on the server, two at a time (BATON_SECRET_CHECK_CONCURRENCY). */
const DEVICE_CONNECT_CONCURRENCY = 4;
const env = JSON.parse(process.env.BENCH_LOAD ?? "null") as IdleClientsEnv | null;
if (!env || !process.send) {
  console.error("this is a load process of `npm run bench`; run that instead");
  process.exit(2);
}
const send = (message: IdleClientsMessage) => process.send!(message);

async function main() {
  const { system, baseUrl, role, deviceIds, count, offset } = env!;
  // One token per process: its spectators are tabs of a few viewers, which costs the room the same.
  const token = system === "baton" && role === "spectator" ? await devToken(baseUrl, `bench-idle-${offset}`) : undefined;
  const stops: Array<() => void> = [];
  let failed = 0;
  let firstError: string | null = null;
  const concurrency = role === "device" ? DEVICE_CONNECT_CONCURRENCY : CONNECT_CONCURRENCY;
  const clients = await inBatches(Array.from({ length: count }, (_, i) => offset + i), concurrency, async (n): Promise<Endpoint | null> => {
    const deviceId = deviceIds[n % deviceIds.length]!;
    const target = { system, baseUrl, deviceId, deviceSecret: env!.deviceSecret };
    try {
      if (role === "spectator") return await connectUser(target, "spectator", `bench-idle-${n}`, token);
      // Both systems' devices heartbeat every 5 s (the relay reads and ignores them).
      const device = await connectDevice(target);
      stops.push(sendHeartbeats(device));
      return device;
    } catch (error) {
      failed++;
      firstError ??= (error as Error).message;
      return null;
    }
  });
  process.on("message", async (command: { cmd: string }) => {
    if (command.cmd !== "stop") return;
    for (const stop of stops) stop();
    await inBatches(clients.filter((c): c is Endpoint => c !== null), 128, (client) => client.close());
    process.exit(0);
  });
  send({ type: "ready", connected: clients.filter(Boolean).length, failed, firstError });
}

process.on("disconnect", () => process.exit(0));
main().catch((error) => {
  send({ type: "failed", error: `${env!.system} idle ${env!.role}s could not connect: ${(error as Error).message}` });
  setTimeout(() => process.exit(1), 100);
});
