/**
 * Fair use across devices (issue 13 item 7), the pure part: what a device's state holds for
 * each user, which commands would give a user one more, the refusal sentences, and the
 * daily-minutes arithmetic. The cross-device count itself lives behind a port
 * (ports/userQuotas.ts) and is consulted by the room before such a command reaches the core
 * (rooms/edge/fairUseGate.ts); the core's rules do not change.
 *
 * The day is the UTC day: minutes are counted from 00:00 UTC, and the quota resets then —
 * one boundary for every user and process, whatever their time zone.
 */
import { ErrorCode } from "@baton/protocol";
import { lineOf } from "./line.ts";
import { rejection } from "./rejection.ts";
import type { Command, CoreState, Rejection } from "./types.ts";

export type HoldingKind = "device" | "queue";

export interface Holding {
  userId: string;
  kind: HoldingKind;
}

/** What this device's state holds: its holder's device, and a place for everyone in line. */
export function holdingsOf(state: CoreState): Holding[] {
  const holdings: Holding[] = [];
  if (state.session) holdings.push({ userId: state.session.holder.userId, kind: "device" });
  for (const entry of lineOf(state)) holdings.push({ userId: entry.user.userId, kind: "queue" });
  return holdings;
}

export function holds(state: CoreState, holding: Holding): boolean {
  return holdingsOf(state).some((held) => held.userId === holding.userId && held.kind === holding.kind);
}

/** The holding a command would add, if it succeeds: a claim or accept adds a device, an enqueue a place. */
export function holdingSought(command: Command): Holding | null {
  switch (command.type) {
    case "claim":
    case "acceptOffer":
    case "acceptHandover": return { userId: command.user.userId, kind: "device" };
    case "enqueue": return { userId: command.user.userId, kind: "queue" };
    default: return null;
  }
}

export function limitRefusal(kind: HoldingKind, limit: number): Rejection {
  return kind === "device"
    ? rejection(ErrorCode.USER_DEVICE_LIMIT, { limit })
    : rejection(ErrorCode.USER_QUEUE_LIMIT, { limit });
}

const DAY_MS = 86_400_000;

/** 00:00 UTC of the day `now` falls in. */
export function utcDayStart(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS;
}

/** A session of the user, as the history has it (`endedAt` null while it runs). */
export interface UsedSession {
  deviceId: string;
  startedAt: number;
  endedAt: number | null;
}

/** Milliseconds of `sessions` that fall in today's UTC day (a session still running counts until now). */
export function usedToday(sessions: readonly UsedSession[], now: number): number {
  const dayStart = utcDayStart(now);
  let used = 0;
  for (const session of sessions) {
    const from = Math.max(session.startedAt, dayStart);
    const to = Math.min(session.endedAt ?? now, now);
    if (to > from) used += to - from;
  }
  return used;
}

/**
 * The daily quota's verdict for a grant: refused when the minutes are used up, else the time
 * by which the session must end (`capSession`).
 */
export function dailyQuota(usedMs: number, minutesPerDay: number, kind: string, now: number): { refusal: Rejection } | { until: number } {
  const limitMs = minutesPerDay * 60_000;
  const resetsAt = utcDayStart(now) + DAY_MS;
  if (usedMs >= limitMs) {
    return { refusal: rejection(ErrorCode.DAILY_QUOTA_EXHAUSTED, { minutesPerDay, kind, resetsAt }) };
  }
  return { until: now + (limitMs - usedMs) };
}
