/**
 * Queue and health limits, with the defaults the core uses when the context names none
 * (unit tests of the session rules that do not care about queues).
 */
import type { CoreContext, SessionRules } from "./types.ts";

export const DEFAULT_RULES: SessionRules = {
  maxQueueLength: 50,
  quarantineAfterFailures: 0,
};

export function rulesOf(context: CoreContext): SessionRules {
  return context.rules ?? DEFAULT_RULES;
}
