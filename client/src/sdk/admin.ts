/**
 * The admin API (a user token with `roles: ["admin"]`; server/src/http/admin.ts and
 * history.ts, adminUpdates.ts): register, disable, rotate, drain, quarantine, return to service,
 * force-release, firmware updates, the queue of a device, the audit log and a device's history. Every action is recorded in the
 * audit log with the admin as its actor. Reached as `client.admin`.
 */
import type {
  AuditActionName, AuditLogPage, AvailabilityChanged, DeviceHistory, DeviceRegistered, DisabledDevice, FirmwareUpdateState, ForceReleased, PoolSet, QueueListing, RotatedSecret,
  WebhookDeliveries, WebhookRetried,
} from "@baton/protocol/http";
import { requestJson, type HttpOptions } from "./http.ts";
import type { WaitOptions } from "./waiting.ts";

export type {
  AuditActionName, AuditEntryBody as AuditEntry, AuditLogPage, AvailabilityChanged, DeviceHistory, DeviceRegistered, DisabledDevice, FirmwareUpdateBody as FirmwareUpdate,
  FirmwareUpdateState, ForceReleased, PoolSet, QueueListing, RotatedSecret, WebhookDeliveries, WebhookDelivery, WebhookRetried,
} from "@baton/protocol/http";

/** A firmware image to offer a device (docs/PROTOCOL.md §15). */
export interface FirmwareUpdateRequest {
  /** http(s), ≤ 256 characters; the device applies its server URL's policy to it. */
  url: string;
  /** What the new image's `hello.firmware` will say (1–31 printable characters). */
  version: string;
  /** The image's SHA-256, 64 hex digits (for an ESP32 image: its appended digest). */
  sha256: string;
}

export interface RegisterDeviceRequest {
  deviceId: string;
  label?: string;
  /** Its kind, e.g. "scale": also its pool unless an operator names another. */
  kind?: string;
}

export interface AuditQuery {
  deviceId?: string;
  /** At most 500; default 100. */
  limit?: number;
}

/** What the three availability calls send: drained and quarantined need a reason, people waiting see it. */
export type AvailabilityAction = "drain" | "quarantine" | "return-to-service";

export class AdminApi {
  private readonly call: <T>(path: string, options: HttpOptions) => Promise<T>;

  constructor(call: <T>(path: string, options: HttpOptions) => Promise<T>) {
    this.call = call;
  }

  /** POST /admin/devices: the answer holds the device's secret — shown this once, stored nowhere. */
  registerDevice(device: RegisterDeviceRequest, options: WaitOptions = {}): Promise<DeviceRegistered> {
    return this.call("/admin/devices", { ...options, method: "POST", body: { deviceId: device.deviceId, label: device.label ?? "", kind: device.kind ?? "" } });
  }

  /** Its joins are refused from now on; its connection closes within BATON_REGISTRY_POLL_MS. */
  disableDevice(deviceId: string, options: WaitOptions = {}): Promise<DisabledDevice> {
    return this.call(`/admin/devices/${encodeURIComponent(deviceId)}/disable`, { ...options, method: "POST", body: {} });
  }

  /** A new secret, shown this once; the old one stops working. */
  rotateSecret(deviceId: string, options: WaitOptions = {}): Promise<RotatedSecret> {
    return this.call(`/admin/devices/${encodeURIComponent(deviceId)}/rotate-secret`, { ...options, method: "POST", body: {} });
  }

  /** Ends the current session (end reason `kicked`); the holder is told who and why. */
  forceRelease(deviceId: string, reason: string, options: WaitOptions = {}): Promise<ForceReleased> {
    return this.call(`/admin/devices/${encodeURIComponent(deviceId)}/force-release`, { ...options, method: "POST", body: { reason } });
  }

  /** Drain (the session in flight finishes, nobody new gets it), quarantine, or return to service. */
  setAvailability(deviceId: string, action: AvailabilityAction, reason: string | undefined, options: WaitOptions = {}): Promise<AvailabilityChanged> {
    const body = action === "return-to-service" && !reason ? {} : { reason };
    return this.call(`/admin/devices/${encodeURIComponent(deviceId)}/${action}`, { ...options, method: "POST", body });
  }

  drain(deviceId: string, reason: string, options: WaitOptions = {}): Promise<AvailabilityChanged> {
    return this.setAvailability(deviceId, "drain", reason, options);
  }

  quarantine(deviceId: string, reason: string, options: WaitOptions = {}): Promise<AvailabilityChanged> {
    return this.setAvailability(deviceId, "quarantine", reason, options);
  }

  returnToService(deviceId: string, reason?: string, options: WaitOptions = {}): Promise<AvailabilityChanged> {
    return this.setAvailability(deviceId, "return-to-service", reason, options);
  }

  /** Its explicit pool ("" = the pool of its kind again); pool rooms see it within BATON_REGISTRY_POLL_MS. */
  setPool(deviceId: string, pool: string, options: WaitOptions = {}): Promise<PoolSet> {
    return this.call(`/admin/devices/${encodeURIComponent(deviceId)}/pool`, { ...options, method: "POST", body: { pool } });
  }

  /**
   * POST /admin/devices/:id/update: offer a firmware image — at once to a connected device, else
   * in its next welcome; its next hello records it applied or failed (one request, one attempt).
   */
  requestUpdate(deviceId: string, update: FirmwareUpdateRequest, options: WaitOptions = {}): Promise<FirmwareUpdateState> {
    return this.call(`/admin/devices/${encodeURIComponent(deviceId)}/update`, { ...options, method: "POST", body: { url: update.url, version: update.version, sha256: update.sha256 } });
  }

  /** GET /admin/devices/:id/update: the latest request, where it stands, and the device's firmware. */
  firmwareUpdate(deviceId: string, options: WaitOptions = {}): Promise<FirmwareUpdateState> {
    return this.call(`/admin/devices/${encodeURIComponent(deviceId)}/update`, options);
  }

  /** POST /admin/devices/:id/update/cancel: withdraw the pending request (NOT_FOUND when none is pending). */
  cancelUpdate(deviceId: string, options: WaitOptions = {}): Promise<FirmwareUpdateState> {
    return this.call(`/admin/devices/${encodeURIComponent(deviceId)}/update/cancel`, { ...options, method: "POST", body: {} });
  }

  /** GET /admin/devices/:id/queue: who waits, in order, with their names. */
  queue(deviceId: string, options: WaitOptions = {}): Promise<QueueListing> {
    return this.call(`/admin/devices/${encodeURIComponent(deviceId)}/queue`, options);
  }

  /** GET /admin/audit: newest first. */
  audit(query: AuditQuery = {}, options: WaitOptions = {}): Promise<AuditLogPage> {
    return this.call("/admin/audit", { ...options, query: { deviceId: query.deviceId, limit: query.limit } });
  }

  /** GET /devices/:id/history: its sessions, runs (with every owner's inputs and outputs) and audit entries, newest first. */
  history(deviceId: string, query: { limit?: number } = {}, options: WaitOptions = {}): Promise<DeviceHistory> {
    return this.call(`/devices/${encodeURIComponent(deviceId)}/history`, { ...options, query: { limit: query.limit } });
  }

  /** GET /admin/webhooks: deliveries still retried ("pending") or given up ("failed"), newest first; never their bodies. */
  webhookDeliveries(state: "pending" | "failed", query: { limit?: number } = {}, options: WaitOptions = {}): Promise<WebhookDeliveries> {
    return this.call("/admin/webhooks", { ...options, query: { state, limit: query.limit } });
  }

  /** A given-up delivery back in line, due now (its device's later notifications wait behind it). */
  retryWebhook(id: number, options: WaitOptions = {}): Promise<WebhookRetried> {
    return this.call(`/admin/webhooks/${encodeURIComponent(String(id))}/retry`, { ...options, method: "POST", body: {} });
  }
}
