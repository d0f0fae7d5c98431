/** Bookings of devices (issue 24 part 3): pure rules, the rules per kind, and the types. */
export * from "./types.ts";
export * from "./rules.ts";
export * from "./kindRules.ts";
