/**
 * A device registry file (`BATON_DEVICES_FILE`) of many bench devices for the scenarios that
 * need more rooms than the three development devices (S3: 1,000 idle rooms; S4: churn over
 * many devices; S5: a shared store). Every device shares one secret, so the file costs one
 * scrypt hash, not one per device — the server still verifies each device's join in full.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { hashDeviceSecret } from "../../server/src/auth/deviceSecrets.ts";

export const BENCH_DEVICE_SECRET = "bench-device-secret-0123456789";

/** Ids `<prefix>0001…`, written as a registry file into `directory`; returns its path and the ids. */
export async function writeBenchDeviceFile(directory: string, prefix: string, count: number): Promise<{ file: string; deviceIds: string[] }> {
  const secretHash = await hashDeviceSecret(BENCH_DEVICE_SECRET);
  const deviceIds = Array.from({ length: count }, (_, n) => `${prefix}${String(n + 1).padStart(4, "0")}`);
  const file = path.join(directory, `${prefix}devices.json`);
  writeFileSync(file, JSON.stringify({ devices: deviceIds.map((id) => ({ id, label: "bench", kind: "scale", secretHash })) }));
  return { file, deviceIds };
}

/** Resident memory of a process in bytes, from /proc/<pid>/status. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}
