/**
 * The checks a device makes on a command before acting on it: the shared schemas of the
 * room → device messages (`RoomToDevicePayloads` in @baton/protocol, the same ones that type
 * what the room sends). Like the firmware's msgpack reader they ask for the fields a device
 * needs and ignore any others. (The room validates what the device sends with zod; the device
 * cannot trust the network either, and must never crash on a message it does not understand.)
 */
import { RoomToDevicePayloads, type AckMessage, type CancelMessage, type StartMessage, type UpdateMessage, type WelcomeMessage } from "@baton/protocol";

export function isWelcome(value: unknown): value is WelcomeMessage {
  return RoomToDevicePayloads.welcome.safeParse(value).success;
}

export function isCancel(value: unknown): value is CancelMessage {
  return RoomToDevicePayloads.cancel.safeParse(value).success;
}

export function isStart(value: unknown): value is StartMessage {
  return RoomToDevicePayloads.start.safeParse(value).success;
}

export function isAck(value: unknown): value is AckMessage {
  return RoomToDevicePayloads.ack.safeParse(value).success;
}

export function isUpdate(value: unknown): value is UpdateMessage {
  return RoomToDevicePayloads.update.safeParse(value).success;
}

/** Short JSON for log lines. */
export function briefJson(value: unknown): string {
  try {
    const text = JSON.stringify(value) ?? "undefined";
    return text.length > 200 ? `${text.slice(0, 197)}...` : text;
  } catch {
    return String(value);
  }
}
