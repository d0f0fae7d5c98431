import { LocalDeviceRoomLock } from "@baton/server/adapters/local/localDeviceRoomLock.ts";
import { deviceRoomLockCases } from "./deviceRoomLock.cases.ts";

const lock = new LocalDeviceRoomLock();
deviceRoomLockCases("process memory", () => lock);
