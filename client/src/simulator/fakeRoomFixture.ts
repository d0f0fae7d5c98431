/**
 * Test fixture shared by the simulator's device tests: a fresh `FakeRoom` before each test,
 * and a `start()` that runs a simulated device against it with the file's defaults; both are
 * closed after each test.
 */
import { afterEach, beforeEach } from "vitest";
import { startSimulatedDevice, type SimulatedDevice } from "./device.ts";
import type { SimulatedDeviceOptions } from "./deviceTypes.ts";
import { FakeRoom } from "./fakeRoom.ts";

export interface FakeRoomFixture {
  /** The room of the running test. */
  readonly room: FakeRoom;
  /** Starts the device under test (at most one per test), with `defaults` and `options`. */
  start(options?: Partial<SimulatedDeviceOptions>): Promise<SimulatedDevice>;
}

export function useFakeRoom(defaults: Partial<SimulatedDeviceOptions>): FakeRoomFixture {
  let room: FakeRoom | undefined;
  let device: SimulatedDevice | undefined;
  beforeEach(async () => {
    room = await FakeRoom.start();
  });
  afterEach(async () => {
    await device?.close();
    device = undefined;
    // A test may have stopped its room already (to see the device give up).
    await room?.stop().catch(() => undefined);
  });
  return {
    get room() {
      return room!;
    },
    async start(options = {}) {
      device = await startSimulatedDevice({ url: room!.url, deviceId: "dev-1", secret: "s3cret", instrument: "scale", ...defaults, ...options } as SimulatedDeviceOptions);
      return device;
    },
  };
}
