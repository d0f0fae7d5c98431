import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, DEV_DEVICES_FILE, loadConfig, loadStoreConfig } from "./config.ts";

describe("store configuration", () => {
  it("defaults to SQLite in ./data and imports the demo devices outside production", () => {
    const config = loadConfig({ BATON_ENV: "development" });
    expect(config.store).toEqual({ databaseUrl: "", databaseSchema: "", dataDir: path.resolve("data"), sqliteSynchronous: "full" });
    expect(config.devicesFile).toBe(DEV_DEVICES_FILE);
    expect(config.retentionDays).toBe(90);
  });

  it("needs no device file in production (the registry is in the store)", () => {
    const config = loadConfig({ BATON_ENV: "production", BATON_JWT_SECRET: "x".repeat(32) });
    expect(config.devicesFile).toBe("");
  });

  it("selects PostgreSQL with DATABASE_URL and validates it and the schema name", () => {
    expect(loadStoreConfig({ DATABASE_URL: "postgres://u@db:5432/baton", BATON_DATABASE_SCHEMA: "baton" })).toMatchObject({ databaseUrl: "postgres://u@db:5432/baton", databaseSchema: "baton" });
    expect(() => loadStoreConfig({ DATABASE_URL: "mysql://x" })).toThrow(ConfigError);
    expect(() => loadStoreConfig({ DATABASE_URL: "postgres://x", BATON_DATABASE_SCHEMA: "Robert'); drop" })).toThrow(/BATON_DATABASE_SCHEMA/);
    expect(() => loadConfig({ BATON_ENV: "development", BATON_RETENTION_DAYS: "-1" })).toThrow(/BATON_RETENTION_DAYS/);
  });
});
