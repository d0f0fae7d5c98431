/**
 * The load tool's command line: flags → typed, validated options. A bad flag is a sentence
 * and exit code 2 (cli.ts), never a stack trace.
 */
import { parseArgs } from "node:util";
import type { UserBehaviour } from "./events.ts";

export const USAGE = `usage: npm run loadtest -- --url http://host:port [options]

Simulates users and devices against a running Baton server, prints a progress line every
few seconds and a summary, and exits 1 on a lost result or a double grant (docs/LOADTEST.md).

target and size
  --url URL                    Baton server, e.g. http://127.0.0.1:2567 (required)
  --users N                    simulated users (default 20)
  --devices M                  simulated devices (default 3)
  --duration TIME              how long users start new work: 500ms, 30s, 2m (default 60s)
  --workers K                  load processes (default: one per 150 users and devices, at most the CPU count)

user tokens (one of)
  --dev-tokens                 mint tokens with the server's POST /dev/token (development mode; the default)
  --token-secret SECRET        sign HS256 tokens with the server's BATON_JWT_SECRET
  --token-issuer ISS           with --token-secret: the iss claim (BATON_JWT_ISSUER)
  --token-audience AUD         with --token-secret: the aud claim (BATON_JWT_AUDIENCE)

devices (by default the tool registers its own and deletes them at the end)
  --provision                  register devices <prefix>1..<M> through the admin API, use them and
                               delete them when the run ends (the default); needs an admin token
                               (dev tokens, or --token-secret)
  --device-prefix PREFIX       id prefix of the tool's own devices (default "lt<run tag>-", new every run)
  --device-ids a,b,c           use these existing devices instead; each must be offline (the tool
                               never takes over a connected device), e.g. the development
                               devices scale-1,printer-1,lab-1
  --device-secret-prefix P     secret of device <id> is P<id> (default "dev-secret-", the development registry)
  --devices-file FILE          existing devices from JSON {"devices":[{"id","secret","instrument"?}]}; each must be offline
  --device-speed X             instruments run X times faster than real (default 10)
  --device-drop-rate F         per job: the device's socket drops mid-job and it reconnects (default 0.02)

behaviour
  --one-shot-share F           share of sessions that are claim+run+release in one (default 0.6)
  --max-runs N                 runs in a lab session, 1..N (default 3)
  --drop-rate F                per run: the owner's socket drops mid-run, the SDK reconnects (default 0.05)
  --leave-rate F               per run: the owner leaves mid-run; half rejoin later, half never (default 0.05)
  --watch TIME                 a user watches up to this long before claiming (default 1s)
  --outcome-timeout TIME       a run with no outcome after this long counts as NO_OUTCOME (default 30s)
  --seed N                     seed of the simulated users' choices (default: random)

output
  --progress TIME              progress line interval (default 5s)
  --report FILE                also write the summary as JSON to FILE
  -h, --help                   this text

exit codes: 0 ok · 1 lost results, double grants or misdelivered results (or nothing happened)
            2 bad flags · 3 the target could not be prepared (unreachable, no token, unknown devices)`;

export class UsageError extends Error {}

export type TokenSource = { kind: "dev" } | { kind: "secret"; secret: string; issuer?: string; audience?: string };
export type DeviceSource =
  | { kind: "ids"; ids: string[]; secretPrefix: string }
  | { kind: "file"; path: string }
  /** The tool's own devices: registered before the run, deleted after it. `prefix` "" = one made from the run's tag. */
  | { kind: "provision"; prefix: string };

export interface LoadOptions {
  url: string;
  users: number;
  devices: number;
  durationMs: number;
  workers: number | "auto";
  tokens: TokenSource;
  deviceSource: DeviceSource;
  deviceSpeed: number;
  deviceDropRate: number;
  behaviour: UserBehaviour;
  seed: number;
  progressMs: number;
  reportPath?: string;
}

/** `500ms`, `30s`, `2m`, or a bare number of seconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new UsageError(`${flag} must be a duration such as 500ms, 30s or 2m, not "${text}".`);
  const value = Number(match[1]);
  const unit = match[2] ?? "s";
  return Math.round(unit === "ms" ? value : unit === "s" ? value * 1000 : value * 60_000);
}

function integer(text: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not "${text}".`);
  return value;
}

function fraction(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new UsageError(`${flag} must be a number from 0 to 1, not "${text}".`);
  return value;
}

/** Parses argv (without node and script); returns null for --help. Throws UsageError with a sentence. */
export function parseLoadOptions(argv: string[]): LoadOptions | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: "string" }, users: { type: "string" }, devices: { type: "string" }, duration: { type: "string" },
        workers: { type: "string" },
        "dev-tokens": { type: "boolean" }, "token-secret": { type: "string" }, "token-issuer": { type: "string" }, "token-audience": { type: "string" },
        "device-ids": { type: "string" }, "device-secret-prefix": { type: "string" }, "devices-file": { type: "string" },
        provision: { type: "boolean" }, "device-prefix": { type: "string" }, "device-speed": { type: "string" }, "device-drop-rate": { type: "string" },
        "one-shot-share": { type: "string" }, "max-runs": { type: "string" }, "drop-rate": { type: "string" }, "leave-rate": { type: "string" },
        watch: { type: "string" }, "outcome-timeout": { type: "string" }, seed: { type: "string" },
        progress: { type: "string" }, report: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\. To specify.*$/s, "")}. Run with --help for the options.`);
  }
  if (values.help) return null;
  if (!values.url) throw new UsageError("--url is required: the Baton server to load, e.g. --url http://127.0.0.1:2567.");
  let url: URL;
  try {
    url = new URL(values.url);
  } catch {
    throw new UsageError(`--url must be an http(s) URL such as http://127.0.0.1:2567, not "${values.url}".`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`--url must start with http:// or https://, not "${url.protocol}//".`);

  if (values["dev-tokens"] && values["token-secret"] !== undefined) throw new UsageError("Choose one of --dev-tokens and --token-secret, not both.");
  if ((values["token-issuer"] || values["token-audience"]) && values["token-secret"] === undefined) {
    throw new UsageError("--token-issuer and --token-audience only apply with --token-secret.");
  }
  const tokens: TokenSource = values["token-secret"] !== undefined
    ? { kind: "secret", secret: values["token-secret"], issuer: values["token-issuer"], audience: values["token-audience"] }
    : { kind: "dev" };
  if (tokens.kind === "secret" && tokens.secret.length === 0) throw new UsageError("--token-secret must not be empty.");

  const devices = integer(values.devices, "--devices", 3, 1, 100_000);
  const sources = [values["devices-file"] !== undefined, Boolean(values.provision), values["device-ids"] !== undefined].filter(Boolean).length;
  if (sources > 1) throw new UsageError("Choose one of --device-ids, --devices-file and --provision.");
  let deviceSource: DeviceSource;
  if (values["devices-file"] !== undefined) {
    deviceSource = { kind: "file", path: values["devices-file"] };
  } else if (values["device-ids"] === undefined) {
    const prefix = values["device-prefix"] ?? "";
    if (prefix !== "" && !/^[A-Za-z0-9_-]{1,40}$/.test(prefix)) throw new UsageError(`--device-prefix must be 1–40 letters, digits, '_' or '-', not "${prefix}".`);
    deviceSource = { kind: "provision", prefix };
  } else {
    const ids = values["device-ids"].split(",").map((id) => id.trim()).filter(Boolean);
    if (ids.length < devices) {
      throw new UsageError(`--devices ${devices} needs ${devices} device ids but ${ids.length} ${ids.length === 1 ? "was" : "were"} given (${ids.join(", ")}); pass more with --device-ids, a --devices-file, or leave both out and the tool registers its own.`);
    }
    deviceSource = { kind: "ids", ids: ids.slice(0, devices), secretPrefix: values["device-secret-prefix"] ?? "dev-secret-" };
  }
  if (values["device-prefix"] !== undefined && deviceSource.kind !== "provision") throw new UsageError("--device-prefix only applies with --provision.");
  if (values["device-secret-prefix"] !== undefined && deviceSource.kind !== "ids") throw new UsageError("--device-secret-prefix only applies to --device-ids (a --devices-file names each secret).");

  const workersText = values.workers;
  const workers = workersText === undefined || workersText === "auto" ? "auto" as const : integer(workersText, "--workers", 1, 1, 64);
  const deviceSpeed = values["device-speed"] === undefined ? 10 : Number(values["device-speed"]);
  if (!Number.isFinite(deviceSpeed) || deviceSpeed <= 0 || deviceSpeed > 1000) throw new UsageError(`--device-speed must be a number above 0 and at most 1000, not "${values["device-speed"]}".`);

  return {
    url: url.origin,
    users: integer(values.users, "--users", 20, 1, 100_000),
    devices,
    durationMs: values.duration === undefined ? 60_000 : parseDuration(values.duration, "--duration"),
    workers,
    tokens,
    deviceSource,
    deviceSpeed,
    deviceDropRate: fraction(values["device-drop-rate"], "--device-drop-rate", 0.02),
    behaviour: {
      oneShotShare: fraction(values["one-shot-share"], "--one-shot-share", 0.6),
      maxRunsPerSession: integer(values["max-runs"], "--max-runs", 3, 1, 100),
      dropRate: fraction(values["drop-rate"], "--drop-rate", 0.05),
      leaveRate: fraction(values["leave-rate"], "--leave-rate", 0.05),
      watchMs: values.watch === undefined ? 1_000 : parseDuration(values.watch, "--watch"),
      outcomeTimeoutMs: values["outcome-timeout"] === undefined ? 30_000 : parseDuration(values["outcome-timeout"], "--outcome-timeout"),
    },
    seed: values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : integer(values.seed, "--seed", 0, 0, 2 ** 31 - 1),
    progressMs: values.progress === undefined ? 5_000 : Math.max(200, parseDuration(values.progress, "--progress")),
    reportPath: values.report,
  };
}
