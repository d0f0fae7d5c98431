/**
 * What Baton's HTTP API answers (server/src/http/, documented at GET /openapi.json), as the
 * SDK returns it: the types inferred from the wire schemas of `@baton/protocol/http` — the
 * same schemas the server answers with and openapi.json is generated from, so they cannot
 * drift (a type-only import: no schema code reaches the bundle). Besides them, the queries the
 * SDK's methods take.
 */
export type {
  DeclaredSessionType, DeviceDetails, DeviceList, DeviceStatus, DeviceSummary, OutcomesPage, ResultsPage, SessionRecord, SessionsPage, StoredOutcomeBody as StoredOutcome, StoredResult,
} from "@baton/protocol/http";

/** Filters of `BatonClient.devices()` (GET /devices); the SDK pages through every answer itself. */
export interface DeviceListQuery {
  kind?: string;
  status?: "online" | "offline" | "free" | "held" | "disabled";
}

/** A page of GET /results or GET /me/sessions: `before` is the `next` of the previous page. */
export interface PageQuery {
  limit?: number;
  before?: string;
}
