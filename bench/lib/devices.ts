/**
 * The bench's device registry: the development devices (scale-1, lab-1, …) plus `bench-0` …
 * `bench-<n-1>` for S1 at many devices, every one with the development secret
 * `dev-secret-<id>`. The hashes use scrypt with N = 1,024 instead of the production 16,384:
 * a thousand devices then register and authenticate in seconds rather than a minute of
 * start-up. (The verifier reads N from the stored hash; this is for the bench only.)
 */
import { randomBytes, scryptSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./processes.ts";

const BENCH_SCRYPT = { N: 1024, r: 8, p: 1 };

export const benchDeviceId = (index: number) => `bench-${index}`;
export const benchSecret = (deviceId: string) => `dev-secret-${deviceId}`;

function cheapHash(secret: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(secret, salt, 32, BENCH_SCRYPT);
  return `scrypt$${BENCH_SCRYPT.N}$${BENCH_SCRYPT.r}$${BENCH_SCRYPT.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/** Writes the registry to `file` and returns it. */
export function writeBenchDevicesFile(file: string, benchDevices: number): string {
  const dev = JSON.parse(readFileSync(path.join(REPO_ROOT, "config/devices.dev.json"), "utf8")) as { devices: { id: string; label?: string }[] };
  const ids = [...dev.devices.map((device) => device.id), ...Array.from({ length: benchDevices }, (_, index) => benchDeviceId(index))];
  const devices = ids.map((id) => ({ id, label: `bench ${id}`, kind: "bench", secretHash: cheapHash(benchSecret(id)) }));
  writeFileSync(file, JSON.stringify({ devices }));
  return file;
}
