/**
 * All configuration, read once from the environment and the optional configuration file
 * (configFile.ts: `baton.config.json`, the same schema, the environment overriding it), typed
 * and validated at start-up. Every option is listed in the README's configuration table with
 * its file key (a test keeps them in step).
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
import type { SessionRules, SessionTimers } from "../session/index.ts";
import type { TokenPolicy } from "../auth/userTokens.ts";
import { OidcConfigError, OidcConfigSchema, oidcSettingsOf } from "./oidcConfig.ts";
import type { LogConfig } from "../observability/logger.ts";
import type { WebhookEndpoint } from "../webhooks/dispatcher.ts";
import { WebhookEvent, type WebhookEventName } from "../webhooks/notifications.ts";
import { ConfigFileError, fileKeyOf as fileKeyOfVariable, readConfigFile } from "./configFile.ts";
import { parseBookingRules } from "./bookingRules.ts";
import type { BookingRulesTable } from "../session/bookings/index.ts";

export const DEV_DEVICES_FILE = fileURLToPath(new URL("../../../config/devices.dev.json", import.meta.url));

const milliseconds = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);

/** Webhook endpoints: HTTPS (plain HTTP only to a loopback receiver), a signing secret, the wanted events. */
const WebhookEndpointsSchema = z.array(z.strictObject({
  url: z.string().refine((url) => {
    try {
      const parsed = new URL(url);
      return parsed.protocol === "https:" || (parsed.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname));
    } catch { return false; }
  }, "must be an https:// URL (http:// only to 127.0.0.1 or localhost)"),
  secret: z.string().min(16, "must be at least 16 characters"),
  events: z.array(z.enum(Object.values(WebhookEvent) as [WebhookEventName, ...WebhookEventName[]])).min(1).optional(),
})).max(20);

/** Environment variable → schema. The README table is generated from the same names. */
export const ConfigSchema = z.object({
  /** Environment only: the configuration file to read (configFile.ts). */
  BATON_CONFIG_FILE: z.string().default(""),
  BATON_ENV: z.enum(["development", "production", "test"]).default("production"),
  BATON_HOST: z.string().default(""),
  BATON_PORT: z.coerce.number().int().min(0).max(65535).default(2567),
  BATON_JWT_SECRET: z.string().default(""),
  BATON_JWT_MAX_LIFETIME_S: z.coerce.number().int().positive().default(86_400),
  BATON_JWT_ISSUER: z.string().default(""),
  BATON_JWT_AUDIENCE: z.string().default(""),
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
  BATON_HANDOFF_WINDOW_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
  BATON_READY_TIMEOUT_MS: milliseconds(300_000),
  BATON_MAX_QUEUE_LENGTH: z.coerce.number().int().min(1).max(10_000).default(50),
  BATON_QUARANTINE_AFTER_FAILURES: z.coerce.number().int().min(0).max(1_000).default(0),
  // Fair use (issue 13 item 7): 0 = unlimited / off.
  BATON_SESSION_EXPIRY_WARNING_MS: milliseconds(300_000),
  BATON_MAX_SESSION_EXTENSION_MS: milliseconds(0),
  BATON_MAX_DEVICES_PER_USER: z.coerce.number().int().min(0).max(10_000).default(0),
  BATON_MAX_QUEUE_ENTRIES_PER_USER: z.coerce.number().int().min(0).max(10_000).default(0),
  BATON_MAX_SESSION_MINUTES_PER_DAY: z.coerce.number().int().min(0).max(1_440).default(0),
  // --- pools (issue 13) ---
  BATON_POOL_RETRY_MS: z.coerce.number().int().min(100).max(600_000).default(2_000),
  BATON_MAX_POOL_WAITING: z.coerce.number().int().min(1).max(10_000).default(200),
  BATON_PING_INTERVAL_MS: z.coerce.number().int().min(500).max(60_000).default(3_000),
  BATON_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
  BATON_LOG_FORMAT: z.enum(["json", "pretty"]).optional(),
  BATON_METRICS_TOKEN: z.string().default("").refine((token) => token === "" || token.length >= 16, "must be at least 16 characters"),
  BATON_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(10_000),
  BATON_WEBHOOKS: z.string().default("").transform((text, context): WebhookEndpoint[] => {
    if (text.trim() === "") return [];
    let parsed: unknown;
    try { parsed = JSON.parse(text); } catch {
      context.addIssue({ code: "custom", message: "must be a JSON array like [{\"url\":\"https://ops.example.com/baton\",\"secret\":\"…16+ characters…\",\"events\":[\"device.free\"]}]" });
      return z.NEVER;
    }
    const endpoints = WebhookEndpointsSchema.safeParse(parsed);
    if (!endpoints.success) {
      const issue = endpoints.error.issues[0];
      context.addIssue({ code: "custom", message: `${issue.path.join(".")}: ${issue.message}` });
      return z.NEVER;
    }
    return endpoints.data;
  }),
  /** Booking rules per device kind (config/bookingRules.ts); "" = the defaults for every kind. */
  BATON_BOOKING_RULES: z.string().default("").transform((text, context): BookingRulesTable => {
    const table = parseBookingRules(text);
    if ("problem" in table && typeof table.problem === "string") {
      context.addIssue({ code: "custom", message: table.problem });
      return z.NEVER;
    }
    return table as BookingRulesTable;
  }),
  BATON_WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  BATON_WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(1_000),
  BATON_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(15),
  BATON_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  BATON_MAX_CLIENTS: z.coerce.number().int().positive().default(19_000),
  BATON_MAX_SPECTATORS: z.coerce.number().int().positive().default(2_000),
  BATON_MAX_PAYLOAD_BYTES: z.coerce.number().int().min(512).max(1_048_576).default(16_384),
  BATON_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(20),
  BATON_RATE_LIMIT_BURST: z.coerce.number().int().positive().default(40),
  BATON_DEVICE_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(50),
  BATON_DEVICE_RATE_LIMIT_BURST: z.coerce.number().int().positive().default(100),
  BATON_MAX_CONNECTIONS_PER_USER: z.coerce.number().int().positive().default(8),
  BATON_HTTP_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(50),
  BATON_HTTP_RATE_LIMIT_BURST: z.coerce.number().int().positive().default(100),
  BATON_MAX_MATCHMAKE_BODY_BYTES: z.coerce.number().int().min(256).max(65_536).default(4_096),
  BATON_MAX_BUFFERED_BYTES: z.coerce.number().int().min(65_536).default(4_194_304),
  BATON_JOIN_ACK_TIMEOUT_MS: z.coerce.number().int().min(500).max(60_000).default(10_000),
  BATON_TRUST_PROXY: z.enum(["true", "false", "1", "0"]).default("false").transform((value) => value === "true" || value === "1"),
  BATON_SECRET_CHECK_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  BATON_SECRET_CHECK_QUEUE: z.coerce.number().int().min(0).max(10_000).default(32),
  BATON_SECRET_CHECK_MAX_WAIT_MS: z.coerce.number().int().min(10).max(60_000).default(2_000),
  BATON_SECRET_FAILURES_PER_SOURCE: z.coerce.number().int().min(1).max(1_000).default(5),
  BATON_SECRET_BACKOFF_MAX_MS: z.coerce.number().int().min(1_000).default(300_000),
  REDIS_URL: z.string().default("").refine((url) => url === "" || /^rediss?:\/\//.test(url), "must be a redis:// or rediss:// URL"),
  BATON_PUBLIC_ADDRESS: z.string().default("").refine((address) => address === "" || (/^[A-Za-z0-9.\-_:[\]]+(\/[A-Za-z0-9._\-/]*)?$/.test(address) && !address.includes("//")), "must be host:port with an optional path and no scheme, e.g. 10.0.0.5:2568 or baton.example.com/node-1"),
  BATON_REDIS_KEY_PREFIX: z.string().default("").refine((prefix) => /^[A-Za-z0-9:_.-]{0,64}$/.test(prefix), "must be at most 64 letters, digits, ':', '_', '.' or '-'"),
  BATON_ROOM_LOCK_TTL_MS: z.coerce.number().int().min(1_000).max(600_000).default(10_000),
  BATON_DASHBOARD_DIR: z.string().default(""),
  BATON_CORS_ORIGINS: z.string().default("").transform((text, context): CorsPolicy | undefined => {
    const entries = text.split(",").map((part) => part.trim()).filter(Boolean);
    if (entries.length === 0) return undefined; // the mode's default, decided below
    if (entries.length === 1 && entries[0] === "*") return { allow: "any" };
    if (entries.length === 1 && entries[0] === "none") return { allow: "list", origins: [] };
    for (const entry of entries) {
      // An origin is exactly scheme://host[:port]: no path, no trailing slash, no wildcard.
      let origin = "";
      try { origin = new URL(entry).origin; } catch { /* reported below */ }
      if (origin !== entry) {
        context.addIssue({ code: "custom", message: `must be "*", "none" or a comma-separated list of origins like "https://app.example.com" (scheme://host[:port], no path), got "${entry}"` });
        return z.NEVER;
      }
    }
    return { allow: "list", origins: entries };
  }),
  ...OidcConfigSchema,
});

/** Which web origins may call Baton from a browser (see server/src/http/cors.ts). */
export type CorsPolicy = { allow: "any" } | { allow: "list"; origins: string[] };

export type ConfigEnvironment = z.infer<typeof ConfigSchema>;

export interface BatonConfig {
  mode: "development" | "production" | "test";
  host: string;
  port: number;
  jwtSecret: string;
  /** True when the secret was generated at start-up (development only). */
  jwtSecretGenerated: boolean;
  /** What a user token must satisfy besides its signature: see auth/userTokens.ts. */
  tokens: TokenPolicy;
  /** JSON registry imported into the store at start-up ("" = none). */
  devicesFile: string;
  store: StoreConfig;
  /** History, results and audit entries older than this are deleted by the retention job (0 = keep forever). */
  retentionDays: number;
  /** How often the process re-reads the registry to close connections of disabled or rotated devices. */
  registryPollMs: number;
  timers: SessionTimers;
  /** Queue length and automatic quarantine (session/rules.ts). */
  rules: SessionRules;
  /** Per-user limits across the cluster (rooms/edge/fairUseGate.ts, ports/userQuotas.ts); 0 = unlimited. */
  fairUse: FairUseLimits;
  /** Pool rooms (rooms/pool/PoolRoom.ts): how often a pool whose waiters found nothing free asks again, and how many may wait. */
  pools: { retryMs: number; maxWaiting: number };
  /** WebSocket ping period; a client that misses two pongs in a row is dropped. */
  pingIntervalMs: number;
  /** Structured logs: level, and JSON lines or pretty text (see observability/logger.ts). */
  log: LogConfig;
  /** Lifecycle notifications to HTTPS endpoints, through the store's outbox (webhooks/dispatcher.ts). */
  webhooks: { endpoints: WebhookEndpoint[]; pollMs: number; retryBaseMs: number; maxAttempts: number; timeoutMs: number };
  /** Booking rules per device kind (session/bookings/kindRules.ts `rulesForKind`). */
  bookingRules: BookingRulesTable;
  /** After SIGTERM/SIGINT the process exits within this, finished or not (server/src/shutdown.ts). */
  shutdownTimeoutMs: number;
  /** Bearer token for GET /metrics; "" = loopback callers only. */
  metricsToken: string;
  /** Connected clients this process is sized for; /readyz reports `degraded` above 90 % of it. */
  maxClients: number;
  maxSpectatorsPerDevice: number;
  maxPayloadBytes: number;
  rateLimit: { perSecond: number; burst: number };
  /** Devices send progress bursts and must never lose a result to a user-sized budget. */
  deviceRateLimit: { perSecond: number; burst: number };
  /** Open connections plus pending seat reservations of one user in one device room. */
  maxConnectionsPerUser: number;
  /** Requests per client address to Baton's own HTTP API (health probes exempt). */
  httpRateLimit: { perSecond: number; burst: number };
  /** Largest matchmaking request body; bigger ones get 413 before they are read. */
  maxMatchmakeBodyBytes: number;
  /** Unsent bytes a connection may have queued before it is closed as a slow consumer. */
  maxBufferedBytes: number;
  /** How long a connection may take to acknowledge its join (JOIN_ROOM) before it is closed. */
  joinAckTimeoutMs: number;
  /** Take the client address from X-Forwarded-For (only behind a proxy that sets it). */
  trustProxy: boolean;
  secretChecks: SecretCheckLimits;
  /** Browser origins allowed by CORS: none by default (same-origin pages only), in every mode. */
  cors: CorsPolicy;
  /** One process (local presence) or a cluster on Redis (docs/SCALING.md). */
  cluster: ClusterConfig;
  /**
   * The built dashboard served at `/` (http/dashboard.ts): an absolute directory, or "" for the
   * mode's default — client/web/dist, or Vite's dev middleware in development.
   */
  dashboardDir: string;
  /** Where the configuration came from: the file read ("" = none) and warnings about it. */
  source: ConfigSource;
}

export interface ConfigSource {
  /** Absolute path of the configuration file read, or "" when none was. */
  file: string;
  /** Variable → where its value came from; a variable absent here has its default. */
  origins: Record<string, "environment" | "file">;
  /** Sentences to print at start-up (a configuration file anybody may write). */
  warnings: string[];
}

/** How this process shares devices with others (docs/SCALING.md). */
export interface FairUseLimits {
  /** Devices one user may hold at once, on every process together. */
  maxDevicesPerUser: number;
  /** Lines one user may wait in at once. */
  maxQueueEntriesPerUser: number;
  /** Session minutes per UTC day per device kind (the registry's `kind`). */
  maxSessionMinutesPerDay: number;
}

export interface ClusterConfig {
  /** redis://… — when set, presence, room listings, room locks and the guessing throttle live in Redis; "" = this process alone. */
  redisUrl: string;
  /** Prepended to every Redis key Baton and Colyseus write (not to pub/sub channels): lets test runs share one Redis. */
  redisKeyPrefix: string;
  /** host:port[/path] clients use to reach this very process; goes into seat reservations ("" = single process). */
  publicAddress: string;
  /** A device room's lock expires this long after its process last renewed it (renewed every third of it). */
  roomLockTtlMs: number;
}

/** How much work device-secret checks may cost, and how guessers are slowed (see docs/SECURITY.md). */
export interface SecretCheckLimits {
  /** scrypt checks running at once. */
  concurrency: number;
  /** Checks that may wait for a free slot; more are refused with SERVER_BUSY. */
  queueLength: number;
  /** A check that waited this long without starting is refused with SERVER_BUSY. */
  maxWaitMs: number;
  /** Wrong secrets (in flight ones included) a source address may send before it backs off. */
  failuresPerSource: number;
  /** Longest back-off for a source address; it doubles from one second with each further failure. */
  backoffMaxMs: number;
}

export class ConfigError extends Error {}

/** The OIDC settings (oidcConfig.ts), a refusal of them reported as every other: a ConfigError. */
function oidcSettings(values: ConfigEnvironment) {
  try {
    return oidcSettingsOf(values);
  } catch (error) {
    if (error instanceof OidcConfigError) throw new ConfigError(error.message);
    throw error;
  }
}

/**
 * Where to look for `baton.config.json`: the directory of the default file and the base of a
 * relative BATON_CONFIG_FILE. Without `cwd` only BATON_CONFIG_FILE names a file: a test that
 * passes its own variables does not pick up a file lying in the working directory. Reading
 * `process.env` (the default) looks in the process's working directory.
 */
export interface ConfigFileOptions {
  cwd?: string;
}

const defaultFileOptions = (env: Record<string, string | undefined>): ConfigFileOptions => (env === process.env ? { cwd: process.cwd() } : {});

const VARIABLES = Object.keys(ConfigSchema.shape);

/**
 * The raw values the schema will parse: the file's, then the environment's on top (a variable
 * set to "" counts as unset), with where each came from.
 */
export function configInputs(env: Record<string, string | undefined>, options: ConfigFileOptions): { values: Record<string, string>; source: ConfigSource } {
  const present = Object.fromEntries(Object.entries(env).filter(([key, value]) => (key.startsWith("BATON_") || key === "DATABASE_URL" || key === "REDIS_URL") && value !== "" && value !== undefined)) as Record<string, string>;
  let file;
  try {
    file = options.cwd !== undefined || env.BATON_CONFIG_FILE ? readConfigFile(env, options.cwd ?? process.cwd(), VARIABLES) : { path: "", values: {}, warnings: [] };
  } catch (error) {
    if (error instanceof ConfigFileError) throw new ConfigError(error.message);
    throw error;
  }
  const origins: ConfigSource["origins"] = {};
  for (const variable of Object.keys(file.values)) origins[variable] = "file";
  for (const variable of VARIABLES) if (present[variable] !== undefined) origins[variable] = "environment";
  return { values: { ...file.values, ...present }, source: { file: file.path, origins, warnings: file.warnings } };
}

function parseEnvironment(env: Record<string, string | undefined>, options: ConfigFileOptions): { values: ConfigEnvironment; source: ConfigSource } {
  const { values, source } = configInputs(env, options);
  const parsed = ConfigSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue.path[0]);
    const where = source.origins[variable] === "file" ? ` (key "${fileKeyOfVariable(variable)}" in ${source.file})` : "";
    throw new ConfigError(`Invalid configuration: ${variable}${where} ${issue.message}`);
  }
  return { values: parsed.data, source };
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
export function loadStoreConfig(env: Record<string, string | undefined> = process.env, options: ConfigFileOptions = defaultFileOptions(env)): StoreConfig {
  return storeConfigOf(parseEnvironment(env, options).values);
}

/**
 * The whole configuration. `loadConfig()` reads the process (its environment, and
 * `baton.config.json` in its working directory); `loadConfig({ BATON_ENV: "test" })` reads
 * exactly the variables given (and a file only if they name one with BATON_CONFIG_FILE).
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, options: ConfigFileOptions = defaultFileOptions(env)): BatonConfig {
  const { values, source } = parseEnvironment(env, options);
  const production = values.BATON_ENV === "production";
  if (production && values.BATON_JWT_SECRET.length < 32) {
    throw new ConfigError("BATON_JWT_SECRET must be set to at least 32 characters in production (BATON_ENV=production). For a local try-out run `npm run dev` instead.");
  }
  if (values.REDIS_URL && !values.DATABASE_URL) {
    throw new ConfigError("REDIS_URL (several processes) needs DATABASE_URL (PostgreSQL): every process of a cluster must share the device states, epochs and results, and an SQLite file is one process's (docs/SCALING.md).");
  }
  const host = values.BATON_HOST || (production ? "0.0.0.0" : "127.0.0.1");
  return {
    mode: values.BATON_ENV,
    host,
    port: values.BATON_PORT,
    jwtSecret: values.BATON_JWT_SECRET || randomBytes(32).toString("base64url"),
    jwtSecretGenerated: !values.BATON_JWT_SECRET,
    tokens: {
      maxLifetimeSeconds: values.BATON_JWT_MAX_LIFETIME_S,
      issuer: values.BATON_JWT_ISSUER || undefined,
      audience: values.BATON_JWT_AUDIENCE || undefined,
      oidc: oidcSettings(values),
    },
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
      handoffWindowMs: values.BATON_HANDOFF_WINDOW_MS,
      readyTimeoutMs: values.BATON_READY_TIMEOUT_MS,
      sessionExpiryWarningMs: values.BATON_SESSION_EXPIRY_WARNING_MS,
      maxSessionExtensionMs: values.BATON_MAX_SESSION_EXTENSION_MS,
    },
    fairUse: {
      maxDevicesPerUser: values.BATON_MAX_DEVICES_PER_USER,
      maxQueueEntriesPerUser: values.BATON_MAX_QUEUE_ENTRIES_PER_USER,
      maxSessionMinutesPerDay: values.BATON_MAX_SESSION_MINUTES_PER_DAY,
    },
    rules: {
      maxQueueLength: values.BATON_MAX_QUEUE_LENGTH,
      quarantineAfterFailures: values.BATON_QUARANTINE_AFTER_FAILURES,
    },
    pools: { retryMs: values.BATON_POOL_RETRY_MS, maxWaiting: values.BATON_MAX_POOL_WAITING },
    pingIntervalMs: values.BATON_PING_INTERVAL_MS,
    // Tests start many servers in one process: quiet unless asked. Development reads best pretty.
    log: { level: values.BATON_LOG_LEVEL ?? (values.BATON_ENV === "test" ? "silent" : "info"), format: values.BATON_LOG_FORMAT ?? (values.BATON_ENV === "development" ? "pretty" : "json") },
    metricsToken: values.BATON_METRICS_TOKEN,
    shutdownTimeoutMs: values.BATON_SHUTDOWN_TIMEOUT_MS,
    bookingRules: values.BATON_BOOKING_RULES,
    webhooks: {
      endpoints: values.BATON_WEBHOOKS,
      pollMs: values.BATON_WEBHOOK_POLL_MS,
      retryBaseMs: values.BATON_WEBHOOK_RETRY_BASE_MS,
      maxAttempts: values.BATON_WEBHOOK_MAX_ATTEMPTS,
      timeoutMs: values.BATON_WEBHOOK_TIMEOUT_MS,
    },
    maxClients: values.BATON_MAX_CLIENTS,
    maxSpectatorsPerDevice: values.BATON_MAX_SPECTATORS,
    maxPayloadBytes: values.BATON_MAX_PAYLOAD_BYTES,
    rateLimit: { perSecond: values.BATON_RATE_LIMIT_PER_SECOND, burst: values.BATON_RATE_LIMIT_BURST },
    deviceRateLimit: { perSecond: values.BATON_DEVICE_RATE_LIMIT_PER_SECOND, burst: values.BATON_DEVICE_RATE_LIMIT_BURST },
    maxConnectionsPerUser: values.BATON_MAX_CONNECTIONS_PER_USER,
    httpRateLimit: { perSecond: values.BATON_HTTP_RATE_LIMIT_PER_SECOND, burst: values.BATON_HTTP_RATE_LIMIT_BURST },
    maxMatchmakeBodyBytes: values.BATON_MAX_MATCHMAKE_BODY_BYTES,
    maxBufferedBytes: values.BATON_MAX_BUFFERED_BYTES,
    joinAckTimeoutMs: values.BATON_JOIN_ACK_TIMEOUT_MS,
    trustProxy: values.BATON_TRUST_PROXY,
    secretChecks: {
      concurrency: values.BATON_SECRET_CHECK_CONCURRENCY,
      queueLength: values.BATON_SECRET_CHECK_QUEUE,
      maxWaitMs: values.BATON_SECRET_CHECK_MAX_WAIT_MS,
      failuresPerSource: values.BATON_SECRET_FAILURES_PER_SOURCE,
      backoffMaxMs: values.BATON_SECRET_BACKOFF_MAX_MS,
    },
    // Same-origin pages only unless origins are listed — development too: its dashboard is
    // served by this server, and `*` let any page in the developer's browser mint tokens at
    // POST /dev/token and read the answers (issue 18 finding 17; http/devOrigin.ts).
    cors: values.BATON_CORS_ORIGINS ?? { allow: "list", origins: [] },
    cluster: {
      redisUrl: values.REDIS_URL,
      redisKeyPrefix: values.BATON_REDIS_KEY_PREFIX,
      publicAddress: publicAddressOf(values, host),
      roomLockTtlMs: values.BATON_ROOM_LOCK_TTL_MS,
    },
    dashboardDir: values.BATON_DASHBOARD_DIR ? path.resolve(values.BATON_DASHBOARD_DIR) : "",
    source,
  };
}

/**
 * In a cluster every process must say where clients reach *it*: a seat reserved through
 * another process points there. Without Redis there is no other process, so none is needed.
 * A wildcard listen address names no host, so it cannot stand in for one.
 */
function publicAddressOf(values: ConfigEnvironment, host: string): string {
  if (values.BATON_PUBLIC_ADDRESS || !values.REDIS_URL) return values.BATON_PUBLIC_ADDRESS;
  if (host === "0.0.0.0" || host === "::") {
    throw new ConfigError(`BATON_PUBLIC_ADDRESS must be set when REDIS_URL is set and the server listens on ${host}: name the host:port (or proxy path) where clients reach this process, e.g. 10.0.0.5:${values.BATON_PORT} (docs/SCALING.md).`);
  }
  return `${host.includes(":") ? `[${host}]` : host}:${values.BATON_PORT}`;
}
