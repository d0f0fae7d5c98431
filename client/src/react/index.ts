/**
 * @baton/client/react — React bindings over the framework-neutral SDK: a provider for the
 * client, `useDevice(id)` for one live device, `useDevices()` for the polled device list.
 */
export { BatonProvider, useBatonClient } from "./context.ts";
export { useDevice, type UseDevice } from "./useDevice.ts";
export { useDevices, type UseDevices } from "./useDevices.ts";
