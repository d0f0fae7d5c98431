/**
 * What the simulated device shows of its core's notes (deviceCore.ts): the log lines, the
 * events tests wait for, and the counters in `stats`. It decides nothing — the core has — it
 * only tells. The notes about the instrument's job are the shell's own (device.ts).
 */
import type { EventEmitter } from "node:events";
import type { CoreNote } from "./deviceCore.ts";
import type { SimulatedDeviceEvents, SimulatedDeviceStats } from "./deviceTypes.ts";

export interface NoteSink {
  stats: SimulatedDeviceStats;
  events: EventEmitter<SimulatedDeviceEvents>;
  say(line: string): void;
  /** The error of the last failed attempt, carried by `reconnecting` and `gaveUp`. */
  lastError: Error | undefined;
  maxAttempts: number;
}

export function reportNote(note: CoreNote, sink: NoteSink): void {
  switch (note.kind) {
    case "welcomed":
      return sink.say(`welcome: epoch ${note.epoch}, phase ${note.phase}${note.runId ? `, run ${note.runId}` : ""}`);
    case "staleIgnored":
      sink.stats.staleCommandsIgnored++;
      sink.say(`ignored stale "${note.type}" (epoch ${note.epoch} < ${note.highestEpoch})`);
      sink.events.emit("staleIgnored", { type: note.type, epoch: note.epoch, highestEpoch: note.highestEpoch });
      return;
    case "epochRefused":
      sink.stats.staleCommandsIgnored++;
      sink.say(`refused a welcome at epoch ${note.epoch}: this device has seen epoch ${note.highestEpoch}; leaving and retrying`);
      sink.events.emit("epochRefused", { epoch: note.epoch, highestEpoch: note.highestEpoch });
      return;
    case "cancelNotRunning":
      return sink.say(`cancel for ${note.runId}, which is not running here: nothing to stop`);
    case "acknowledged":
      sink.say(`ack for ${note.runId}: report forgotten`);
      sink.events.emit("ack", { runId: note.runId });
      return;
    case "reportForgotten":
      return sink.say(note.why === "bound" ? `holding too many reports: giving up ${note.runId}` : `the room refused the report of ${note.runId} for good (${note.code}): forgetting it`);
    case "resendScheduled":
      sink.say(`rate-limited (on "${note.request || "?"}"): re-sending held reports in ${note.delayMs} ms`);
      sink.events.emit("resendScheduled", { request: note.request, delayMs: note.delayMs, attempt: note.attempt });
      return;
    case "reportsResent":
      sink.say(`re-sent held report(s) after RATE_LIMITED: ${note.runIds.join(", ")}`);
      sink.events.emit("reportsResent", { runIds: note.runIds });
      return;
    case "notSent":
      sink.stats.messagesDropped++;
      return sink.say(`offline: "${note.type}" not sent`);
    case "reconnectScheduled": {
      const { maxAttempts } = sink;
      sink.say(`reconnect attempt ${note.attempt}/${maxAttempts} in ${note.delayMs} ms${sink.lastError ? ` (last: ${sink.lastError.message})` : ""}`);
      sink.events.emit("reconnecting", { attempt: note.attempt, delayMs: note.delayMs, lastError: sink.lastError });
      return;
    }
    case "gaveUp":
      sink.say(`giving up: ${note.reason}`);
      sink.events.emit("gaveUp", { attempts: note.attempts, reason: note.reason, error: sink.lastError });
      return;
    default:
      return; // the instrument's notes (jobStarted, jobResumed, jobEnded): the shell acts on those itself
  }
}

