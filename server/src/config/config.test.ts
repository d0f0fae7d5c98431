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

describe("cluster configuration", () => {
  const production = { BATON_ENV: "production", BATON_JWT_SECRET: "x".repeat(32) };

  it("is a single process without REDIS_URL", () => {
    expect(loadConfig(production).cluster).toEqual({ redisUrl: "", redisKeyPrefix: "", publicAddress: "", roomLockTtlMs: 10_000 });
  });

  it("joins a cluster with REDIS_URL, which needs PostgreSQL and an address clients reach this process at", () => {
    const cluster = { ...production, REDIS_URL: "redis://127.0.0.1:6379", DATABASE_URL: "postgres://db/baton" };
    expect(() => loadConfig({ ...production, REDIS_URL: "redis://127.0.0.1:6379" })).toThrow(/REDIS_URL .* needs DATABASE_URL/);
    expect(() => loadConfig(cluster)).toThrow(/BATON_PUBLIC_ADDRESS must be set/); // listening on 0.0.0.0 names no host
    expect(loadConfig({ ...cluster, BATON_PUBLIC_ADDRESS: "baton.example.com/node-1" }).cluster.publicAddress).toBe("baton.example.com/node-1");
    expect(loadConfig({ ...cluster, BATON_HOST: "10.0.0.5", BATON_PORT: "2568" }).cluster.publicAddress).toBe("10.0.0.5:2568");
    expect(() => loadConfig({ ...cluster, BATON_PUBLIC_ADDRESS: "ws://x/y" })).toThrow(/BATON_PUBLIC_ADDRESS/);
    expect(() => loadConfig({ ...cluster, REDIS_URL: "http://x" })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ ...cluster, BATON_HOST: "10.0.0.5", BATON_ROOM_LOCK_TTL_MS: "10" })).toThrow(/BATON_ROOM_LOCK_TTL_MS/);
  });
});
