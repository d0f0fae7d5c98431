/** The pure session core: rules, derived views and deadlines of one device's session. */
export { initialState, reduce } from "./core.ts";
export { phaseOf, welcomeFor } from "./phase.ts";
export { restoreForNewRoom } from "./restore.ts";
export { nextDeadline, activeDeadlines, type Deadline } from "./deadlines.ts";
export type * from "./types.ts";
export { deviceStatusOf, type DeviceStatus } from "./status.ts";
