/**
 * The device registry file (`BATON_DEVICES_FILE`): an optional import into the store at
 * start-up, so setups that keep their devices in a JSON file go on working. The store is
 * the registry (ports/devices.ts); the file adds devices it lacks and updates the label and
 * secret hash of those it names. Devices added with the CLI are left alone.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { AuditAction, type AuditLog, type DeviceRegistry } from "../ports/store.ts";

/** No '.': Colyseus' WebSocket route matches room ids of letters, digits, '_' and '-' only. */
const DeviceIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

export const DeviceIdSchema = z.string().regex(DeviceIdPattern, "device ids are 1–64 letters, digits, '_' or '-'");

export const DeviceFileSchema = z.object({
  devices: z.array(z.object({
    id: DeviceIdSchema,
    label: z.string().max(200).default(""),
    kind: z.string().max(64).default(""),
    secretHash: z.string().startsWith("scrypt$", "secretHash must be an scrypt hash made by `npm run device:hash-secret`"),
  })),
});

export function isValidDeviceId(deviceId: unknown): deviceId is string {
  return typeof deviceId === "string" && DeviceIdPattern.test(deviceId);
}

export interface ImportSummary {
  added: string[];
  updated: string[];
  unchanged: string[];
}

/** Imports a registry file into the store; throws a readable error naming the file and the first problem. */
export async function importDeviceFile(path: string, registry: DeviceRegistry, audit: AuditLog, now: number): Promise<ImportSummary> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new Error(`Cannot read the device registry ${path}: ${(error as Error).message}`);
  }
  const parsed = DeviceFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Device registry ${path} is invalid at ${issue.path.join(".")}: ${issue.message}`);
  }
  const summary: ImportSummary = { added: [], updated: [], unchanged: [] };
  for (const device of parsed.data.devices) {
    const outcome = await registry.upsertFromImport({ deviceId: device.id, label: device.label, kind: device.kind, secretHash: device.secretHash, createdAt: now });
    summary[outcome].push(device.id);
    if (outcome !== "unchanged") {
      await audit.record({ at: now, actor: `import:${path}`, action: outcome === "added" ? AuditAction.REGISTER : AuditAction.ROTATE_SECRET, deviceId: device.id, detail: { label: device.label } });
    }
  }
  return summary;
}
