/**
 * `npm run baton -- config check`: the effective configuration, one line per option — the
 * variable, its file key, its value and where the value came from — with every secret
 * masked, after the same validation the server runs at start-up (config.ts).
 */
import { ConfigSchema, configInputs, loadConfig, type ConfigFileOptions } from "./config.ts";
import type { z } from "zod";
import { fileKeyOf } from "./configFile.ts";
import { withoutPassword } from "../observability/redactUrl.ts";
import { textTable } from "../cli/textTable.ts";

/** Options whose whole value is a secret. */
const SECRET_VARIABLES = new Set(["BATON_JWT_SECRET", "BATON_METRICS_TOKEN"]);

/** A URL with its password replaced; anything unparsable as a whole is masked. */
function maskUrl(text: string): string {
  return withoutPassword(text, "****") ?? "****";
}

/** The value as shown by `config check`: secrets masked, structured values as JSON. */
export function maskedValue(variable: string, value: unknown): string {
  if (value === undefined || value === "") return "";
  if (SECRET_VARIABLES.has(variable)) return `**** (${String(value).length} characters)`;
  if (variable === "DATABASE_URL" || variable === "REDIS_URL") return maskUrl(String(value));
  if (variable === "BATON_WEBHOOKS" && Array.isArray(value)) {
    return JSON.stringify(value.map((endpoint: { secret?: string }) => ({ ...endpoint, secret: "****" })));
  }
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Validates the configuration as the server would and prints it; throws ConfigError when it is invalid. */
export function checkConfig(env: Record<string, string | undefined>, options: ConfigFileOptions): string {
  const config = loadConfig(env, options);
  const { values } = configInputs(env, options);
  const rows: string[][] = [];
  for (const [variable, shape] of Object.entries(ConfigSchema.shape)) {
    const parsed = (shape as z.ZodType).safeParse(values[variable]);
    rows.push([
      variable,
      variable === "BATON_CONFIG_FILE" ? "(environment only)" : fileKeyOf(variable),
      config.source.origins[variable] ?? "default",
      maskedValue(variable, parsed.success ? parsed.data : values[variable]),
    ]);
  }
  const lines = [
    `configuration is valid for ${config.mode} mode; file: ${config.source.file || "none (no BATON_CONFIG_FILE, no ./baton.config.json)"}; the environment overrides the file`,
    ...config.source.warnings.map((warning) => `warning: ${warning}`),
    "",
    textTable(["variable", "file key", "from", "value"], rows),
  ];
  return lines.join("\n");
}

