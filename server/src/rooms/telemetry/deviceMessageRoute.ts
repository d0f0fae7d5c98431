/**
 * Where a device's message goes: `telemetry` beside the session core (roomTelemetry.ts),
 * everything else through the edge into the core. The one fork in the device room, pure so
 * that a property test can show telemetry never reaches the core's decisions
 * (telemetryIsolation.property.test.ts). A `hello` the edge accepted also (re)declares the
 * telemetry channels — its `telemetry` field is not part of the core's command.
 */
import { DeviceToRoom } from "@baton/protocol";
import { deviceCommand, type Translation } from "../edge/commands.ts";

export type DeviceMessageRoute =
  | { to: "telemetry" }
  | { to: "core"; translation: Translation; declaresTelemetry: boolean };

export function routeDeviceMessage(type: string, payload: unknown, isDevice: boolean): DeviceMessageRoute {
  if (isDevice && type === DeviceToRoom.TELEMETRY) return { to: "telemetry" };
  const translation = deviceCommand(type, payload, isDevice);
  return { to: "core", translation, declaresTelemetry: type === DeviceToRoom.HELLO && "command" in translation };
}
