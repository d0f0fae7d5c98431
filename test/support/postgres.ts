/**
 * PostgreSQL for tests: the server at BATON_TEST_DATABASE_URL (default the local one CI
 * runs), one fresh schema per test run (`baton_test_<random>`), dropped afterwards. When
 * PostgreSQL is unreachable the tests FAIL with the command that starts it — they never
 * skip silently.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const TEST_DATABASE_URL = process.env.BATON_TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";

export interface TestSchema {
  url: string;
  schema: string;
  drop(): Promise<void>;
}

export async function createTestSchema(): Promise<TestSchema> {
  const schema = `baton_test_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${TEST_DATABASE_URL} (${(error as Error).message}). ` +
      "The store's PostgreSQL tests need it. Start one with `sudo apt-get install -y postgresql && sudo service postgresql start` " +
      "(or `docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:16`), " +
      "or point BATON_TEST_DATABASE_URL at yours.",
    );
  }
  try {
    await client.query(`create schema ${schema}`);
  } finally {
    await client.end();
  }
  return {
    url: TEST_DATABASE_URL,
    schema,
    async drop() {
      const dropper = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await dropper.connect();
      try {
        await dropper.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await dropper.end();
      }
    },
  };
}
