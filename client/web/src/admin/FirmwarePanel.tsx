/**
 * Admin: a device's firmware — the version of its last hello, its stack high-water marks, the
 * latest update request and where it stands — and a small form to offer an image (url,
 * version, SHA-256) or withdraw a pending one (docs/PROTOCOL.md §15).
 */
import { useState, type FormEvent } from "react";
import type { FirmwareUpdate } from "@baton/client";
import { useBatonClient } from "@baton/client/react";
import { sentenceOf } from "../auth/identity.ts";
import { Alert } from "../components/Alert.tsx";
import { when } from "./auditWords.ts";
import { usePolled } from "./usePolled.ts";

/** Where a request stands, in words. */
export function updateText(update: FirmwareUpdate): string {
  switch (update.status) {
    case "pending":
      return update.offeredAt ? `Update to ${update.version} offered ${when(update.offeredAt)}; waiting for the device to come back with it.` : `Update to ${update.version} waits for the device to connect.`;
    case "applied":
      return `Updated to ${update.version} ${when(update.finishedAt)}.`;
    case "failed":
      return `Update to ${update.version} failed ${when(update.finishedAt)}: ${update.detail}. Ask again to retry.`;
    case "cancelled":
      return `Update to ${update.version} cancelled ${when(update.finishedAt)}.`;
  }
}

export function FirmwarePanel({ deviceId }: { deviceId: string }) {
  const client = useBatonClient();
  const state = usePolled((signal) => client.admin.firmwareUpdate(deviceId, { signal }), [client, deviceId], 3_000);
  const device = usePolled((signal) => client.deviceInfo(deviceId, { signal }), [client, deviceId], 5_000);
  const [url, setUrl] = useState("");
  const [version, setVersion] = useState("");
  const [sha256, setSha256] = useState("");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const update = state.data?.update ?? null;
  const stacks = device.data?.status.stackFree;

  const run = async (action: () => Promise<unknown>) => {
    setProblem(null);
    setBusy(true);
    try {
      await action();
      state.reload();
    } catch (error) {
      setProblem(sentenceOf(error));
    } finally {
      setBusy(false);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!url.trim() || !version.trim() || !/^[0-9a-fA-F]{64}$/.test(sha256.trim())) {
      setProblem("Give the image's URL, its version and its SHA-256 (64 hexadecimal digits).");
      return;
    }
    void run(async () => {
      await client.admin.requestUpdate(deviceId, { url: url.trim(), version: version.trim(), sha256: sha256.trim() });
      setUrl("");
      setVersion("");
      setSha256("");
    });
  };

  return (
    <section className="card" aria-labelledby="firmware-heading">
      <h2 id="firmware-heading">Firmware</h2>
      {state.error ? <Alert>The firmware state could not be read. {sentenceOf(state.error)}</Alert> : null}
      <p data-testid="firmware-version">
        Running: {state.data ? state.data.firmware || "unknown (never connected)" : "…"}
        {stacks ? ` · free stack: main ${stacks.main} B${stacks.ota !== undefined ? `, update task ${stacks.ota} B` : ""}` : ""}
      </p>
      <p data-testid="firmware-update" role="status">
        {update ? updateText(update) : "No update was ever asked for."}
      </p>
      {update?.status === "pending" && (
        <div className="actions">
          <button type="button" disabled={busy} onClick={() => void run(() => client.admin.cancelUpdate(deviceId))}>
            Cancel the update
          </button>
        </div>
      )}
      <form onSubmit={submit} noValidate aria-label={`Offer a firmware image to ${deviceId}`}>
        <div className="field">
          <label htmlFor="update-url">Image URL</label>
          <input id="update-url" value={url} onChange={(event) => setUrl(event.target.value)} autoComplete="off" spellCheck={false} aria-describedby="update-url-hint" />
          <p className="hint" id="update-url-hint">
            https (or http on the lab network); the device checks it like its server URL.
          </p>
        </div>
        <div className="field">
          <label htmlFor="update-version">Version</label>
          <input id="update-version" value={version} onChange={(event) => setVersion(event.target.value)} autoComplete="off" spellCheck={false} />
        </div>
        <div className="field">
          <label htmlFor="update-sha256">SHA-256</label>
          <input id="update-sha256" value={sha256} onChange={(event) => setSha256(event.target.value)} autoComplete="off" spellCheck={false} />
        </div>
        {problem && <Alert onDismiss={() => setProblem(null)}>{problem}</Alert>}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Offer the update
          </button>
        </div>
      </form>
    </section>
  );
}
