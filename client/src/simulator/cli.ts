/**
 * Runs one simulated device from the command line and prints what happens, one readable
 * line per event — the quickest way to see a Baton server work without hardware:
 *
 *   npm run simulate -- --device scale-1 --secret dev-secret-scale-1 --instrument scale --url http://127.0.0.1:2567
 *
 * Every flag falls back to an environment variable (BATON_URL, BATON_DEVICE_ID,
 * BATON_DEVICE_SECRET, BATON_INSTRUMENT), so a secret need not appear in the shell history.
 * Ctrl-C leaves the room cleanly (LEAVE frame) before exiting.
 */
import { parseArgs } from "node:util";
import { INSTRUMENT_NAMES, type InstrumentName } from "./instruments.ts";
import { SimulatedDevice } from "./device.ts";

const USAGE = `Usage: npm run simulate -- [options]

  --url <http://host:port>   Baton server (env BATON_URL, default http://127.0.0.1:2567)
  --device <id>              device id (env BATON_DEVICE_ID)
  --secret <secret>          device secret (env BATON_DEVICE_SECRET)
  --instrument <name>        ${INSTRUMENT_NAMES.join(" | ")} (env BATON_INSTRUMENT; default: guessed from the device id, else scale)
  --speed <n>                run jobs n times faster (default 1)
  --heartbeat <ms>           heartbeat period, 0 = off (default 5000)
  --max-attempts <n>         reconnect attempts before giving up (default 10)
  --seed <n>                 reproducible measurements
  --telemetry <ms>           live telemetry every <ms> (printer temperatures, raw weight, pH), 0 = off (default 200)
  --quiet                    only errors and results
  --help`;

function main(): void {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      device: { type: "string" },
      secret: { type: "string" },
      instrument: { type: "string" },
      speed: { type: "string" },
      heartbeat: { type: "string" },
      "max-attempts": { type: "string" },
      seed: { type: "string" },
      telemetry: { type: "string" },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) return void console.log(USAGE);

  const url = values.url ?? process.env.BATON_URL ?? "http://127.0.0.1:2567";
  const deviceId = values.device ?? process.env.BATON_DEVICE_ID;
  const secret = values.secret ?? process.env.BATON_DEVICE_SECRET;
  if (!deviceId || !secret) fatal("a device id and its secret are required (--device/--secret or BATON_DEVICE_ID/BATON_DEVICE_SECRET)");
  const instrument = (values.instrument ?? process.env.BATON_INSTRUMENT ?? guessInstrument(deviceId)) as InstrumentName;
  if (!INSTRUMENT_NAMES.includes(instrument)) fatal(`unknown instrument "${instrument}" (choose ${INSTRUMENT_NAMES.join(", ")})`);

  const quiet = values.quiet;
  const print = (line: string) => console.log(`${new Date().toISOString().slice(11, 23)} ${line}`);
  const device = new SimulatedDevice({
    url,
    deviceId,
    secret,
    instrument,
    speed: number(values.speed, "--speed"),
    heartbeatIntervalMs: number(values.heartbeat, "--heartbeat"),
    // Only a given flag overrides the policy: `{ maxAttempts: undefined }` would erase the default
    // (the log said "reconnect attempt 1/undefined" and never gave up).
    reconnect: values["max-attempts"] === undefined ? undefined : { maxAttempts: number(values["max-attempts"], "--max-attempts") },
    seed: number(values.seed, "--seed"),
    telemetryIntervalMs: number(values.telemetry, "--telemetry") ?? 200,
    log: quiet ? undefined : print,
  });
  device.events.on("jobFinished", (job) => {
    if (quiet) print(`[${deviceId}] ${job.runId} ${job.outcome}`);
  });
  device.events.on("gaveUp", ({ reason }) => fatal(`${deviceId} gave up: ${reason}`));

  print(`[${deviceId}] ${instrument} connecting to ${url}`);
  device.events.on("joined", () => {
    void device.next("welcome").then((welcome) => print(`[${deviceId}] online (epoch ${welcome.epoch}, phase ${welcome.phase}); Ctrl-C to leave`), () => {});
  });
  // A server that is not up yet is normal for a device: keep trying under the reconnect policy.
  device.startConnecting();

  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    print(`[${deviceId}] leaving`);
    void device.close().finally(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

/** `printer-1` → printer, `lab-3` → lab: the dev server's seeded devices are named after their instrument. */
function guessInstrument(deviceId: string): string {
  return INSTRUMENT_NAMES.find((name) => deviceId.startsWith(name)) ?? "scale";
}

function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) fatal(`${flag} needs a non-negative number, got "${value}"`);
  return parsed;
}

function fatal(message: string): never {
  console.error(`baton-simulate: ${message}`);
  process.exit(1);
}

main();
