/** The in-memory adapter (unit tests only) through the store's conformance suite. */
import { createMemoryStore } from "@baton/server/adapters/memory/memoryStore.ts";
import { runStoreConformance } from "./store.cases.ts";

runStoreConformance("memory", { open: async () => createMemoryStore() });
