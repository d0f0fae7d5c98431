import { LocalPresence } from "@colyseus/core";
import { PresenceDeviceRoomLock } from "../../server/src/adapters/presence/presenceDeviceRoomLock.ts";
import { deviceRoomLockCases } from "./deviceRoomLock.cases.ts";

const presence = new LocalPresence();
deviceRoomLockCases("LocalPresence", () => new PresenceDeviceRoomLock(presence));
