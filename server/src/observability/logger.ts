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
  // Synchronous writes: the lines of a process that exits right after are not lost.
  return pino(options, pino.destination({ dest: 1, sync: true }));
}
