/**
 * `useDevice(id)`: one device, live. The hook joins the device's room when the component
 * mounts (or `id` changes) and leaves when it unmounts; the component re-renders on every
 * change of the device's snapshot (useSyncExternalStore over the handle). The handle's
 * promises are returned as they are: `await claim()`, `await run(...)`, catch a BatonError
 * and show its `message`.
 */
import { useEffect, useState, useSyncExternalStore } from "react";
import type { BatonClient } from "../sdk/batonClient.ts";
import type { DeviceHandle } from "../sdk/deviceHandle.ts";
import type { DeviceView } from "../sdk/deviceState.ts";
import type { AnySessionTypes, SessionTypeMap } from "../sdk/sessionTypes.ts";
import { useBatonClient } from "./context.ts";

export interface UseDevice<Types extends SessionTypeMap = AnySessionTypes> {
  /** The live handle (null before the first effect ran, or without an id): claim, run, cancel, release, events. */
  device: DeviceHandle<Types> | null;
  /** The device's snapshot; null until the handle exists. */
  state: DeviceView | null;
}

const noSubscription = () => () => {};
const noSnapshot = () => null;

export function useDevice<Types extends SessionTypeMap = AnySessionTypes>(deviceId: string | null | undefined, options: { client?: BatonClient } = {}): UseDevice<Types> {
  const client = useBatonClient(options.client);
  const [device, setDevice] = useState<DeviceHandle<Types> | null>(null);
  useEffect(() => {
    if (!deviceId) return;
    const handle = client.device<Types>(deviceId);
    setDevice(handle);
    return () => {
      setDevice((current) => (current === handle ? null : current));
      void handle.leave();
    };
  }, [client, deviceId]);
  const state = useSyncExternalStore<DeviceView | null>(device?.subscribe ?? noSubscription, device?.getSnapshot ?? noSnapshot, device?.getSnapshot ?? noSnapshot);
  return { device, state };
}
