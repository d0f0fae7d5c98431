/**
 * The process's structured logger (pino): one JSON object per line on stdout, in production
 * and test; human-readable lines (pino-pretty) in development. The level and format come
 * from configuration (BATON_LOG_LEVEL, BATON_LOG_FORMAT).
 */
import pino, { type Logger } from "pino";

export type { Logger } from "pino";

export interface LogConfig {
  level: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  format: "json" | "pretty";
}

export function createLogger(config: LogConfig, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = { level: config.level, base: { service: "baton" }, timestamp: pino.stdTimeFunctions.isoTime };
  if (destination) return pino(options, destination);
  if (config.format === "pretty") {
    return pino({ ...options, transport: { target: "pino-pretty", options: { translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname,service" } } });
  }
  // Asynchronous writes (sonic-boom): a line is written as soon as the previous write is
  // done, lines that pile up meanwhile go out together, and logging never blocks the event
  // loop on stdout (a synchronous write per line was an eighth of the server's time per claim
  // in the benchmark). What is still buffered when the process exits is written then, so the
  // lines of a process that exits right after are not lost (a SIGKILL can lose the lines of
  // the write in flight).
  const stream = pino.destination({ dest: 1, sync: false });
  process.once("exit", () => {
    try {
      stream.flushSync();
    } catch {
      // not open yet, or stdout is gone: nothing more can be written
    }
  });
  return pino(options, stream);
}
