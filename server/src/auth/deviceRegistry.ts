/**
 * Which devices exist and how each proves who it is. One interface; the first
 * implementation reads a JSON file, the durable store (SQLite/PostgreSQL) implements the
 * same interface later.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";

export interface RegisteredDevice {
  deviceId: string;
  label: string;
  /** scrypt hash of the device secret (see deviceSecrets.ts). */
  secretHash: string;
}

export interface DeviceRegistry {
  find(deviceId: string): Promise<RegisteredDevice | undefined>;
  list(): Promise<RegisteredDevice[]>;
}

/** No '.': Colyseus' WebSocket route matches room ids of letters, digits, '_' and '-' only. */
const DeviceIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

export const DeviceFileSchema = z.object({
  devices: z.array(z.object({
    id: z.string().regex(DeviceIdPattern, "device ids are 1–64 letters, digits, '_' or '-'"),
    label: z.string().max(200).default(""),
    secretHash: z.string().startsWith("scrypt$", "secretHash must be an scrypt hash made by `npm run device:hash-secret`"),
  })),
});

export function isValidDeviceId(deviceId: unknown): deviceId is string {
  return typeof deviceId === "string" && DeviceIdPattern.test(deviceId);
}

export class InMemoryDeviceRegistry implements DeviceRegistry {
  private readonly devices = new Map<string, RegisteredDevice>();

  constructor(devices: RegisteredDevice[]) {
    for (const device of devices) this.devices.set(device.deviceId, device);
  }

  async find(deviceId: string) {
    return this.devices.get(deviceId);
  }

  async list() {
    return [...this.devices.values()];
  }
}

/** Loads a registry file; throws a readable error naming the file and the first problem. */
export async function loadDeviceRegistryFile(path: string): Promise<InMemoryDeviceRegistry> {
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
  return new InMemoryDeviceRegistry(parsed.data.devices.map((d) => ({ deviceId: d.id, label: d.label, secretHash: d.secretHash })));
}
