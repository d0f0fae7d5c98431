import { describe, expect, it } from "vitest";
import { withoutPassword } from "./redactUrl.ts";
import { redactDatabaseUrl } from "../adapters/postgres/postgresStore.ts";
import { redactRedisUrl } from "../adapters/redis/redisConnection.ts";
import { maskedValue } from "../config/configCheck.ts";

describe("connection URLs in banners, logs and config check", () => {
  it("replaces the password and nothing else, and says when the text is no URL", () => {
    expect(withoutPassword("postgres://baton:s3cret@db:5432/baton", "***")).toBe("postgres://baton:***@db:5432/baton");
    expect(withoutPassword("redis://127.0.0.1:6379", "***")).toBe("redis://127.0.0.1:6379");
    expect(withoutPassword("not a url", "***")).toBeUndefined();
  });

  it("keeps each caller's own mask and fallback", () => {
    expect(redactDatabaseUrl("postgres://u:p@db/x")).toBe("postgres://u:***@db/x");
    expect(redactDatabaseUrl("::")).toBe("postgres://(unparseable URL)");
    expect(redactRedisUrl("redis://:p@r:6379")).toBe("redis://:***@r:6379");
    expect(redactRedisUrl("::")).toBe("(unparseable REDIS_URL)");
    expect(maskedValue("DATABASE_URL", "postgres://u:p@db/x")).toBe("postgres://u:****@db/x");
    expect(maskedValue("REDIS_URL", "::")).toBe("****");
  });
});
