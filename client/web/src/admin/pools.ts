/** The pools the devices form ("any free scale"): by `pool` (an operator's name, else the kind). */
import type { DeviceSummary } from "@baton/client";

export interface PoolView {
  name: string;
  devices: DeviceSummary[];
  /** Online, enabled, in service, not held and nobody in its line (an open hand-off offer counts) now. */
  free: number;
}

export function isFreeNow(device: DeviceSummary): boolean {
  const { status } = device;
  return !device.disabled && status.online && status.holder === null && status.queueLength === 0 && status.availability.status === "available";
}

export function poolsOf(devices: readonly DeviceSummary[]): PoolView[] {
  const pools = new Map<string, DeviceSummary[]>();
  for (const device of devices) {
    if (!device.pool || device.disabled) continue;
    pools.set(device.pool, [...(pools.get(device.pool) ?? []), device]);
  }
  return [...pools].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, members]) => ({ name, devices: members, free: members.filter(isFreeNow).length }));
}
