/**
 * One log line per lifecycle event, with the fields an operator searches by: device id,
 * epoch, run id, user id, reason (see events/lifecycle.ts). Subscribed once in app.ts.
 */
import type { LifecycleEvent, LifecycleEvents } from "../events/lifecycle.ts";
import type { Logger } from "./logger.ts";

/** Events that mean something went wrong are logged as warnings. */
const WARNINGS = new Set<LifecycleEvent["type"]>(["run.failed", "result.orphaned", "device.error", "device.availability"]);

export function logLifecycle(events: LifecycleEvents, logger: Logger): () => void {
  return events.on((event) => {
    // Rejected commands are counted in metrics; one line each would let a client flood the log.
    if (event.type === "command.rejected") return;
    const { type, at: _at, ...fields } = event;
    const line = { event: type, ...fields };
    if (WARNINGS.has(type)) logger.warn(line, type);
    else logger.info(line, type);
  });
}
