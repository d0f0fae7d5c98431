/**
 * Getting a Baton server ready to be loaded: user tokens (the development `POST /dev/token`
 * route, or HS256 tokens signed with the server's secret), the devices the simulated
 * instruments will be (ids and secrets from flags, a file, or registered through the admin
 * API), and the owners' own `GET /results` for the final reconciliation.
 *
 * Every failure here is a `TargetError` whose message is a sentence naming the fix.
 */
import { readFile } from "node:fs/promises";
import { SignJWT } from "jose";
import type { WorkerDevice } from "./events.ts";
import type { DeviceSource, TokenSource } from "./options.ts";

export class TargetError extends Error {}

const HTTP_TIMEOUT_MS = 10_000;
/** Signed tokens live this long: well inside the server's default BATON_JWT_MAX_LIFETIME_S (24 h). */
const SIGNED_TOKEN_LIFETIME_S = 3_600;

async function http(url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  } catch (error) {
    throw new TargetError(`Cannot reach ${url}: ${(error as Error).cause ? String((error as any).cause.code ?? (error as any).cause.message) : (error as Error).message}. Is the Baton server running there?`);
  }
}

export async function checkReachable(baseUrl: string): Promise<void> {
  const response = await http(`${baseUrl}/healthz`);
  if (!response.ok) throw new TargetError(`${baseUrl}/healthz answered ${response.status}; is this a Baton server?`);
}

export class TokenMinter {
  private readonly key: Uint8Array | null;

  constructor(private readonly baseUrl: string, private readonly source: TokenSource) {
    this.key = source.kind === "secret" ? new TextEncoder().encode(source.secret) : null;
  }

  async mint(userId: string, roles: string[] = []): Promise<string> {
    if (this.source.kind === "secret") {
      const now = Math.floor(Date.now() / 1000);
      let jwt = new SignJWT({ name: userId, roles }).setProtectedHeader({ alg: "HS256" }).setSubject(userId).setIssuedAt(now).setExpirationTime(now + SIGNED_TOKEN_LIFETIME_S);
      if (this.source.issuer) jwt = jwt.setIssuer(this.source.issuer);
      if (this.source.audience) jwt = jwt.setAudience(this.source.audience);
      return jwt.sign(this.key!);
    }
    let response = await this.requestDevToken(userId, roles);
    // Baton rate-limits its HTTP API per address (BATON_HTTP_RATE_LIMIT_*), and every
    // simulated user comes from this one: wait as told and ask again.
    for (let attempt = 0; response.status === 429 && attempt < 30; attempt++) {
      const waitSeconds = Math.min(10, Math.max(1, Number(response.headers.get("retry-after")) || 1));
      await new Promise((resolve) => setTimeout(resolve, waitSeconds * 1000));
      response = await this.requestDevToken(userId, roles);
    }
    if (response.status === 404) {
      throw new TargetError(`${this.baseUrl} has no POST /dev/token (it is not in development mode); pass --token-secret with its BATON_JWT_SECRET instead.`);
    }
    if (!response.ok) throw new TargetError(`POST /dev/token answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    return ((await response.json()) as { token: string }).token;
  }

  private requestDevToken(userId: string, roles: string[]) {
    return http(`${this.baseUrl}/dev/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userId, name: userId, ...(roles.length ? { roles } : {}) }),
    });
  }
}

/** Which instrument a device is: named in a file, guessed from its id, or taken in turn. */
export function instrumentFor(deviceId: string, index: number, named?: string): WorkerDevice["instrument"] {
  if (named === "scale" || named === "printer" || named === "lab") return named;
  for (const name of ["scale", "printer", "lab"] as const) if (deviceId.includes(name)) return name;
  // Mostly scales and pH meters: printers run longest and hold a device the longest.
  return (["scale", "lab", "scale", "printer"] as const)[index % 4]!;
}

/** The devices a run uses, and how to put the target back as it was. */
export interface PreparedDevices {
  devices: WorkerDevice[];
  /** Deletes the devices this run registered (none when it used existing ones); returns a line to print, or "". */
  cleanUp(): Promise<string>;
}

/**
 * The devices of the run. By default (`--provision`) the tool registers its own,
 * `<prefix>1..count`, and `cleanUp` deletes them. Existing devices (`--device-ids`,
 * `--devices-file`) must be registered and offline: connecting as a connected device would
 * take its seat and kick it off (a simulator of the quick tour, or real hardware), so the
 * tool refuses instead.
 */
export async function resolveDevices(baseUrl: string, source: DeviceSource, count: number, tokens: TokenMinter, runTag: string, log: (line: string) => void): Promise<PreparedDevices> {
  if (source.kind === "provision") return provisionDevices(baseUrl, source.prefix || `${runTag}-`, count, tokens, log);
  let devices: WorkerDevice[];
  if (source.kind === "ids") {
    devices = source.ids.map((id, index) => ({ deviceId: id, secret: `${source.secretPrefix}${id}`, instrument: instrumentFor(id, index) }));
  } else {
    let parsed: any;
    try {
      parsed = JSON.parse(await readFile(source.path, "utf8"));
    } catch (error) {
      throw new TargetError(`Cannot read --devices-file ${source.path}: ${(error as Error).message}`);
    }
    const list = Array.isArray(parsed?.devices) ? parsed.devices : null;
    if (!list || list.some((d: any) => typeof d?.id !== "string" || typeof d?.secret !== "string")) {
      throw new TargetError(`--devices-file ${source.path} must be {"devices":[{"id":"…","secret":"…","instrument":"scale|printer|lab"?}]}.`);
    }
    if (list.length < count) throw new TargetError(`--devices ${count} needs ${count} devices but ${source.path} lists ${list.length}.`);
    devices = list.slice(0, count).map((d: any, index: number) => ({ deviceId: d.id, secret: d.secret, instrument: instrumentFor(d.id, index, d.instrument) }));
  }
  await refuseConnectedDevices(baseUrl, devices.map((device) => device.deviceId), await tokens.mint(`${runTag}-device-check`));
  return { devices, cleanUp: async () => "" };
}

/** Each existing device must be registered and have no connection (its live status, GET /devices/{id}). */
async function refuseConnectedDevices(baseUrl: string, deviceIds: string[], token: string): Promise<void> {
  for (const deviceId of deviceIds) {
    const response = await http(`${baseUrl}/devices/${encodeURIComponent(deviceId)}`, { headers: { authorization: `Bearer ${token}` } });
    if (response.status === 404) throw new TargetError(`${deviceId} is not registered on ${baseUrl}; name registered devices, or leave out --device-ids and --devices-file and the tool registers its own.`);
    if (!response.ok) throw new TargetError(`GET /devices/${deviceId} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    const { status } = (await response.json()) as { status: { online: boolean; connection: string } };
    if (status.online || status.connection === "disconnected") {
      throw new TargetError(`${deviceId} is ${status.online ? "connected" : "reconnecting (in its grace period)"}: the load tool will not connect as it, which would take over its seat and disconnect it. Stop that device first, or leave out --device-ids and --devices-file and the tool registers its own devices (and deletes them afterwards).`);
    }
  }
}

async function provisionDevices(baseUrl: string, prefix: string, count: number, tokens: TokenMinter, log: (line: string) => void): Promise<PreparedDevices> {
  const admin = await tokens.mint("loadtest-admin", ["admin"]);
  const headers = { "content-type": "application/json", authorization: `Bearer ${admin}` };
  const devices: WorkerDevice[] = [];
  const cleanUp = async (): Promise<string> => {
    // A long run outlives a signed token: ask for a fresh one, keeping the first if that fails.
    const token = await tokens.mint("loadtest-admin", ["admin"]).catch(() => admin);
    const failed: string[] = [];
    for (const { deviceId } of devices) {
      const response = await http(`${baseUrl}/admin/devices/${encodeURIComponent(deviceId)}`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } }).catch(() => null);
      if (!response || (!response.ok && response.status !== 404)) failed.push(deviceId);
    }
    if (devices.length === 0) return "";
    return failed.length === 0
      ? `deleted the ${devices.length} devices this run registered (${prefix}1..${devices.length})`
      : `could not delete ${failed.join(", ")}; delete them with \`npm run baton -- device delete <id>\``;
  };
  try {
    for (let n = 1; n <= count; n++) {
      const deviceId = `${prefix}${n}`;
      const instrument = instrumentFor(deviceId, n - 1);
      const response = await http(`${baseUrl}/admin/devices`, { method: "POST", headers, body: JSON.stringify({ deviceId, label: `load test ${instrument}`, kind: instrument }) });
      if (response.status === 409) {
        throw new TargetError(`${deviceId} is already registered on ${baseUrl}: the tool only uses devices it registers itself (and deletes afterwards). Choose another --device-prefix, or use existing, offline devices with --device-ids.`);
      }
      if (response.status === 401 || response.status === 403) {
        throw new TargetError(`The admin API refused to register ${deviceId} (${response.status}); registering the run's own devices needs an admin token (dev tokens, or --token-secret with the server's secret), or name existing, offline devices with --device-ids.`);
      }
      if (!response.ok) throw new TargetError(`Registering ${deviceId} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
      const { secret } = (await response.json()) as { secret: string };
      devices.push({ deviceId, secret, instrument });
    }
  } catch (error) {
    const cleaned = await cleanUp();
    if (cleaned) log(cleaned);
    throw error;
  }
  log(`provisioned ${count} devices ${prefix}1..${count} for this run (deleted when it ends)`);
  return { devices, cleanUp };
}

/** The run ids in a user's own stored results (`GET /results`, newest first, up to `maxPages` pages). */
export async function storedResultRunIds(baseUrl: string, token: string, maxPages = 20): Promise<Set<string>> {
  const runIds = new Set<string>();
  let before: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const response = await http(`${baseUrl}/results?limit=100${before ? `&before=${before}` : ""}`, { headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) throw new TargetError(`GET /results answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    const body = (await response.json()) as { results: Array<{ runId: string }>; next?: string };
    for (const result of body.results) runIds.add(result.runId);
    if (!body.next) break;
    before = body.next;
  }
  return runIds;
}
