/**
 * @baton/client — the typed SDK for web apps and scripts (browsers and Node 22).
 * Framework-neutral; the React hook is `@baton/client/react`, the device simulator
 * `@baton/client/simulator` (Node only). See client/README.md.
 */
export { BatonClient, userIdFromToken, type BatonClientOptions, type ReconnectionSettings, type WatchDevicesOptions } from "./batonClient.ts";
export { AdminApi, type AuditQuery, type AvailabilityAction, type RegisterDeviceRequest } from "./admin.ts";
export type { AuditActionName, AuditEntry, AuditLogPage, AvailabilityChanged, DeviceHistory, DeviceRegistered, DisabledDevice, FirmwareUpdate, FirmwareUpdateRequest, FirmwareUpdateState, ForceReleased, PoolSet, QueueListing, RotatedSecret, WebhookDeliveries, WebhookDelivery, WebhookRetried } from "./admin.ts";
export type { ClaimAnyOptions, PoolGrantedMessage, PoolLeftMessage, PoolStatusMessage } from "./pool.ts";
export { DeviceHandle, type ClaimOptions, type Claimed, type DeviceEvents, type EnqueueOptions, type ExtendOptions, type Extended } from "./deviceHandle.ts";
export { BatonError, ClientErrorCode, isBatonError, type BatonErrorCode, type BatonErrorDetails, type ClientErrorCodeName } from "./errors.ts";
export { devToken, type DevUser } from "./http.ts";
export { BookingsApi, type BookingRange, type Instant, type BookingRecord, type BookingRules, type DeviceBookings } from "./bookings.ts";
export type { WaitOptions } from "./waiting.ts";
export { describeOutput, readableKey, type OutputLine } from "./outputLabels.ts";
export type { TelemetryChannelView, TelemetryUpdate, TelemetryView } from "./telemetry.ts";
export type {
  ConnectionState, DeviceView, DeviceInfoView, SessionView, OwnerView, QueueView, QueueSeatView, HolderInfo, SessionTypeInfo, JsonObject,
} from "./deviceState.ts";
export type {
  DeviceStatus, DeviceSummary, DeviceDetails, DeviceList, DeclaredSessionType, DeviceListQuery, StoredResult, ResultsPage, StoredOutcome, OutcomesPage, SessionRecord, SessionsPage, PageQuery,
} from "./httpTypes.ts";
export type { SessionTypeShape, SessionTypeMap, AnySessionTypes, SessionTypeName, InputOf, OutputOf, RunResult, RunFailure } from "./sessionTypes.ts";
// The lower-level room wrapper the repository's tests use; kept for compatibility.
// Protocol names and codes, so an app needs one import.
export {
  ErrorCode, Phase, EndReason, DeviceConnection, DeviceAvailability, QueueExitReason, HandOverEndReason,
  type ErrorCodeName, type PhaseName, type EndReasonName, type DeviceAvailabilityName, type QueueExitReasonName, type HandOverEndReasonName,
  type OfferMessage, type QueueLeftMessage, type SessionExpiringMessage, type SessionExtendedMessage, type HandOverOfferedMessage, type HandOverEndedMessage, type BookingStartingMessage,
  type TelemetryChannelInput, type TelemetrySample, type TelemetrySampleValue, type TelemetryRecentMessage,
} from "@baton/protocol";
