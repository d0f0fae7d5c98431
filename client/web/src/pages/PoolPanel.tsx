/**
 * "Any free scale": the pools the devices form, each with a button that waits in the pool's
 * line (the SDK's `claimAny`) and, once a device of it is granted, opens that device's page —
 * where this person holds it.
 */
import { useEffect, useRef, useState } from "react";
import type { DeviceSummary, PoolStatusMessage } from "@baton/client";
import { useBatonClient } from "@baton/client/react";
import { poolsOf } from "../admin/pools.ts";
import { sentenceOf } from "../auth/identity.ts";
import { Alert } from "../components/Alert.tsx";
import { devicePath, navigate } from "../router.ts";

export function PoolPanel({ devices }: { devices: readonly DeviceSummary[] }) {
  const client = useBatonClient();
  const pools = poolsOf(devices);
  const [waiting, setWaiting] = useState<{ pool: string; status: PoolStatusMessage | null } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const controller = useRef<AbortController | null>(null);
  useEffect(() => () => controller.current?.abort(), []);
  if (pools.length === 0) return null;

  const claimAny = async (pool: string) => {
    setProblem(null);
    controller.current?.abort();
    const wait = new AbortController();
    controller.current = wait;
    setWaiting({ pool, status: null });
    try {
      const granted = await client.claimAny(pool, { signal: wait.signal, onStatus: (status) => setWaiting({ pool, status }) });
      navigate(devicePath(granted.deviceId));
    } catch (error) {
      if (!wait.signal.aborted) setProblem(sentenceOf(error));
    } finally {
      if (controller.current === wait) {
        controller.current = null;
        setWaiting(null);
      }
    }
  };

  return (
    <section className="card pools" aria-labelledby="pools-heading">
      <h2 id="pools-heading">Any free device of a kind</h2>
      <p className="hint">Take whichever device of the pool is free first; if none is, wait in the pool's line.</p>
      <ul className="pool-actions">
        {pools.map((pool) => (
          <li key={pool.name} data-pool={pool.name}>
            <button type="button" className="primary" disabled={waiting !== null} onClick={() => claimAny(pool.name)}>
              Claim any free {pool.name}
            </button>{" "}
            <span className="hint">
              {pool.free} of {pool.devices.length} free now
            </span>
          </li>
        ))}
      </ul>
      {waiting && (
        <div className="actions">
          <p role="status" data-testid="pool-wait">
            {waiting.status && waiting.status.position > 0
              ? `Waiting for a free ${waiting.pool}: you are number ${waiting.status.position} in line.`
              : `Asking for a free ${waiting.pool}…`}
          </p>
          <button type="button" onClick={() => controller.current?.abort()}>
            Stop waiting
          </button>
        </div>
      )}
      {problem && <Alert onDismiss={() => setProblem(null)}>{problem}</Alert>}
    </section>
  );
}
