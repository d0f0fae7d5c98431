/**
 * Port: who did what, when — every privileged action (claim, release, kick, register,
 * disable, rotate, epoch raise). Append-only; pruned only by the retention job.
 */

// The action names are wire values (GET /admin/audit shows them): they live in the protocol package.
import type { AuditActionName } from "@baton/protocol/http";
export { AuditAction, type AuditActionName } from "@baton/protocol/http";

export interface AuditEntry {
  at: number;
  /** Who: a user id, `cli:<os user>`, `import:<file>` or `system`. */
  actor: string;
  action: AuditActionName;
  deviceId: string;
  /** Free-form context (epoch, label, …); never a secret. */
  detail: Record<string, unknown>;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  /** Newest first; all devices when `deviceId` is omitted. */
  list(query: { deviceId?: string; limit: number }): Promise<AuditEntry[]>;
}
