/**
 * All configuration, read once from the environment, typed and validated at start-up.
 * Every option is listed in the README's configuration table (a test keeps them in step).
 *
 * Development mode (BATON_ENV=development, what `npm run dev` sets) runs with embedded
 * defaults: a random JWT secret, the demo devices imported into the store, a dev-only token
 * endpoint. Production refuses to start without a JWT secret.
 *
 * The store is SQLite in BATON_DATA_DIR unless DATABASE_URL names a PostgreSQL database.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { StoreConfig } from "../adapters/openStore.ts";
import type { SessionTimers } from "../session/index.ts";

export const DEV_DEVICES_FILE = fileURLToPath(new URL("../../../config/devices.dev.json", import.meta.url));

const milliseconds = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);

/** Environment variable → schema. The README table is generated from the same names. */
export const ConfigSchema = z.object({
  BATON_ENV: z.enum(["development", "production", "test"]).default("production"),
  BATON_HOST: z.string().default(""),
  BATON_PORT: z.coerce.number().int().min(0).max(65535).default(2567),
  BATON_JWT_SECRET: z.string().default(""),
  BATON_DEVICES_FILE: z.string().default(""),
  BATON_DATA_DIR: z.string().default("data"),
  BATON_SQLITE_SYNCHRONOUS: z.enum(["full", "normal"]).default("full"),
  DATABASE_URL: z.string().default("").refine((url) => url === "" || /^postgres(ql)?:\/\//.test(url), "must be a postgres:// or postgresql:// URL"),
  BATON_DATABASE_SCHEMA: z.string().default("").refine((name) => name === "" || /^[a-z_][a-z0-9_]{0,62}$/.test(name), "must be lower-case letters, digits and '_'"),
  BATON_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(90),
  BATON_REGISTRY_POLL_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  BATON_OWNER_RECONNECT_GRACE_MS: milliseconds(30_000),
  BATON_OWNER_IDLE_TIMEOUT_MS: milliseconds(300_000),
  BATON_MAX_SESSION_MS: milliseconds(3_600_000),
  BATON_RUN_STEP_TIMEOUT_MS: milliseconds(30_000),
  BATON_DEVICE_GRACE_MS: milliseconds(30_000),
  BATON_DEVICE_SILENCE_TIMEOUT_MS: milliseconds(15_000),
  BATON_MAX_SESSION_MS_BY_TYPE: z.string().default("").transform((text, context) => {
    const caps: Record<string, number> = {};
    for (const entry of text.split(",").map((part) => part.trim()).filter(Boolean)) {
      const match = /^([A-Za-z0-9_.-]+)=(\d+)$/.exec(entry);
      if (!match) {
        context.addIssue({ code: "custom", message: `entries must look like "printing=14400000", got "${entry}"` });
        return z.NEVER;
      }
      caps[match[1]] = Number(match[2]);
    }
    return caps;
  }),
  BATON_PING_INTERVAL_MS: z.coerce.number().int().min(500).max(60_000).default(3_000),
  BATON_MAX_SPECTATORS: z.coerce.number().int().positive().default(2_000),
  BATON_MAX_PAYLOAD_BYTES: z.coerce.number().int().min(512).max(1_048_576).default(16_384),
  BATON_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(20),
  BATON_RATE_LIMIT_BURST: z.coerce.number().int().positive().default(40),
});

export type ConfigEnvironment = z.infer<typeof ConfigSchema>;

export interface BatonConfig {
  mode: "development" | "production" | "test";
  host: string;
  port: number;
  jwtSecret: string;
  /** True when the secret was generated at start-up (development only). */
  jwtSecretGenerated: boolean;
  /** JSON registry imported into the store at start-up ("" = none). */
  devicesFile: string;
  store: StoreConfig;
  /** History, results and audit entries older than this are deleted by the retention job (0 = keep forever). */
  retentionDays: number;
  /** How often the process re-reads the registry to close connections of disabled or rotated devices. */
  registryPollMs: number;
  timers: SessionTimers;
  /** WebSocket ping period; a client that misses two pongs in a row is dropped. */
  pingIntervalMs: number;
  maxSpectatorsPerDevice: number;
  maxPayloadBytes: number;
  rateLimit: { perSecond: number; burst: number };
}

export class ConfigError extends Error {}

function parseEnvironment(env: Record<string, string | undefined>): ConfigEnvironment {
  const present = Object.fromEntries(Object.entries(env).filter(([key, value]) => (key.startsWith("BATON_") || key === "DATABASE_URL") && value !== ""));
  const parsed = ConfigSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`Invalid configuration: ${String(issue.path[0])} ${issue.message}`);
  }
  return parsed.data;
}

function storeConfigOf(values: ConfigEnvironment): StoreConfig {
  return {
    databaseUrl: values.DATABASE_URL,
    databaseSchema: values.BATON_DATABASE_SCHEMA,
    dataDir: path.resolve(values.BATON_DATA_DIR),
    sqliteSynchronous: values.BATON_SQLITE_SYNCHRONOUS,
  };
}

/** Only what the store needs (the `npm run baton` CLI): no JWT secret required. */
export function loadStoreConfig(env: Record<string, string | undefined> = process.env): StoreConfig {
  return storeConfigOf(parseEnvironment(env));
}

export function loadConfig(env: Record<string, string | undefined> = process.env): BatonConfig {
  const values = parseEnvironment(env);
  const production = values.BATON_ENV === "production";
  if (production && values.BATON_JWT_SECRET.length < 32) {
    throw new ConfigError("BATON_JWT_SECRET must be set to at least 32 characters in production (BATON_ENV=production). For a local try-out run `npm run dev` instead.");
  }
  return {
    mode: values.BATON_ENV,
    host: values.BATON_HOST || (production ? "0.0.0.0" : "127.0.0.1"),
    port: values.BATON_PORT,
    jwtSecret: values.BATON_JWT_SECRET || randomBytes(32).toString("base64url"),
    jwtSecretGenerated: !values.BATON_JWT_SECRET,
    // Outside production the demo devices are imported unless another file is named.
    devicesFile: values.BATON_DEVICES_FILE || (production ? "" : DEV_DEVICES_FILE),
    store: storeConfigOf(values),
    retentionDays: values.BATON_RETENTION_DAYS,
    registryPollMs: values.BATON_REGISTRY_POLL_MS,
    timers: {
      ownerReconnectGraceMs: values.BATON_OWNER_RECONNECT_GRACE_MS,
      ownerIdleTimeoutMs: values.BATON_OWNER_IDLE_TIMEOUT_MS,
      maxSessionMs: values.BATON_MAX_SESSION_MS,
      runStepTimeoutMs: values.BATON_RUN_STEP_TIMEOUT_MS,
      deviceGraceMs: values.BATON_DEVICE_GRACE_MS,
      deviceSilenceTimeoutMs: values.BATON_DEVICE_SILENCE_TIMEOUT_MS,
      maxSessionMsByType: values.BATON_MAX_SESSION_MS_BY_TYPE,
    },
    pingIntervalMs: values.BATON_PING_INTERVAL_MS,
    maxSpectatorsPerDevice: values.BATON_MAX_SPECTATORS,
    maxPayloadBytes: values.BATON_MAX_PAYLOAD_BYTES,
    rateLimit: { perSecond: values.BATON_RATE_LIMIT_PER_SECOND, burst: values.BATON_RATE_LIMIT_BURST },
  };
}
