/** A sentence about something that went wrong (or must be known now), announced by screen readers. */
import type { ReactNode } from "react";

export function Alert({ children, tone = "error", onDismiss }: { children: ReactNode; tone?: "error" | "info"; onDismiss?: () => void }) {
  return (
    <div className={`alert alert-${tone}`} role={tone === "error" ? "alert" : "status"}>
      <p>{children}</p>
      {onDismiss && (
        <button type="button" className="link-button" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}
