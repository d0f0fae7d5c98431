/**
 * The server's entry point: load configuration, start the server, print what runs where.
 * `npm run dev` runs this file's TypeScript through tsx; production runs its build,
 * `node dist/server/index.js` (`npm run build` makes it; `npm start` starts it).
 */
import { ConfigError, ConfigSchema, loadConfig } from "./config/config.ts";
import { createServices } from "./app.ts";
import { startServer } from "./server.ts";
import { ListenError } from "./listenError.ts";
import { markLiveServer } from "./store/liveServer.ts";
import { RedisUnavailableError } from "./adapters/redis/redisConnection.ts";

const USAGE = `usage: npm start            (production, from the output of \`npm run build\`; BATON_JWT_SECRET required)
       node dist/server/index.js   (the same without npm: what a service manager runs)
       npm run dev          (development: demo devices, dev tokens, pretty logs)

Baton is configured through environment variables and, optionally, a JSON file
(BATON_CONFIG_FILE, else ./baton.config.json; the environment overrides the file;
README, "Configuration"). \`npm run baton -- config check\` prints the effective values.
  ${Object.keys(ConfigSchema.shape).join("\n  ")}

Signals: SIGTERM/SIGINT drain, close connections with 4001, flush the store and exit
within BATON_SHUTDOWN_TIMEOUT_MS.`;

async function main() {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    console.log(USAGE);
    return;
  }
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`baton: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  for (const warning of config.source.warnings) console.error(`baton: warning: ${warning}`);
  let services;
  try {
    services = await createServices({ config });
  } catch (error) {
    console.error(error instanceof RedisUnavailableError ? `baton: ${error.message}` : `baton: cannot open the store: ${(error as Error).message}`);
    process.exit(2);
  }
  try {
    await startServer(services);
  } catch (error) {
    if (error instanceof ListenError) {
      console.error(`baton: ${error.message}`);
      // Colyseus has already started timers and presence: exit instead of waiting on them.
      process.exit(1);
    }
    throw error;
  }
  const base = `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${config.port}`;
  // The store is in use: `npm run baton -- device raise-epoch` refuses until this server stops.
  markLiveServer(config.store, base);
  const devices = await services.registry.list();
  // The scripts default to 127.0.0.1:2567; name the URL when this server is elsewhere.
  const urlFlag = base === "http://127.0.0.1:2567" ? "" : ` --url ${base}`;
  const lines = [
    "",
    `  Baton  —  ${config.mode} mode`,
    `  HTTP + WebSocket  ${base}   (room "device", one per device; API: ${base}/openapi.json)`,
    `  dashboard         ${base}/   (open it in a browser${config.mode === "production" ? "; sign in with a token" : "; sign in with any name"})`,
    `  operations        ${base}/healthz  /readyz  /metrics (${config.metricsToken ? "bearer BATON_METRICS_TOKEN" : "loopback only"})   logs: ${config.log.format} at ${config.log.level}`,
    `  configuration     ${config.source.file ? `${config.source.file}, overridden by the environment` : "the environment (no configuration file)"}`,
    `  store             ${services.store.kind === "sqlite" ? `SQLite ${services.store.location}` : `PostgreSQL ${services.store.location}`}`,
    `  presence          ${services.cluster.description}`,
    `  retention         ${config.retentionDays > 0 ? `${config.retentionDays} days (history, results, audit)` : "keep forever"}`,
    `  devices           ${devices.length} registered${services.imported ? ` (imported ${config.devicesFile})` : ""}: ${devices.slice(0, 10).map((d) => d.deviceId + (d.disabledAt !== null ? " (disabled)" : "")).join(", ")}${devices.length > 10 ? ", …" : ""}`,
    `  manage devices    npm run baton -- device add <id> --label "…" --kind scale   (list, disable, delete, rotate-secret)`,
  ];
  if (config.mode !== "production") {
    lines.push(
      `  dev tokens        POST ${base}/dev/token {"userId":"alice","name":"Alice"}   (development only)`,
      `  JWT secret        ${config.jwtSecretGenerated ? "generated for this run (set BATON_JWT_SECRET to keep tokens valid across restarts)" : "from BATON_JWT_SECRET"}`,
      `  try it            npm run simulate -- --device scale-1 --secret dev-secret-scale-1 --instrument scale${urlFlag}`,
      `                    npm run demo:claim -- --device scale-1${urlFlag}`,
    );
  }
  console.log(lines.join("\n") + "\n");

  // SIGINT/SIGTERM: server/src/shutdown.ts (drain, close rooms with 4001, flush the store, exit within BATON_SHUTDOWN_TIMEOUT_MS).
}

main().catch((error) => {
  console.error("baton: failed to start:", error);
  process.exit(1);
});
