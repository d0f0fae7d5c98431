/**
 * The checks a device makes on a command before acting on it — the same ones the firmware
 * makes with its msgpack reader: right types for the fields it needs, anything else ignored.
 * (The room validates what the device sends with zod; the device cannot trust the network
 * either, and must never crash on a message it does not understand.)
 */
import type { CancelMessage, StartMessage, WelcomeMessage } from "@baton/protocol";

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isEpoch(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

export function isWelcome(value: unknown): value is WelcomeMessage {
  return isObject(value) && isEpoch(value.epoch) && typeof value.phase === "string";
}

export function isCancel(value: unknown): value is CancelMessage {
  return isObject(value) && isEpoch(value.epoch) && typeof value.runId === "string";
}

export function isStart(value: unknown): value is StartMessage {
  return isCancel(value) && isObject(value) && typeof value.sessionType === "string" && isObject(value.input);
}

export function isAck(value: unknown): value is { runId: string } {
  return isObject(value) && typeof value.runId === "string";
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
