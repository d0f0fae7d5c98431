/** The session's timers (session core, see core.ts): `tick` fires every deadline that has passed. */
import { EndReason, ErrorCode, renderError } from "@baton/protocol";
import { dueDeadline } from "./deadlines.ts";
import { ok } from "./coreSteps.ts";
import { endIfOneShot, failRun, endSession } from "./runs.ts";
import { deviceDisconnected } from "./deviceReports.ts";
import type { CoreContext, CoreState, Effect, Outcome } from "./types.ts";

/** Fires every deadline that has passed, earliest first, until none is due. */
export function tick(state: CoreState, context: CoreContext): Outcome {
  let current = state;
  const effects: Effect[] = [];
  // Each step removes the deadline it fires, so this ends; the bound is a guard, not a limit.
  for (let guard = 0; guard < 8; guard++) {
    const due = dueDeadline(current, context.timers, context.now);
    if (!due) break;
    let step: Outcome;
    if (due.kind === "device_silent") {
      const silentFor = context.now - current.device.lastSeenAt;
      step = deviceDisconnected(current, context);
      step = ok(step.state, [{ type: "disconnectDevice", reason: `no message from the device for ${silentFor} ms` }, ...step.effects]);
    } else if (due.kind === "run_timeout") {
      step = endIfOneShot(failRun(current, ErrorCode.RUN_TIMEOUT, renderError(ErrorCode.RUN_TIMEOUT, { reason: "noProgress" }), context, true), EndReason.RUN_FAILED, context);
    } else {
      step = endSession(current, due.kind, context);
    }
    current = step.state;
    effects.push(...step.effects);
  }
  return ok(current, effects);
}
