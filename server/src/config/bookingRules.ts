/**
 * `BATON_BOOKING_RULES` (`bookingRules` in baton.config.json): booking rules per device kind,
 * in people's units. A JSON object kind → rules, `"*"` for every kind:
 *
 *     {"*": {"maxAheadDays": 7}, "spectrometer": {"maxSlotMinutes": 30, "weeklyHours": 4}}
 *
 * Absent keys keep the defaults (session/bookings/kindRules.ts), so an empty setting lets
 * anyone book any device within them.
 */
import { z } from "zod";
import type { BookingRules, BookingRulesTable } from "../session/bookings/index.ts";

const MINUTE = 60_000;

const KindRulesSchema = z.strictObject({
  enabled: z.boolean().optional(),
  maxSlotMinutes: z.number().int().min(1).max(7 * 24 * 60).optional(),
  minSlotMinutes: z.number().int().min(1).max(24 * 60).optional(),
  maxAheadDays: z.number().int().min(0).max(366).optional(),
  weeklyHours: z.number().min(0).max(168).optional(),
  checkInMinutes: z.number().int().min(1).max(24 * 60).optional(),
  warnBeforeMinutes: z.number().int().min(0).max(24 * 60).optional(),
  maxNoShows: z.number().int().min(0).max(1_000).optional(),
  noShowLookbackDays: z.number().int().min(1).max(366).optional(),
  maxUpcoming: z.number().int().min(1).max(1_000).optional(),
});

export const BookingRulesSchema = z.record(z.string().min(1).max(64), KindRulesSchema).refine((table) => Object.keys(table).length <= 200, "at most 200 kinds");

type KindRules = z.infer<typeof KindRulesSchema>;

function toMillis(rules: KindRules): Partial<BookingRules> {
  const out: Partial<BookingRules> = {};
  if (rules.enabled !== undefined) out.enabled = rules.enabled;
  if (rules.maxSlotMinutes !== undefined) out.maxSlotMs = rules.maxSlotMinutes * MINUTE;
  if (rules.minSlotMinutes !== undefined) out.minSlotMs = rules.minSlotMinutes * MINUTE;
  if (rules.maxAheadDays !== undefined) out.maxAheadMs = rules.maxAheadDays * 1_440 * MINUTE;
  if (rules.weeklyHours !== undefined) out.weeklyMsPerUser = Math.round(rules.weeklyHours * 60 * MINUTE);
  if (rules.checkInMinutes !== undefined) out.checkInWindowMs = rules.checkInMinutes * MINUTE;
  if (rules.warnBeforeMinutes !== undefined) out.warnBeforeMs = rules.warnBeforeMinutes * MINUTE;
  if (rules.maxNoShows !== undefined) out.maxNoShows = rules.maxNoShows;
  if (rules.noShowLookbackDays !== undefined) out.noShowLookbackMs = rules.noShowLookbackDays * 1_440 * MINUTE;
  if (rules.maxUpcoming !== undefined) out.maxUpcomingPerUser = rules.maxUpcoming;
  return out;
}

/** The setting's text → the table (throws a sentence naming the bad key). */
export function parseBookingRules(text: string): BookingRulesTable | { problem: string } {
  if (text.trim() === "") return {};
  let parsed: unknown;
  try { parsed = JSON.parse(text); } catch {
    return { problem: "must be a JSON object like {\"spectrometer\": {\"maxSlotMinutes\": 30, \"weeklyHours\": 4}}" };
  }
  const checked = BookingRulesSchema.safeParse(parsed);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    return { problem: `${issue.path.join(".") || "(top)"}: ${issue.message}` };
  }
  return Object.fromEntries(Object.entries(checked.data).map(([kind, rules]) => [kind, toMillis(rules)]));
}
