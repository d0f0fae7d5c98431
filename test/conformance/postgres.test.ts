/**
 * The PostgreSQL adapter through the store's conformance suite, on the local PostgreSQL
 * (BATON_TEST_DATABASE_URL), each test in its own fresh schema, dropped after. Fails —
 * never skips — when PostgreSQL is unreachable.
 */
import { openPostgresStore } from "@baton/server/adapters/postgres/postgresStore.ts";
import type { BatonStore } from "@baton/server/ports/store.ts";
import { createTestSchema, type TestSchema } from "../support/postgres.ts";
import { runBookingConformance } from "./bookings.cases.ts";
import { runStoreConformance, type StoreFactory } from "./store.cases.ts";

const schemas = new Map<BatonStore, TestSchema>();

const factory: StoreFactory = {
  async open() {
    const schema = await createTestSchema();
    const store = await openPostgresStore({ connectionString: schema.url, schema: schema.schema, maxConnections: 4 });
    schemas.set(store, schema);
    return store;
  },
  async dispose(store) {
    await store.close();
    await schemas.get(store)!.drop();
    schemas.delete(store);
  },
};

runStoreConformance("postgres", factory);
runBookingConformance("postgres", factory);
