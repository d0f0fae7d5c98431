/**
 * A device secret, shown this once (the server keeps only its hash): the text, a copy button
 * and a button that hides it for good. Nothing stores it — not the page, not sessionStorage.
 */
import { useState } from "react";

export function SecretOnce({ deviceId, secret, what, onDone }: { deviceId: string; secret: string; what: string; onDone(): void }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("Copied to the clipboard.");
    } catch {
      setCopied("The browser did not allow copying: select the secret and copy it by hand.");
    }
  };
  return (
    <section className="card secret-once" aria-labelledby="secret-heading">
      <h2 id="secret-heading">{what}</h2>
      <p>
        The secret of <strong>{deviceId}</strong> is shown <strong>this once</strong>: Baton keeps only its hash. Put it in the
        device's configuration now.
      </p>
      <p className="secret">
        <code data-testid="device-secret">{secret}</code>
      </p>
      <div className="actions">
        <button type="button" className="primary" onClick={copy}>
          Copy secret
        </button>
        <button type="button" onClick={onDone}>
          I have stored it — hide it
        </button>
      </div>
      <p role="status" className="hint">
        {copied ?? ""}
      </p>
    </section>
  );
}
