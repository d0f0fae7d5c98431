/**
 * Everything the dashboard says about a device and a session, in words: status lines
 * ("In use by Ada, running for 3 min"), durations and end reasons. Errors need no table here:
 * the SDK's BatonError carries the server's own sentence (it names the holder, the field).
 */

/** "less than a minute", "3 min", "1 h 5 min". */
export function duration(milliseconds: number): string {
  const minutes = Math.floor(Math.max(0, milliseconds) / 60_000);
  if (minutes < 1) return "less than a minute";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** How much longer something lasts: "another 3 min", or "less than a minute more" (never "another less than a minute"). */
export function remaining(milliseconds: number): string {
  const left = duration(milliseconds);
  return milliseconds < 60_000 ? `${left} more` : `another ${left}`;
}

export interface SessionFacts {
  online: boolean;
  phase: string;
  holderId: string | null;
  holderName: string | null;
  /** When the holder claimed the device (ms since the Unix epoch). */
  heldSince: number | null;
  progress: number | null;
}

export type Availability = "offline" | "free" | "mine" | "theirs";

export function availabilityOf(facts: SessionFacts, myUserId: string | null): Availability {
  if (facts.holderId) return facts.holderId === myUserId ? "mine" : "theirs";
  return facts.online ? "free" : "offline";
}

/** One line about who has the device: "Free", "In use by Ada, running for 3 min", … */
export function statusLine(facts: SessionFacts, myUserId: string | null, now: number): string {
  const since = facts.heldSince ? duration(now - facts.heldSince) : null;
  const running = facts.phase === "running";
  switch (availabilityOf(facts, myUserId)) {
    case "offline":
      return "Offline — the device is not connected";
    case "free":
      return "Free";
    case "mine":
      return running ? `You hold it — running${since ? ` for ${since}` : ""}` : `You hold it${since ? ` (for ${since})` : ""}`;
    case "theirs": {
      const who = facts.holderName || "someone else";
      if (running) return `In use by ${who}, running for ${since ?? "a moment"}`;
      return `In use by ${who}${since ? ` for ${since}` : ""}`;
    }
  }
}

export function percent(progress: number | null | undefined): string {
  return `${Math.round(Math.min(1, Math.max(0, progress ?? 0)) * 100)} %`;
}

const END_REASONS: Record<string, string> = {
  released: "released by its holder",
  completed: "the run finished and the device was released",
  owner_lost: "the holder's connection was lost for too long",
  idle_timeout: "nothing was sent to the device for too long",
  max_duration: "the session reached its maximum length",
  device_lost: "the device was offline for too long",
  run_failed: "the run failed and the device was released",
  cancelled: "the run was cancelled and the device was released",
  kicked: "an administrator took the device back",
  handed_over: "handed over by its holder to someone they named",
  booking: "someone else's booked slot began",
};

export function endReasonText(reason: string | null | undefined): string {
  if (!reason) return "still held";
  return END_REASONS[reason] ?? reason.replace(/_/g, " ");
}

/** Why the holder's own session ended, for "Your session ended: …". */
const YOUR_END_REASONS: Record<string, string> = {
  released: "you released the device",
  completed: "the run finished and the device was released",
  owner_lost: "you were disconnected for longer than the device is kept for its holder",
  idle_timeout: "nothing was done with the device for too long",
  max_duration: "it reached its maximum length",
  device_lost: "the device was offline for too long",
  run_failed: "the run failed and the device was released",
  cancelled: "the run was cancelled and the device was released",
  kicked: "an administrator took the device back",
  handed_over: "you handed the device over to the person you named",
  booking: "the device is booked from now by someone else",
};

/**
 * The sentence about the end of this user's own session. `end`: the room's `session_ended`
 * (its reason, and for a kick the server's sentence naming the admin and their note);
 * `away`: it ended while the page was not connected — during a server restart (or a failover
 * to another process), or while this user's own connection was down.
 */
export function sessionEndSentence(end: { reason: string; message?: string } | null, away: { restarted: boolean } | null): string {
  const lead = !away ? "Your session ended" : away.restarted ? "Your session ended while the server restarted" : "Your session ended while you were disconnected";
  if (!end) return `${lead}.`;
  if (end.reason === "kicked" && end.message) return `${lead}. ${end.message}`;
  return `${lead}: ${YOUR_END_REASONS[end.reason] ?? end.reason.replace(/_/g, " ")}.`;
}
