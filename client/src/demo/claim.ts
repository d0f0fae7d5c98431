/**
 * The seed's flow from the command line, against a development server:
 * get a dev token, join the device, claim + run with releaseOnComplete, print the result.
 *
 *   npm run demo:claim -- --device scale-1 [--type weighing] [--input '{"userAge":25}'] [--url http://127.0.0.1:2567] [--user alice]
 */
import { parseArgs } from "node:util";
import { joinDevice } from "../sdk/deviceSession.ts";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: process.env.BATON_URL ?? "http://127.0.0.1:2567" },
    device: { type: "string", default: "scale-1" },
    type: { type: "string" },
    input: { type: "string", default: "{}" },
    user: { type: "string", default: "alice" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(`usage: npm run demo:claim -- [--device scale-1] [--type weighing] [--input '{"userAge":25}'] [--url http://127.0.0.1:2567] [--user alice]
  against a development server (npm run dev): gets a dev token, claims the device with a run
  and releaseOnComplete, prints the result`);
  process.exit(0);
}

const defaultTypes: Record<string, string> = { "scale-1": "weighing", "printer-1": "printing", "lab-1": "analysis" };
const sessionType = values.type ?? defaultTypes[values.device!] ?? "weighing";

const tokenResponse = await fetch(`${values.url}/dev/token`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ userId: values.user, name: values.user }),
});
if (!tokenResponse.ok) {
  console.error(`could not get a dev token (${tokenResponse.status}): is the server running with npm run dev?`);
  process.exit(1);
}
const { token } = (await tokenResponse.json()) as { token: string };
const session = await joinDevice({ url: values.url!, token, deviceId: values.device! });
session.room.onStateChange((state) => {
  const s = state.session;
  console.log(`  device ${state.device.online ? "online" : "offline"} · phase ${s.phase} · epoch ${s.epoch}${s.ownerName ? ` · held by ${s.ownerName}` : ""}${s.phase === "running" ? ` · ${Math.round(s.progress * 100)}% ${s.progressMessage}` : ""}`);
});
console.log(`claiming ${values.device} as ${values.user} and running "${sessionType}" …`);
session.claim({ sessionType, input: JSON.parse(values.input!), releaseOnComplete: true });
const outcome = await Promise.race([
  session.nextResult(120_000).then((result) => ({ result })),
  session.nextError(120_000).then((error) => ({ error })),
  session.nextFailure(120_000).then((failure) => ({ failure })),
]);
console.log(JSON.stringify(outcome, null, 2));
await session.leave();
process.exit("result" in outcome ? 0 : 1);
