/**
 * Port: who did what, when — every privileged action (claim, release, kick, register,
 * disable, rotate, epoch raise). Append-only; pruned only by the retention job.
 */

export const AuditAction = {
  CLAIM: "claim",
  RELEASE: "release",
  KICK: "kick",
  REGISTER: "register",
  DISABLE: "disable",
  ROTATE_SECRET: "rotate",
  RAISE_EPOCH: "raise-epoch",
  /** Drained, quarantined, put in maintenance or returned to service (detail: status, reason, previous). */
  AVAILABILITY: "availability",
} as const;
export type AuditActionName = (typeof AuditAction)[keyof typeof AuditAction];

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
