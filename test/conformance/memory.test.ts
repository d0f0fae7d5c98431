/** The in-memory adapter (unit tests only) through the store's conformance suite. */
import { createMemoryStore } from "@baton/server/adapters/memory/memoryStore.ts";
import { runBookingConformance } from "./bookings.cases.ts";
import { runStoreConformance, type StoreFactory } from "./store.cases.ts";

const factory: StoreFactory = { open: async () => createMemoryStore() };

runStoreConformance("memory", factory);
runBookingConformance("memory", factory);
