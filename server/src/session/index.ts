/** The pure session core: rules, derived views and deadlines of one device's session. */
export { initialState, MAX_EPOCH, MAX_HELLO_EPOCH_RAISE } from "./core.ts";
export { reduce } from "./reduce.ts";
export { phaseOf, welcomeFor } from "./phase.ts";
export { restoreForNewRoom } from "./restore.ts";
export { nextDeadline, activeDeadlines, waitDeadlines, type Deadline } from "./deadlines.ts";
export type * from "./types.ts";
export { deviceStatusOf, type DeviceStatus } from "./status.ts";
export { DEFAULT_RULES } from "./rules.ts";
export { estimatedStarts, median, samplesFrom, NO_SAMPLES, type DurationSamples } from "./eta.ts";
export { lineOf, positionOf, withQueueDefaults } from "./line.ts";
export { isFreeForNewHolder } from "./grant.ts";
export { initialPoolState, poolDeadline, positionInPool, reducePool, type ClaimAnswer, type PoolCommand, type PoolContext, type PoolEffect, type PoolRequest, type PoolState } from "./pool.ts";
export { reservedSlot, MAX_SLOTS_IN_CORE } from "./bookings/schedule.ts";
