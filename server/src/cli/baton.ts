/**
 * `npm run baton -- <command>`: operator commands against whichever store is configured
 * (SQLite in BATON_DATA_DIR, or PostgreSQL with DATABASE_URL) — the same store the server
 * uses, so a running server sees the change (disable / rotate close the device's connection
 * within BATON_REGISTRY_POLL_MS).
 *
 *   device add <id> [--label "…"] [--kind scale]   register; prints the secret ONCE
 *   device list                                   every device, with state
 *   device disable <id>                           refuse its joins, close its connection
 *   device delete <id>                            remove it from the registry (history and epoch stay)
 *   device rotate-secret <id>                     new secret (printed once); the old one stops working
 *   device raise-epoch <id> <epoch>               recovery after a wiped store; refused while a server runs on the store (docs/PROTOCOL.md §6)
 *   device repair-epoch <id>                      an epoch beyond MAX_EPOCH back to the last sane one + 1; likewise (§6)
 *   device drain <id> --reason "…"                the session in flight finishes; nobody new is granted it
 *   device quarantine <id> --reason "…"           out of rotation until released
 *   device release <id> [--reason "…"]            back into rotation (from drained, quarantined or maintenance)
 *   device availability                           every device that is not simply available
 *   device update <id> --url … --version … --sha256 …   offer a firmware image (issue 23); `--cancel` withdraws it; alone: where it stands
 *   booking list|create|cancel …                  bookings of devices (cli/bookingCommand.ts)
 *   migrate                                       bring the store's schema up to date and exit
 *   token --user <id> [--admin] [--ttl 1h]        sign a user token with BATON_JWT_SECRET (cli/token.ts)
 *   config check                                  the effective configuration (file + environment), secrets masked
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { z } from "zod";
import { describeZodError, FirmwareUpdateOffer, PoolName } from "@baton/protocol/messages";
import { poolOf } from "../ports/devices.ts";
import { DeviceAvailability } from "@baton/protocol";
import { openStore, type StoreConfig } from "../adapters/openStore.ts";
import { liveServerOn } from "../store/liveServer.ts";
import { DeviceIdSchema } from "../auth/deviceRegistry.ts";
import { hashDeviceSecret, newDeviceSecret } from "../auth/deviceSecrets.ts";
import { ConfigError, loadStoreConfig } from "../config/config.ts";
import { checkConfig } from "../config/configCheck.ts";
import { AuditAction, DeviceExistsError, type BatonStore } from "../ports/store.ts";
import { MAX_EPOCH } from "../session/index.ts";
import { cancelled, newRequest } from "../session/firmwareUpdate.ts";
import { TOKEN_USAGE, TokenUsageError, tokenCommand } from "./token.ts";
import { textTable } from "./textTable.ts";
import { BOOKING_USAGE, BookingUsageError, bookingCommand } from "./bookingCommand.ts";

const USAGE = `usage: npm run baton -- <command>
  device add <id> [--label "Clinic scale"] [--kind scale]
  device list
  device disable <id>
  device delete <id>              (history and epoch stay; registering the id again continues above its epoch)
  device rotate-secret <id>
  device raise-epoch <id> <epoch>   (with the server stopped: refused while one runs on the store)
  device repair-epoch <id>          (likewise)
  device drain <id> --reason "recalibration at noon"
  device quarantine <id> --reason "cable frayed"
  device release <id> [--reason "fixed"]
  device availability
  device pool <id> <name>         (explicit pool name; "" = back to its kind's pool)
  device update <id> --url https://fw.lab/scale-1.3.0.bin --version 1.3.0 --sha256 <64 hex>
  device update <id> --cancel
  device update <id>              (the latest request and where it stands)
${BOOKING_USAGE}
  migrate
${TOKEN_USAGE}
  config check                    the effective configuration (baton.config.json + environment), secrets masked

drain / quarantine / release write the device's durable availability record; a running
server applies it within BATON_REGISTRY_POLL_MS (or when the device's room is next created).
update writes the device's update request; the device gets it at its next connection (the
HTTP API, POST /admin/devices/<id>/update, offers it to a connected device at once).`;

class UsageError extends Error {}

const actor = () => `cli:${os.userInfo().username}`;

function deviceId(value: string | undefined): string {
  const parsed = DeviceIdSchema.safeParse(value ?? "");
  if (!parsed.success) throw new UsageError(`a device id is 1–64 letters, digits, '_' or '-' (got ${JSON.stringify(value ?? "")})`);
  return parsed.data;
}

/** raise-epoch and repair-epoch change what a live room holds in memory: only with no server running on the store. */
async function refuseWhileServerRuns(storeConfig: StoreConfig, verb: string, device: string): Promise<void> {
  const live = await liveServerOn(storeConfig);
  if (live) {
    throw new UsageError(`refusing to ${verb} ${device}: ${live}. A live room keeps the epoch it holds and cannot store a lower one, so the device would jam (claims hang); stop the server, run this again, then start it (docs/PROTOCOL.md §6).`);
  }
}

async function deviceCommand(store: BatonStore, storeConfig: StoreConfig, args: string[]): Promise<string> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: {
    label: { type: "string" }, kind: { type: "string" }, reason: { type: "string" },
    url: { type: "string" }, version: { type: "string" }, sha256: { type: "string" }, cancel: { type: "boolean" },
  } });
  const [verb, id, extra] = positionals;
  const now = Date.now();
  switch (verb) {
    case "add": {
      const device = deviceId(id);
      const label = z.string().max(200).parse(values.label ?? "");
      const kind = z.string().max(64).parse(values.kind ?? "");
      const secret = newDeviceSecret();
      try {
        await store.devices.add({ deviceId: device, label, kind, secretHash: await hashDeviceSecret(secret), createdAt: now });
      } catch (error) {
        if (error instanceof DeviceExistsError) throw new UsageError(`${error.message}; use \`device rotate-secret ${device}\` for a new secret`);
        throw error;
      }
      await store.audit.record({ at: now, actor: actor(), action: AuditAction.REGISTER, deviceId: device, detail: { label, kind } });
      return `registered ${device}\nsecret: ${secret}\n(shown once: store it on the device now; only its hash is kept)`;
    }
    case "list": {
      const devices = await store.devices.list();
      if (devices.length === 0) return "no devices registered";
      return textTable(["DEVICE", "KIND", "STATE", "POOL", "SESSION TYPES", "LABEL"], devices.map((device) => [
        device.deviceId,
        device.kind || "-",
        device.disabledAt !== null ? `disabled ${new Date(device.disabledAt).toISOString()}` : "enabled",
        poolOf(device) || "-",
        device.sessionTypes.map((type) => type.name).join(",") || "-",
        device.label,
      ]));
    }
    case "delete": {
      const device = deviceId(id);
      if (!(await store.devices.remove(device))) throw new UsageError(`no device "${device}" is registered`);
      await store.audit.record({ at: now, actor: actor(), action: AuditAction.DELETE, deviceId: device, detail: {} });
      return `deleted ${device}: its joins are refused and a running server closes its connection within BATON_REGISTRY_POLL_MS; its history, results and epoch stay (registering ${device} again continues above its last epoch)`;
    }
    case "disable": {
      const device = deviceId(id);
      if (!(await store.devices.disable(device, now))) throw new UsageError(`no device "${device}" is registered`);
      await store.audit.record({ at: now, actor: actor(), action: AuditAction.DISABLE, deviceId: device, detail: {} });
      return `disabled ${device}: its joins are refused and a connected server closes its connection (4102 DEVICE_REVOKED)`;
    }
    case "rotate-secret": {
      const device = deviceId(id);
      const secret = newDeviceSecret();
      if (!(await store.devices.setSecretHash(device, await hashDeviceSecret(secret)))) throw new UsageError(`no device "${device}" is registered`);
      await store.audit.record({ at: now, actor: actor(), action: AuditAction.ROTATE_SECRET, deviceId: device, detail: {} });
      return `rotated the secret of ${device}\nsecret: ${secret}\n(shown once; the old secret no longer works and its connection is closed)`;
    }
    case "raise-epoch": {
      const device = deviceId(id);
      const epoch = z.coerce.number().int().positive().max(MAX_EPOCH).safeParse(extra);
      if (!epoch.success) throw new UsageError(`raise-epoch needs a positive whole epoch, at most ${MAX_EPOCH}`);
      await refuseWhileServerRuns(storeConfig, "raise the epoch of", device);
      const stored = await store.deviceStates.raiseEpoch(device, epoch.data, now);
      await store.audit.record({ at: now, actor: actor(), action: AuditAction.RAISE_EPOCH, deviceId: device, detail: { to: stored } });
      return `${device}: epoch is now ${stored}; start the server again`;
    }
    case "repair-epoch": {
      // An epoch beyond MAX_EPOCH was never issued by Baton (a forged hello stored it before
      // hellos were capped): go back to one above the highest epoch a session really had.
      const device = deviceId(id);
      const current = await store.deviceStates.load(device);
      if (!current) throw new UsageError(`device "${device}" has no stored state: nothing to repair`);
      if (current.epoch > MAX_EPOCH) await refuseWhileServerRuns(storeConfig, "repair the epoch of", device);
      if (current.epoch <= MAX_EPOCH) return `${device}: epoch ${current.epoch} is sane (at most ${MAX_EPOCH}); nothing repaired (epochs are never lowered)`;
      const [lastSane] = await store.history.listSessions(device, 1, MAX_EPOCH + 1);
      const to = (lastSane?.epoch ?? 0) + 1;
      const stored = await store.deviceStates.repairEpoch(device, to, now);
      if (stored !== to) return `${device}: epoch ${stored} is sane (at most ${MAX_EPOCH}); nothing repaired (epochs are never lowered)`;
      await store.audit.record({ at: now, actor: actor(), action: AuditAction.RAISE_EPOCH, deviceId: device, detail: { repaired: true, to } });
      return `${device}: epoch repaired to ${to} (one above its last session). Reset the device's remembered epoch (it refuses a lower welcome until then), then start the server again`;
    }
    case "drain":
    case "quarantine":
    case "release": {
      const device = deviceId(id);
      if (!(await store.devices.find(device))) throw new UsageError(`no device "${device}" is registered`);
      const reason = z.string().trim().max(500).parse(values.reason ?? (verb === "release" ? "returned to service" : ""));
      if (!reason) throw new UsageError(`${verb} needs --reason "…" (it is shown to the people waiting and kept in the audit log)`);
      const status = verb === "drain" ? DeviceAvailability.DRAINED : verb === "quarantine" ? DeviceAvailability.QUARANTINED : DeviceAvailability.AVAILABLE;
      await store.availability.set({ deviceId: device, status, reason, since: now, by: actor() });
      await store.audit.record({ at: now, actor: actor(), action: AuditAction.AVAILABILITY, deviceId: device, detail: { status, reason } });
      return `${device}: ${status} (${reason}); a running server applies it within BATON_REGISTRY_POLL_MS`;
    }
    case "pool": {
      const device = deviceId(id);
      const pool = PoolName.or(z.literal("")).safeParse(extra ?? "");
      if (!pool.success) throw new UsageError(`a pool name is 1–64 letters, digits, '_' or '-', or "" to return to the kind's pool (got ${JSON.stringify(extra)})`);
      if (!(await store.devices.setPool(device, pool.data))) throw new UsageError(`no device "${device}" is registered`);
      const registered = (await store.devices.find(device))!;
      return `${device}: pool ${poolOf(registered) || "(none: no kind)"}; a running pool room sees it within BATON_REGISTRY_POLL_MS`;
    }
    case "update": {
      const device = deviceId(id);
      if (!(await store.devices.find(device))) throw new UsageError(`no device "${device}" is registered`);
      const current = await store.firmwareUpdates.find(device);
      if (values.cancel) {
        const withdrawn = cancelled(current, actor(), now);
        if (!withdrawn || !(await store.firmwareUpdates.update(withdrawn))) throw new UsageError(`${device} has no pending firmware update to cancel`);
        await store.audit.record({ at: now, actor: actor(), action: AuditAction.UPDATE_CANCELLED, deviceId: device, detail: { version: withdrawn.version } });
        return `${device}: update to ${withdrawn.version} cancelled (a device already downloading it may still switch)`;
      }
      if (values.url === undefined && values.version === undefined && values.sha256 === undefined) {
        if (!current) return `${device}: no firmware update was ever requested`;
        const when = current.finishedAt ? ` at ${new Date(current.finishedAt).toISOString()}` : current.offeredAt ? `, offered at ${new Date(current.offeredAt).toISOString()}` : ", not offered yet";
        return `${device}: ${current.version} ${current.status}${when} (asked by ${current.requestedBy}, from ${current.fromVersion || "unknown"})${current.detail ? `: ${current.detail}` : ""}`;
      }
      const offer = FirmwareUpdateOffer.safeParse({ url: values.url, version: values.version, sha256: values.sha256 });
      if (!offer.success) throw new UsageError(`update needs --url (http(s), ≤ 256), --version (1–31 printable) and --sha256 (64 hex): ${describeZodError(offer.error)}`);
      const fromVersion = (await store.deviceStates.load(device))?.device.firmware ?? "";
      const record = newRequest(device, offer.data, actor(), now, fromVersion);
      await store.firmwareUpdates.request(record);
      await store.audit.record({ at: now, actor: actor(), action: AuditAction.UPDATE_REQUESTED, deviceId: device, detail: { version: record.version, url: record.url, sha256: record.sha256, fromVersion } });
      return `${device}: update to ${record.version} requested; the device gets it at its next connection`;
    }
    case "availability": {
      const records = (await store.availability.list()).filter((record) => record.status !== DeviceAvailability.AVAILABLE);
      if (records.length === 0) return "every device is available";
      return textTable(["DEVICE", "AVAILABILITY", "SINCE", "BY", "REASON"], records.map((record) => [record.deviceId, record.status, new Date(record.since).toISOString(), record.by, record.reason]));
    }
    default:
      throw new UsageError(USAGE);
  }
}

export async function runCli(argv: string[], env: Record<string, string | undefined> = process.env): Promise<{ code: number; output: string }> {
  const [command, ...rest] = argv;
  if (command === "--help" || command === "-h" || command === "help" || rest.includes("--help")) return { code: 0, output: USAGE };
  if (command === "token") {
    // No store: a token is signed with the configured secret alone.
    try {
      return { code: 0, output: await tokenCommand(rest, env) };
    } catch (error) {
      if (error instanceof TokenUsageError || error instanceof ConfigError) return { code: 2, output: `baton: ${error.message}` };
      if ((error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) return { code: 2, output: `baton: ${(error as Error).message}\n${USAGE}` };
      return { code: 1, output: `baton: ${(error as Error).message}` };
    }
  }
  if (command === "config") {
    if (rest[0] !== "check" || rest.length > 1) return { code: 2, output: USAGE };
    try {
      return { code: 0, output: checkConfig(env, env === process.env ? { cwd: process.cwd() } : {}) };
    } catch (error) {
      if (error instanceof ConfigError) return { code: 2, output: `baton: ${error.message}` };
      throw error;
    }
  }
  if (command !== "device" && command !== "migrate" && command !== "booking") return { code: 2, output: USAGE };
  let store: BatonStore | undefined;
  try {
    const storeConfig = loadStoreConfig(env);
    store = await openStore(storeConfig, "cli");
    if (command === "migrate") return { code: 0, output: `store is up to date: ${store.kind} ${store.location}` };
    if (command === "booking") return { code: 0, output: await bookingCommand(store, rest) };
    return { code: 0, output: await deviceCommand(store, storeConfig, rest) };
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError || error instanceof BookingUsageError) return { code: 2, output: `baton: ${error.message}` };
    if ((error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) return { code: 2, output: `baton: ${(error as Error).message}\n${USAGE}` };
    return { code: 1, output: `baton: ${(error as Error).message}` };
  } finally {
    await store?.close();
  }
}

// Run when invoked as a script (not when a test imports it).
if (import.meta.url === `file://${process.argv[1]}`) {
  const { code, output } = await runCli(process.argv.slice(2));
  (code === 0 ? console.log : console.error)(output);
  process.exitCode = code;
}
