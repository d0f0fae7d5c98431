/**
 * The React hook over a real server, rendered with react-test-renderer (no DOM needed): the
 * component re-renders with the device's live snapshot and the handle's commands, and the
 * room is left on unmount. (The dashboard's browser tests exercise it in Chromium.)
 */
import { createElement } from "react";
import { act, create, type ReactTestRenderer } from "react-test-renderer";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BatonClient, type DeviceHandle, type DeviceView } from "@baton/client";
import { BatonProvider, useDevice } from "@baton/client/react";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice, WEIGHING } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";

let baton: TestBaton;
beforeAll(async () => {
  baton = await startBaton();
});
afterAll(async () => {
  await baton.shutdown();
});

it("useDevice(id) renders the live state and exposes the handle; unmounting leaves the room", async () => {
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
  const deviceId = freshDeviceId();
  const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET, [WEIGHING]);
  const client = new BatonClient(baton.httpUrl, { token: await baton.tokenFor("ada", "Ada") });
  const seen: (DeviceView | null)[] = [];
  let handle: DeviceHandle | null = null;
  function Scale() {
    const { device: current, state } = useDevice(deviceId);
    handle = current;
    seen.push(state);
    return createElement("p", null, state ? `${state.connection} ${state.session.phase} ${state.session.holder?.name ?? "free"}` : "…");
  }
  let renderer!: ReactTestRenderer;
  await act(async () => {
    renderer = create(createElement(BatonProvider, { client }, createElement(Scale)));
  });
  const text = () => renderer.root.findByType("p").children.join("");
  await waitFor(() => text() === "open idle free", 10_000, "the hook renders the synced state");
  await act(async () => {
    await handle!.claim();
  });
  await waitFor(() => text() === "open claimed Ada", 10_000, "the claim re-renders");
  expect(seen[0]).toBeNull();
  const mounted = handle!;
  await act(async () => renderer.unmount());
  await waitFor(() => mounted.connection === "closed", 5_000, "unmount leaves the room");
  await device.leave();
}, 30_000);
