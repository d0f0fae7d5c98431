/**
 * Every device with its live status — online or offline, free or held, by whom, how far the
 * run has come. `useDevices` polls GET /devices every two seconds: one small HTTP answer keeps
 * any number of devices current, where watching each device's room would hold a WebSocket per
 * device open; the device page watches its one room live.
 */
import { useEffect } from "react";
import type { DeviceSummary } from "@baton/client";
import { useDevices } from "@baton/client/react";
import { useIdentity, useSignedIn } from "../auth/IdentityContext.tsx";
import { isSignInProblem, sentenceOf } from "../auth/identity.ts";
import { Alert } from "../components/Alert.tsx";
import { Link } from "../components/Link.tsx";
import { PageHeading } from "../components/PageHeading.tsx";
import { PoolPanel } from "./PoolPanel.tsx";
import { devicePath } from "../router.ts";
import { useNow } from "../useNow.ts";
import { availabilityOf, percent, statusLine, type SessionFacts } from "../words.ts";

const REFRESH_MS = 2_000;

/** What GET /devices says beyond the SDK's DeviceStatus type today (docs/PROTOCOL.md §12): the line and availability. */
interface QueueFacts {
  queueLength?: number;
  availability?: { status: string; reason: string };
}

function factsOf(device: DeviceSummary): SessionFacts {
  const { status } = device;
  return { online: status.online, phase: status.phase, holderId: status.holder?.userId ?? null, holderName: status.holder?.name ?? null, heldSince: status.heldSince, progress: status.progress };
}

export function DeviceList() {
  const identity = useSignedIn();
  const { signInExpired } = useIdentity();
  const { devices, error } = useDevices({ intervalMs: REFRESH_MS });
  const now = useNow(REFRESH_MS);
  useEffect(() => {
    if (isSignInProblem(error)) signInExpired();
  }, [error, signInExpired]);

  return (
    <>
      <PageHeading title="Devices" />
      <p className="hint">Status updates by itself. Open a device to claim it and run it.</p>
      {error ? <Alert>The device list could not be refreshed. {sentenceOf(error)}</Alert> : null}
      {devices === null && !error && <p role="status">Loading the devices…</p>}
      {devices?.length === 0 && (
        <p>
          No devices are registered yet. An administrator adds them with <code>npm run baton -- device add</code>.
        </p>
      )}
      {devices && devices.length > 0 && <PoolPanel devices={devices} />}
      {devices && devices.length > 0 && (
        <ul className="device-list" aria-label="Devices">
          {devices.map((device) => {
            const facts = factsOf(device);
            const extra = device.status as typeof device.status & QueueFacts;
            const outOfService = extra.availability && extra.availability.status !== "available" ? extra.availability : null;
            const availability = device.disabled || outOfService ? "offline" : availabilityOf(facts, identity.userId);
            return (
              <li key={device.deviceId} className={`device-card is-${availability}`} data-device-id={device.deviceId}>
                <h2>
                  <Link to={devicePath(device.deviceId)}>{device.label || device.deviceId}</Link>
                </h2>
                <p className="device-meta">
                  {device.deviceId}
                  {device.kind ? ` · ${device.kind}` : ""}
                </p>
                <p className={`badge badge-${availability}`}>
                  {device.disabled ? "Disabled by an administrator" : outOfService ? `Out of service (${outOfService.status}${outOfService.reason ? `: ${outOfService.reason}` : ""})` : statusLine(facts, identity.userId, now)}
                </p>
                {(extra.queueLength ?? 0) > 0 && <p className="hint">{extra.queueLength === 1 ? "One person" : `${extra.queueLength} people`} waiting</p>}
                {facts.phase === "running" && facts.progress !== null && (
                  <p className="progress-line">
                    <progress max={1} value={facts.progress} aria-label={`Progress of ${device.label || device.deviceId}`} /> <span>{percent(facts.progress)}</span>
                  </p>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}
