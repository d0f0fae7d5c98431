/**
 * `useDevices()`: every device with its live status, polled from the HTTP API
 * (`client.watchDevices`) while the component is mounted.
 */
import { useEffect, useState } from "react";
import type { BatonClient } from "../sdk/batonClient.ts";
import type { DeviceListQuery, DeviceSummary } from "../sdk/httpTypes.ts";
import { useBatonClient } from "./context.ts";

export interface UseDevices {
  /** null until the first answer. */
  devices: DeviceSummary[] | null;
  /** The last polling error (cleared by the next success). */
  error: unknown;
}

export function useDevices(options: { client?: BatonClient; intervalMs?: number; query?: DeviceListQuery } = {}): UseDevices {
  const client = useBatonClient(options.client);
  const [result, setResult] = useState<UseDevices>({ devices: null, error: null });
  const { intervalMs } = options;
  const kind = options.query?.kind;
  const status = options.query?.status;
  useEffect(() => client.watchDevices((devices) => setResult({ devices, error: null }), {
    intervalMs,
    query: { kind, status },
    onError: (error) => setResult((current) => ({ ...current, error })),
  }), [client, intervalMs, kind, status]);
  return result;
}
