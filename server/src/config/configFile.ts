/**
 * The configuration file (issue 22 item 3): `baton.config.json`, a JSON object whose keys are
 * the environment variables' names in camelCase without `BATON_` (`BATON_JWT_SECRET` →
 * `jwtSecret`, `DATABASE_URL` → `databaseUrl`). It is validated by the very schema of the
 * environment variables (config.ts, `ConfigSchema`), and every variable set in the
 * environment overrides its key in the file.
 *
 * Which file: `BATON_CONFIG_FILE` (it must exist), else `baton.config.json` in the working
 * directory when there is one, else none. An unknown key is refused with a sentence naming
 * it; a file anybody may write is read, with a warning (docs/SECURITY.md).
 */
import { readFileSync, statSync } from "node:fs";
import path from "node:path";

export const DEFAULT_CONFIG_FILE = "baton.config.json";

/** Variables only the environment can set: which file to read is not itself in the file. */
const ENVIRONMENT_ONLY = new Set(["BATON_CONFIG_FILE"]);

export class ConfigFileError extends Error {}

/** `BATON_JWT_SECRET` → `jwtSecret`, `DATABASE_URL` → `databaseUrl`. */
export function fileKeyOf(variable: string): string {
  const words = variable.replace(/^BATON_/, "").toLowerCase().split("_");
  return words[0] + words.slice(1).map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join("");
}

export interface ConfigFileValues {
  /** Absolute path of the file read, or "" when none was. */
  path: string;
  /** Variable name → the value as the environment would spell it. */
  values: Record<string, string>;
  /** Sentences worth an operator's attention (a world-writable file). */
  warnings: string[];
}

/** Which file to read: BATON_CONFIG_FILE, else ./baton.config.json if present, else none (""). */
export function configFilePath(env: Record<string, string | undefined>, cwd: string): string {
  if (env.BATON_CONFIG_FILE) return path.resolve(cwd, env.BATON_CONFIG_FILE);
  const fallback = path.join(cwd, DEFAULT_CONFIG_FILE);
  try {
    return statSync(fallback).isFile() ? fallback : "";
  } catch {
    return "";
  }
}

/**
 * A file value in the environment's spelling: numbers and booleans as text, the webhook list
 * as its JSON, a list of origins comma-separated, per-type caps as `type=ms,…`.
 */
function asEnvironmentText(variable: string, key: string, value: unknown, file: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (variable === "BATON_WEBHOOKS" && Array.isArray(value)) return JSON.stringify(value);
  if (variable === "BATON_BOOKING_RULES" && value !== null && typeof value === "object" && !Array.isArray(value)) return JSON.stringify(value);
  if (variable === "BATON_CORS_ORIGINS" && Array.isArray(value) && value.every((entry) => typeof entry === "string")) return value.join(",");
  if (variable === "BATON_MAX_SESSION_MS_BY_TYPE" && value !== null && typeof value === "object" && !Array.isArray(value)) {
    return Object.entries(value).map(([type, ms]) => `${type}=${String(ms)}`).join(",");
  }
  throw new ConfigFileError(`${file}: "${key}" must be a string, a number or true/false${variable === "BATON_WEBHOOKS" ? " (or the list of endpoints)" : ""}, not ${value === null ? "null" : Array.isArray(value) ? "a list" : typeof value}.`);
}

/** Reads and checks the configuration file; `variables` are the names the schema knows. */
export function readConfigFile(env: Record<string, string | undefined>, cwd: string, variables: readonly string[]): ConfigFileValues {
  const file = configFilePath(env, cwd);
  if (!file) return { path: "", values: {}, warnings: [] };
  let text: string;
  let mode: number;
  try {
    text = readFileSync(file, "utf8");
    mode = statSync(file).mode;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigFileError(`Cannot read the configuration file ${file}${env.BATON_CONFIG_FILE ? " (BATON_CONFIG_FILE)" : ""}: ${code === "ENOENT" ? "there is no such file" : (error as Error).message}.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigFileError(`The configuration file ${file} is not valid JSON: ${(error as Error).message}.`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigFileError(`The configuration file ${file} must hold one JSON object, like {"port": 2567, "dataDir": "/var/lib/baton"}.`);
  }
  const byKey = new Map(variables.filter((variable) => !ENVIRONMENT_ONLY.has(variable)).map((variable) => [fileKeyOf(variable), variable]));
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (key === "$schema" || key === "$comment") continue;
    const variable = byKey.get(key);
    if (!variable) {
      const meant = byKey.has(fileKeyOf(key)) ? `; the key for ${key} is "${fileKeyOf(key)}"` : "";
      throw new ConfigFileError(`The configuration file ${file} has an unknown key "${key}"${meant} (the keys are in the README's configuration table).`);
    }
    values[variable] = asEnvironmentText(variable, key, value, file);
  }
  const warnings = (mode & 0o002) !== 0
    ? [`the configuration file ${file} is writable by every user of this machine; make it writable by its owner alone (chmod o-w ${file}), since whoever writes it configures Baton.`]
    : [];
  return { path: file, values, warnings };
}
