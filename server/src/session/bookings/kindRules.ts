/**
 * Booking rules per device kind: the defaults, overridden by a `"*"` entry for every kind,
 * overridden by the kind's own entry (`BATON_BOOKING_RULES`, config/bookingRules.ts). The
 * defaults let anyone book any device (the quick tour needs no configuration).
 */
import type { BookingRules } from "./types.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const DEFAULT_BOOKING_RULES: BookingRules = {
  enabled: true,
  maxSlotMs: 4 * HOUR,
  minSlotMs: 5 * MINUTE,
  maxAheadMs: 14 * DAY,
  weeklyMsPerUser: 0,
  checkInWindowMs: 10 * MINUTE,
  warnBeforeMs: 5 * MINUTE,
  maxNoShows: 3,
  noShowLookbackMs: 30 * DAY,
  maxUpcomingPerUser: 50,
};

/** Kind → partial rules; `"*"` applies to every kind. */
export type BookingRulesTable = Record<string, Partial<BookingRules>>;

export function rulesForKind(table: BookingRulesTable, kind: string): BookingRules {
  return { ...DEFAULT_BOOKING_RULES, ...(table["*"] ?? {}), ...(table[kind] ?? {}) };
}
