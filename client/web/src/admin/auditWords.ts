/** Audit entries and history events in words: "Drained: firmware update (was available)". */
import type { AuditEntry } from "@baton/client";

const str = (value: unknown) => (typeof value === "string" ? value : value === undefined || value === null ? "" : String(value));

export const AUDIT_ACTIONS: { value: AuditEntry["action"]; label: string }[] = [
  { value: "register", label: "Registered" },
  { value: "disable", label: "Disabled" },
  { value: "rotate", label: "Secret rotated" },
  { value: "availability", label: "Availability changed" },
  { value: "kick", label: "Force-released" },
  { value: "pool", label: "Pool set" },
  { value: "claim", label: "Claimed" },
  { value: "release", label: "Released" },
  { value: "raise-epoch", label: "Epoch raised" },
  { value: "update-requested", label: "Firmware update asked for" },
  { value: "update-cancelled", label: "Firmware update cancelled" },
  { value: "update-applied", label: "Firmware updated" },
  { value: "update-failed", label: "Firmware update failed" },
];

export function auditText(entry: AuditEntry): string {
  const detail = entry.detail;
  switch (entry.action) {
    case "register":
      return `Registered${detail.label ? ` as "${str(detail.label)}"` : ""}${detail.kind ? `, kind ${str(detail.kind)}` : ""}`;
    case "disable":
      return "Disabled";
    case "rotate":
      return "Secret rotated";
    case "availability": {
      const status = str(detail.status);
      const word = status === "drained" ? "Drained" : status === "quarantined" ? "Quarantined" : status === "available" ? "Returned to service" : `Set to ${status}`;
      return `${word}${detail.reason ? `: ${str(detail.reason)}` : ""}${detail.previous ? ` (was ${str(detail.previous)})` : ""}`;
    }
    case "kick":
      return `Force-released ${str(detail.holder) || "the holder"}'s session${detail.epoch !== undefined ? ` (epoch ${str(detail.epoch)})` : ""}${detail.reason ? `: ${str(detail.reason)}` : ""}`;
    case "claim":
      return `Claimed${detail.epoch !== undefined ? ` (epoch ${str(detail.epoch)})` : ""}`;
    case "release":
      return `Released${detail.epoch !== undefined ? ` (epoch ${str(detail.epoch)})` : ""}`;
    case "pool":
      return detail.pool ? `Pool set to ${str(detail.pool)}` : "Pool cleared (back to its kind's pool)";
    case "raise-epoch":
      return `Epoch raised${detail.epoch !== undefined ? ` to ${str(detail.epoch)}` : ""}`;
    case "update-requested":
      return `Firmware update to ${str(detail.version)} asked for${detail.fromVersion ? ` (running ${str(detail.fromVersion)})` : ""}`;
    case "update-cancelled":
      return `Firmware update to ${str(detail.version)} cancelled`;
    case "update-applied":
      return `Firmware updated to ${str(detail.version)}${detail.fromVersion ? ` (from ${str(detail.fromVersion)})` : ""}`;
    case "update-failed":
      return `Firmware update to ${str(detail.version)} failed: the device came back with ${str(detail.reported) || "another version"}`;
    default:
      return entry.action;
  }
}

export function when(at: number): string {
  return new Date(at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}
