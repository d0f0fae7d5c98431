/**
 * Admin: every device with its availability and the actions on it (drain, quarantine,
 * return to service — with a reason; rotate its secret; disable), registering a new one
 * (its secret shown once, with a copy button), and the pools the devices form.
 */
import { useEffect, useState, type FormEvent } from "react";
import { type DeviceSummary } from "@baton/client";
import { useBatonClient, useDevices } from "@baton/client/react";
import { useIdentity } from "../auth/IdentityContext.tsx";
import { isSignInProblem, sentenceOf } from "../auth/identity.ts";
import { Alert } from "../components/Alert.tsx";
import { Link } from "../components/Link.tsx";
import { PageHeading } from "../components/PageHeading.tsx";
import { adminDevicePath } from "../router.ts";
import { AdminNav } from "./AdminNav.tsx";
import { SecretOnce } from "./SecretOnce.tsx";
import { poolsOf } from "./pools.ts";

export function AdminDevices() {
  const client = useBatonClient();
  const { signInExpired } = useIdentity();
  const { devices, error } = useDevices({ intervalMs: 2_000 });
  const [secret, setSecret] = useState<{ deviceId: string; secret: string; what: string } | null>(null);
  useEffect(() => {
    if (isSignInProblem(error)) signInExpired();
  }, [error, signInExpired]);

  return (
    <>
      <PageHeading title="Admin: devices and pools" />
      <AdminNav />
      {secret && <SecretOnce {...secret} onDone={() => setSecret(null)} />}
      <RegisterForm onRegistered={(deviceId, value) => setSecret({ deviceId, secret: value, what: `Registered ${deviceId}` })} register={(body) => client.admin.registerDevice(body)} />
      {error ? <Alert>The device list could not be refreshed. {sentenceOf(error)}</Alert> : null}
      {devices === null && !error && <p role="status">Loading the devices…</p>}
      {devices && (
        <>
          <section aria-labelledby="pools-heading">
            <h2 id="pools-heading">Pools</h2>
            <p className="hint">A device serves in the pool named by its kind, unless it is given a pool of its own below (or with <code>npm run baton -- device pool &lt;id&gt; &lt;pool&gt;</code>). Users may claim "any free" device of a pool.</p>
            {poolsOf(devices).length === 0 ? (
              <p>No device is in a pool: give a device a kind when you register it.</p>
            ) : (
              <ul className="pool-list">
                {poolsOf(devices).map((pool) => (
                  <li key={pool.name} className="card" data-pool={pool.name}>
                    <strong>{pool.name}</strong>: {pool.devices.length} {pool.devices.length === 1 ? "device" : "devices"}, {pool.free} free now ({pool.devices.map((device) => device.deviceId).join(", ")})
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="devices-heading">
            <h2 id="devices-heading">Devices</h2>
            <ul className="admin-list">
              {devices.map((device) => (
                <AdminDeviceCard key={device.deviceId} device={device} onSecret={(value) => setSecret({ deviceId: device.deviceId, secret: value, what: `New secret for ${device.deviceId}` })} />
              ))}
            </ul>
          </section>
        </>
      )}
    </>
  );
}

function RegisterForm({ register, onRegistered }: { register(body: { deviceId: string; label: string; kind: string }): Promise<{ deviceId: string; secret: string }>; onRegistered(deviceId: string, secret: string): void }) {
  const [deviceId, setDeviceId] = useState("");
  const [label, setLabel] = useState("");
  const [kind, setKind] = useState("");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    if (!deviceId.trim()) return setProblem("A device id is required.");
    setBusy(true);
    try {
      const answer = await register({ deviceId: deviceId.trim(), label: label.trim(), kind: kind.trim() });
      onRegistered(answer.deviceId, answer.secret);
      setDeviceId("");
      setLabel("");
      setKind("");
    } catch (error) {
      setProblem(sentenceOf(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card register-form" aria-labelledby="register-heading" onSubmit={submit} noValidate>
      <h2 id="register-heading">Register a device</h2>
      <div className="field">
        <label htmlFor="register-id">Device id</label>
        <input id="register-id" value={deviceId} onChange={(event) => setDeviceId(event.target.value)} autoComplete="off" spellCheck={false} aria-describedby="register-id-hint" aria-invalid={problem ? true : undefined} />
        <p className="hint" id="register-id-hint">
          Letters, digits, "_" or "-", e.g. scale-2.
        </p>
      </div>
      <div className="field">
        <label htmlFor="register-label">Label</label>
        <input id="register-label" value={label} onChange={(event) => setLabel(event.target.value)} autoComplete="off" />
      </div>
      <div className="field">
        <label htmlFor="register-kind">Kind (its pool)</label>
        <input id="register-kind" value={kind} onChange={(event) => setKind(event.target.value)} autoComplete="off" spellCheck={false} />
      </div>
      {problem && <Alert>{problem}</Alert>}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          Register
        </button>
      </div>
    </form>
  );
}

type Action = "drain" | "quarantine" | "return-to-service" | "rotate" | "disable";

/** A device's pool: an explicit name, or empty for its kind's pool. */
function PoolForm({ device }: { device: DeviceSummary }) {
  const client = useBatonClient();
  const [pool, setPool] = useState(device.pool);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const poolId = `pool-${device.deviceId}`;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    setDone(null);
    setBusy(true);
    try {
      const answer = await client.admin.setPool(device.deviceId, pool.trim());
      setDone(answer.pool ? `Now in pool ${answer.pool}.` : "In no pool now.");
    } catch (error) {
      setProblem(sentenceOf(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="pool-form" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor={poolId}>Pool of {device.deviceId}</label>
        <input id={poolId} value={pool} onChange={(event) => setPool(event.target.value)} autoComplete="off" spellCheck={false} aria-describedby={`${poolId}-hint`} />
        <p className="hint" id={`${poolId}-hint`}>
          Empty: the pool of its kind{device.kind ? ` (${device.kind})` : " (it has none)"}.
        </p>
      </div>
      <div className="actions">
        <button type="submit" disabled={busy} aria-label={`Set pool: ${device.deviceId}`}>
          Set pool
        </button>
      </div>
      {problem && <Alert onDismiss={() => setProblem(null)}>{problem}</Alert>}
      <p role="status" className="hint">
        {done ?? ""}
      </p>
    </form>
  );
}

function AdminDeviceCard({ device, onSecret }: { device: DeviceSummary; onSecret(secret: string): void }) {
  const client = useBatonClient();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [confirmDisable, setConfirmDisable] = useState(false);
  const { status } = device;
  const name = device.label || device.deviceId;
  const reasonId = `reason-${device.deviceId}`;

  const act = async (action: Action) => {
    setProblem(null);
    setDone(null);
    if ((action === "drain" || action === "quarantine") && !reason.trim()) {
      setProblem(`Give a reason to ${action} ${device.deviceId}: people waiting see it, and the audit log keeps it.`);
      return;
    }
    setBusy(true);
    try {
      if (action === "rotate") {
        const answer = await client.admin.rotateSecret(device.deviceId);
        onSecret(answer.secret);
        setDone("Secret rotated: the old one no longer works.");
      } else if (action === "disable") {
        await client.admin.disableDevice(device.deviceId);
        setConfirmDisable(false);
        setDone("Disabled: its connection closes and it cannot join again.");
      } else {
        const answer = await client.admin.setAvailability(device.deviceId, action, reason.trim() || undefined);
        setDone(`Now ${answer.availability.status}${answer.availability.reason ? ` (${answer.availability.reason})` : ""}.`);
        setReason("");
      }
    } catch (error) {
      setProblem(sentenceOf(error));
    } finally {
      setBusy(false);
    }
  };

  const availability = status.availability;
  return (
    <li className="card admin-device" data-device-id={device.deviceId}>
      <h3 id={`admin-${device.deviceId}`}>
        <Link to={adminDevicePath(device.deviceId)}>{name}</Link>
      </h3>
      <p className="device-meta">
        {device.deviceId}
        {device.kind ? ` · kind ${device.kind}` : ""}
        {device.pool ? ` · pool ${device.pool}` : ""}
      </p>
      <p data-testid="admin-device-status">
        {device.disabled ? "Disabled" : status.online ? "Online" : "Offline"}
        {" · "}
        {availability.status === "available" ? "in service" : `${availability.status}${availability.reason ? `: ${availability.reason}` : ""}`}
        {status.holder ? ` · held by ${status.holder.name}` : ""}
        {status.queueLength > 0 ? ` · ${status.queueLength} waiting` : ""}
        {status.firmware ? ` · firmware ${status.firmware}` : ""}
        {status.stackFree ? ` · free stack ${status.stackFree.main} B` : ""}
      </p>
      {!device.disabled && (
        <>
          <div className="field">
            <label htmlFor={reasonId}>Reason for {device.deviceId}</label>
            <input id={reasonId} value={reason} onChange={(event) => setReason(event.target.value)} autoComplete="off" aria-describedby={`${reasonId}-hint`} />
            <p className="hint" id={`${reasonId}-hint`}>
              Needed to drain or quarantine; shown to people waiting and kept in the audit log.
            </p>
          </div>
          <div className="actions">
            <button type="button" disabled={busy} onClick={() => act("drain")} aria-label={`Drain ${device.deviceId}`}>
              Drain
            </button>
            <button type="button" disabled={busy} onClick={() => act("quarantine")} aria-label={`Quarantine ${device.deviceId}`}>
              Quarantine
            </button>
            <button type="button" disabled={busy || availability.status === "available"} onClick={() => act("return-to-service")} aria-label={`Return to service: ${device.deviceId}`}>
              Return to service
            </button>
            <button type="button" disabled={busy} onClick={() => act("rotate")} aria-label={`Rotate secret: ${device.deviceId}`}>
              Rotate secret
            </button>
            {confirmDisable ? (
              <>
                <button type="button" className="danger" disabled={busy} onClick={() => act("disable")}>
                  Yes, disable {device.deviceId}
                </button>
                <button type="button" disabled={busy} onClick={() => setConfirmDisable(false)}>
                  Keep it
                </button>
              </>
            ) : (
              <button type="button" disabled={busy} onClick={() => setConfirmDisable(true)} aria-label={`Disable ${device.deviceId}`}>
                Disable…
              </button>
            )}
          </div>
        </>
      )}
      {problem && <Alert onDismiss={() => setProblem(null)}>{problem}</Alert>}
      <p role="status" className="hint" data-testid="admin-device-done">
        {done ?? ""}
      </p>
      {!device.disabled && <PoolForm device={device} />}
    </li>
  );
}
