/**
 * `npm run baton -- token --user <id> [--name "…"] [--admin] [--ttl 1h]`: signs a user token
 * with the configured secret (BATON_JWT_SECRET, with BATON_JWT_ISSUER / BATON_JWT_AUDIENCE
 * when set), exactly as the server verifies it — for operators and scripts, where no person
 * signs in through the identity provider. Prints the token alone on stdout, so
 * `TOKEN=$(npm run -s baton -- token --user ci-bot)` works.
 *
 * The lifetime defaults to one hour and may not exceed BATON_JWT_MAX_LIFETIME_S (the server
 * would refuse such a token). A generated secret (development without BATON_JWT_SECRET) is
 * refused: a token signed with it would open no running server.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { UserTokens } from "../auth/userTokens.ts";
import { loadConfig } from "../config/config.ts";

export const TOKEN_USAGE = `  token --user <id> [--name "Ada Lovelace"] [--admin] [--ttl 1h]   (sign a user token with BATON_JWT_SECRET)`;

const DEFAULT_TTL_SECONDS = 3600;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

export class TokenUsageError extends Error {}

/** "90" (seconds), "90s", "15m", "12h", "1d" → seconds. */
export function parseTtl(text: string): number {
  const match = /^(\d{1,7})([smhd]?)$/.exec(text.trim());
  if (!match || Number(match[1]) === 0) throw new TokenUsageError(`--ttl must be a positive duration like 900, 15m, 12h or 1d (got "${text}")`);
  return Number(match[1]) * UNIT_SECONDS[match[2] || "s"];
}

export async function tokenCommand(args: string[], env: Record<string, string | undefined>): Promise<string> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: {
    user: { type: "string" }, name: { type: "string" }, admin: { type: "boolean" }, ttl: { type: "string" },
  } });
  if (positionals.length > 0) throw new TokenUsageError(`token takes only options, not "${positionals.join(" ")}"\n${TOKEN_USAGE}`);
  const user = z.string().trim().min(1).max(128).safeParse(values.user ?? "");
  if (!user.success) throw new TokenUsageError(`token needs --user <id> (1–128 characters): the token's \`sub\`\n${TOKEN_USAGE}`);
  const name = z.string().trim().max(100).parse(values.name ?? "") || user.data;
  if (!env.BATON_JWT_SECRET) {
    throw new TokenUsageError("BATON_JWT_SECRET is not set: set it to the secret the server runs with (a token signed with any other secret opens nothing)");
  }
  const config = loadConfig(env);
  const ttl = values.ttl === undefined ? DEFAULT_TTL_SECONDS : parseTtl(values.ttl);
  if (ttl > config.tokens.maxLifetimeSeconds) {
    throw new TokenUsageError(`--ttl ${ttl} s is longer than BATON_JWT_MAX_LIFETIME_S (${config.tokens.maxLifetimeSeconds} s): the server would refuse the token`);
  }
  const tokens = new UserTokens(config.jwtSecret, { ...config.tokens, oidc: undefined });
  return tokens.issue({ userId: user.data, name, roles: values.admin ? ["admin"] : [] }, ttl);
}
