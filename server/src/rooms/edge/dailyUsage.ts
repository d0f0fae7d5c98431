/**
 * How long a user's sessions on devices of one kind lasted today (UTC), from the history
 * store every process shares — so a session on a device in another process counts, and a
 * session still running counts until now. The arithmetic is pure (session/fairUse.ts); this
 * reads the rows.
 *
 * Sessions are read newest first until they started more than a day before today began: a
 * session that started yesterday and ran past midnight counts for its part after midnight
 * (one longer than a day is not looked for — BATON_MAX_SESSION_MS bounds sessions anyway).
 */
import type { DeviceRegistry, HistoryStore } from "../../ports/store.ts";
import type { SessionCursor } from "../../ports/history.ts";
import { usedToday, utcDayStart, type UsedSession } from "../../session/fairUse.ts";

const PAGE = 200;
const MAX_PAGES = 10;

export async function usedTodayOnKind(history: HistoryStore, registry: DeviceRegistry, userId: string, kind: string, now: number): Promise<number> {
  const lookBackTo = utcDayStart(now) - 86_400_000;
  const kinds = new Map<string, string>();
  const sessions: UsedSession[] = [];
  let before: SessionCursor | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const rows = await history.listUserSessions(userId, PAGE, before);
    for (const row of rows) {
      if (row.startedAt < lookBackTo) continue;
      if (!kinds.has(row.deviceId)) kinds.set(row.deviceId, (await registry.find(row.deviceId))?.kind ?? "");
      if (kinds.get(row.deviceId) === kind) sessions.push(row);
    }
    const last = rows.at(-1);
    if (!last || rows.length < PAGE || last.startedAt < lookBackTo) break;
    before = { startedAt: last.startedAt, deviceId: last.deviceId, epoch: last.epoch };
  }
  return usedToday(sessions, now);
}
