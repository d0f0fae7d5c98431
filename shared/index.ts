/**
 * @baton/protocol — Baton protocol v1 as one package: message names, error and close codes
 * (protocol.ts), the error table — status, sentence and docs anchor per code (errors.ts) —
 * the payload schemas both directions with their inferred types (messages.ts), with the
 * plain-JSON check their free-form fields share (jsonValue.ts), and the body of every HTTP
 * answer (http.ts, also `@baton/protocol/http`). The room's schema state is a separate entry
 * point (`@baton/protocol/state`) because it pulls in @colyseus/schema; the device contract
 * vectors and instrument output schemas ship as JSON (`@baton/protocol/device-contract/…`, `@baton/protocol/instruments/…`).
 */
export * from "./protocol.ts";
export * from "./errors.ts";
export * from "./messages.ts";
export * from "./jsonValue.ts";
export * from "./http.ts";
export * from "./telemetry.ts";
