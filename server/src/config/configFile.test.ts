import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/baton.ts";
import { ConfigError, ConfigSchema, loadConfig } from "./config.ts";
import { fileKeyOf } from "./configFile.ts";

const SECRET = "s".repeat(40);

function directoryWith(content: unknown, name = "baton.config.json"): string {
  const directory = mkdtempSync(path.join(tmpdir(), "baton-config-"));
  writeFileSync(path.join(directory, name), typeof content === "string" ? content : JSON.stringify(content), { mode: 0o600 });
  return directory;
}

describe("the configuration file", () => {
  it("names each option by its variable in camelCase without BATON_", () => {
    expect(fileKeyOf("BATON_JWT_SECRET")).toBe("jwtSecret");
    expect(fileKeyOf("DATABASE_URL")).toBe("databaseUrl");
    expect(fileKeyOf("BATON_MAX_SESSION_MS_BY_TYPE")).toBe("maxSessionMsByType");
    const keys = Object.keys(ConfigSchema.shape).map(fileKeyOf);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("reads ./baton.config.json with the environment's schema, and the environment overrides it", () => {
    const cwd = directoryWith({ jwtSecret: SECRET, port: 2999, maxSpectators: 12, trustProxy: true, corsOrigins: ["https://a.example.com"], maxSessionMsByType: { printing: 1000 } });
    const config = loadConfig({ BATON_PORT: "3001" }, { cwd });
    expect(config.mode).toBe("production");
    expect(config.jwtSecret).toBe(SECRET);
    expect(config.port).toBe(3001);
    expect(config.maxSpectatorsPerDevice).toBe(12);
    expect(config.trustProxy).toBe(true);
    expect(config.cors).toEqual({ allow: "list", origins: ["https://a.example.com"] });
    expect(config.timers.maxSessionMsByType).toEqual({ printing: 1000 });
    expect(config.source).toEqual({ file: path.join(cwd, "baton.config.json"), origins: expect.objectContaining({ BATON_JWT_SECRET: "file", BATON_PORT: "environment" }), warnings: [] });
  });

  it("reads BATON_CONFIG_FILE, which must exist; without a cwd no default file is looked for", () => {
    const cwd = directoryWith({ jwtSecret: SECRET }, "elsewhere.json");
    expect(loadConfig({ BATON_CONFIG_FILE: path.join(cwd, "elsewhere.json") }).jwtSecret).toBe(SECRET);
    expect(() => loadConfig({ BATON_CONFIG_FILE: path.join(cwd, "missing.json") })).toThrow(/Cannot read the configuration file .*missing\.json \(BATON_CONFIG_FILE\): there is no such file/);
    expect(() => loadConfig({}, { cwd: directoryWith({ jwtSecret: "short" }) })).toThrow(/BATON_JWT_SECRET must be set to at least 32/);
    expect(loadConfig({ BATON_ENV: "test" }).source.file).toBe("");
  });

  it("refuses an unknown key, a bad value and malformed JSON with a sentence naming them", () => {
    expect(() => loadConfig({}, { cwd: directoryWith({ jwtSecret: SECRET, prot: 1 }) })).toThrow(ConfigError);
    expect(() => loadConfig({}, { cwd: directoryWith({ jwtSecret: SECRET, prot: 1 }) })).toThrow(/has an unknown key "prot" \(the keys are in the README's configuration table\)/);
    expect(() => loadConfig({}, { cwd: directoryWith({ BATON_PORT: 1 }) })).toThrow(/unknown key "BATON_PORT"; the key for BATON_PORT is "port"/);
    expect(() => loadConfig({}, { cwd: directoryWith({ configFile: "x" }) })).toThrow(/unknown key "configFile"/);
    expect(() => loadConfig({}, { cwd: directoryWith({ jwtSecret: SECRET, port: "http" }) })).toThrow(/Invalid configuration: BATON_PORT \(key "port" in .*baton\.config\.json\)/);
    expect(() => loadConfig({}, { cwd: directoryWith({ jwtSecret: SECRET, port: null }) })).toThrow(/"port" must be a string, a number or true\/false, not null/);
    expect(() => loadConfig({}, { cwd: directoryWith("{ port: 1 }") })).toThrow(/is not valid JSON/);
    expect(() => loadConfig({}, { cwd: directoryWith([1]) })).toThrow(/must hold one JSON object/);
  });

  it("warns about a file anybody may write", () => {
    const cwd = directoryWith({ jwtSecret: SECRET });
    chmodSync(path.join(cwd, "baton.config.json"), 0o666);
    expect(loadConfig({}, { cwd }).source.warnings).toEqual([expect.stringMatching(/writable by every user of this machine.*chmod o-w/)]);
  });
});

describe("npm run baton -- config check", () => {
  it("prints the effective configuration with its sources and every secret masked", async () => {
    const cwd = directoryWith({
      jwtSecret: SECRET, metricsToken: "m".repeat(20), databaseUrl: "postgres://baton:hunter2@db/baton",
      webhooks: [{ url: "https://ops.example.com/hook", secret: "w".repeat(20) }],
    });
    const { code, output } = await runCli(["config", "check"], { BATON_CONFIG_FILE: path.join(cwd, "baton.config.json"), BATON_PORT: "2600" });
    expect(code).toBe(0);
    expect(output).toMatch(/^configuration is valid for production mode; file: .*baton\.config\.json/);
    expect(output).toMatch(/^variable +file key +from +value$/m);
    expect(output).toMatch(/^BATON_PORT +port +environment +2600$/m);
    expect(output).toMatch(/^BATON_JWT_SECRET +jwtSecret +file +\*\*\*\* \(40 characters\)$/m);
    expect(output).toMatch(/^DATABASE_URL +databaseUrl +file +postgres:\/\/baton:\*\*\*\*@db\/baton$/m);
    expect(output).toMatch(/^BATON_MAX_SPECTATORS +maxSpectators +default +2000$/m);
    for (const secret of [SECRET, "m".repeat(20), "hunter2", "w".repeat(20)]) expect(output).not.toContain(secret);
  });

  it("fails with the start-up sentence when the configuration is invalid", async () => {
    const { code, output } = await runCli(["config", "check"], { BATON_ENV: "production" });
    expect(code).toBe(2);
    expect(output).toMatch(/^baton: BATON_JWT_SECRET must be set/);
  });
});
