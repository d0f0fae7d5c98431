/**
 * Everything the dashboard says about a device and a session, in words: status lines
 * ("In use by Ada, running for 3 min"), durations, end reasons, and a sentence for every
 * error code a person can meet (used when the server's own sentence is missing — it is
 * always preferred, it names the holder and the field).
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
};

export function endReasonText(reason: string | null | undefined): string {
  if (!reason) return "still held";
  return END_REASONS[reason] ?? reason.replace(/_/g, " ");
}

const ERROR_SENTENCES: Record<string, string> = {
  UNAUTHORIZED: "Your sign-in is not valid any more. Please sign in again.",
  UNKNOWN_DEVICE: "There is no such device.",
  ROOM_FULL: "Too many people are watching this device right now. Try again shortly.",
  SERVER_BUSY: "The server is busy. Try again in a moment.",
  DEVICE_BUSY: "Someone else holds this device.",
  ALREADY_HOLDER: "You already hold this device.",
  NOT_OWNER: "Only the person who holds the device can do that.",
  NO_RUN: "Nothing is running, so there is nothing to cancel.",
  RUN_IN_PROGRESS: "A run is already in progress; wait for it or cancel it first.",
  DEVICE_OFFLINE: "The device is offline, so it cannot start anything.",
  UNKNOWN_SESSION_TYPE: "The device does not offer that kind of session.",
  INVALID_INPUT: "The input does not match what the device accepts.",
  RATE_LIMITED: "Too many requests in a short time. Wait a moment and try again.",
  RUN_TIMEOUT: "The device stopped reporting progress, so the run was given up.",
  CANCELLED: "The run was cancelled.",
  DEVICE_FAILED: "The device reported a failure.",
};

/** The sentence to show for an error: the server's own when it sent one, else ours for its code. */
export function errorSentence(error: { code?: string; message?: string }): string {
  const message = error.message?.trim();
  if (message) return /[.!?]$/.test(message) ? message : `${message}.`;
  return (error.code && ERROR_SENTENCES[error.code]) ?? "Something went wrong.";
}
