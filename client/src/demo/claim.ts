/**
 * The seed's flow from the command line, against a development server, with the SDK:
 * get a dev token, claim the device with a run and releaseOnComplete, print the result —
 * labelled, with the units the device declares in its output schema (or as JSON with --json).
 * Every failure is a sentence and an exit code, never a stack trace.
 *
 *   npm run demo:claim -- --device scale-1 [--type weighing] [--input '{"userAge":25}'] [--url http://127.0.0.1:2567] [--user alice] [--json]
 */
import { parseArgs } from "node:util";
import { BatonClient, BatonError, describeOutput, type DeviceView, type JsonObject, type RunResult } from "@baton/client";

const USAGE = `usage: npm run demo:claim -- [--device scale-1] [--type weighing] [--input '{"userAge":25}'] [--url http://127.0.0.1:2567] [--user alice] [--json]

Against a development server (npm run dev): gets a dev token for --user, claims --device
with one run of --type (default: the demo device's own type) and releaseOnComplete, prints
the session as it moves and the result, labelled with the titles and units the device
declares (--json: the result as JSON instead). Exits 0 with a result, 1 when the run failed or was
refused, 2 for wrong arguments.

  --device  scale-1, printer-1 or lab-1 (the demo devices), or any registered device id
  --type    session type; defaults: scale-1 weighing, printer-1 printing, lab-1 analysis
  --input   the run's input as JSON, e.g. '{"userAge":25,"userGender":"female"}'
            (printer-1 needs '{"fileName":"benchy.gcode"}', lab-1 '{"sampleType":"water","testType":"pH"}')
  --url     the server (default $BATON_URL or http://127.0.0.1:2567)
  --user    the user id to claim as (default alice)
  --json    print the result as JSON ({ "result": { runId, sessionType, output } })`;

function fail(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      url: { type: "string", default: process.env.BATON_URL ?? "http://127.0.0.1:2567" },
      device: { type: "string", default: "scale-1" },
      type: { type: "string" },
      input: { type: "string", default: "{}" },
      user: { type: "string", default: "alice" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
} catch (error) {
  fail(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`, 2);
}
const { values } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const defaultTypes: Record<string, string> = { "scale-1": "weighing", "printer-1": "printing", "lab-1": "analysis" };
const deviceId = values.device!;
const sessionType = values.type ?? defaultTypes[deviceId] ?? "weighing";
let input: Record<string, unknown>;
try {
  input = JSON.parse(values.input!);
  if (typeof input !== "object" || input === null || Array.isArray(input)) throw new Error("not an object");
} catch {
  fail(`--input must be a JSON object, e.g. --input '{"userAge":25}' (got ${values.input}).`, 2);
}

function describe(view: DeviceView): string {
  const session = view.session;
  const holder = session.holder ? ` · held by ${session.holder.name}` : "";
  const progress = session.phase === "running" ? ` · ${Math.round(session.progress * 100)}% ${session.progressMessage}` : "";
  return `  device ${view.device.online ? "online" : "offline"} · phase ${session.phase} · epoch ${session.epoch}${holder}${progress}`;
}

/** Text from the device, made safe for a terminal: no control characters (escape sequences). */
const printable = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");

/** The result as people read it: "  Weight          72.4 kg", one line per value. */
function resultLines(result: RunResult, outputSchema: JsonObject | null): string {
  const lines = describeOutput(result.output, outputSchema);
  const width = Math.max(0, ...lines.map((line) => printable(line.label).length));
  return [`result of run ${result.runId} (${printable(result.sessionType)}):`, ...lines.map((line) => `  ${printable(line.label).padEnd(width)}  ${printable(line.text)}`)].join("\n");
}

try {
  const client = await BatonClient.dev(values.url!, { userId: values.user! });
  const device = client.device(deviceId);
  let last = "";
  device.on("changed", (view) => {
    if (!view.synced) return;
    const line = describe(view);
    if (line !== last) console.log((last = line));
  });
  // Across a server restart the handle joins again by itself (client/README.md, "Connection").
  device.on("connection", (state) => {
    if (state === "reconnecting") console.log("  reconnecting to the server…");
    else if (state === "open" && last) console.log("  connected again");
  });
  await device.ready();
  console.log(`claiming ${deviceId} as ${values.user} and running "${sessionType}" …`);
  try {
    const result = await device.claimAndRun(sessionType, input);
    const outputSchema = device.state.device.sessionTypes.find((type) => type.name === result.sessionType)?.outputSchema ?? null;
    console.log(values.json ? JSON.stringify({ result }, null, 2) : resultLines(result, outputSchema));
  } finally {
    await device.leave();
  }
  process.exit(0);
} catch (error) {
  if (error instanceof BatonError) fail(`${error.message} (${error.code})`);
  fail(`The demo failed: ${error instanceof Error ? error.message : String(error)}`);
}
