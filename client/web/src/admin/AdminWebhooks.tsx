/**
 * Admin: webhook deliveries that did not arrive — failed (the dispatcher gave up; *Retry*
 * puts one back in line, due now) and pending (still being retried, with the last error).
 * Endpoints are shown without their query or credentials; bodies are never shown.
 */
import { useState } from "react";
import type { WebhookDeliveries, WebhookDelivery } from "@baton/client";
import { useBatonClient } from "@baton/client/react";
import { sentenceOf } from "../auth/identity.ts";
import { Alert } from "../components/Alert.tsx";
import { PageHeading } from "../components/PageHeading.tsx";
import { AdminNav } from "./AdminNav.tsx";
import { when } from "./auditWords.ts";
import { usePolled } from "./usePolled.ts";

export function AdminWebhooks() {
  const client = useBatonClient();
  const failed = usePolled<WebhookDeliveries>((signal) => client.admin.webhookDeliveries("failed", { limit: 100 }, { signal }), [client], 5_000);
  const pending = usePolled<WebhookDeliveries>((signal) => client.admin.webhookDeliveries("pending", { limit: 100 }, { signal }), [client], 5_000);
  const [done, setDone] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const retry = async (delivery: WebhookDelivery) => {
    setProblem(null);
    setDone(null);
    try {
      await client.admin.retryWebhook(delivery.id);
      setDone(`Delivery ${delivery.id} (${delivery.eventType} for ${delivery.deviceId}) is back in line.`);
      failed.reload();
      pending.reload();
    } catch (error) {
      setProblem(sentenceOf(error));
    }
  };
  return (
    <>
      <PageHeading title="Admin: webhook deliveries" />
      <AdminNav />
      <p className="hint">Notifications Baton could not deliver to the endpoints in BATON_WEBHOOKS. Retrying one puts it first in its device's line again.</p>
      {problem && <Alert onDismiss={() => setProblem(null)}>{problem}</Alert>}
      <p role="status" className="hint">
        {done ?? ""}
      </p>
      <section aria-labelledby="failed-heading">
        <h2 id="failed-heading">Failed (given up)</h2>
        {failed.error ? <Alert>The failed deliveries could not be read. {sentenceOf(failed.error)}</Alert> : null}
        {failed.data?.deliveries.length === 0 && <p>None.</p>}
        <ul className="admin-list" aria-label="Failed deliveries">
          {(failed.data?.deliveries ?? []).map((delivery) => (
            <li key={delivery.id} className="card" data-delivery={delivery.id}>
              <DeliveryFacts delivery={delivery} />
              <div className="actions">
                <button type="button" onClick={() => retry(delivery)} aria-label={`Retry delivery ${delivery.id}`}>
                  Retry
                </button>
              </div>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="pending-heading">
        <h2 id="pending-heading">Pending (being retried)</h2>
        {pending.error ? <Alert>The pending deliveries could not be read. {sentenceOf(pending.error)}</Alert> : null}
        {pending.data?.deliveries.length === 0 && <p>None.</p>}
        <ul className="admin-list" aria-label="Pending deliveries">
          {(pending.data?.deliveries ?? []).map((delivery) => (
            <li key={delivery.id} className="card" data-delivery={delivery.id}>
              <DeliveryFacts delivery={delivery} />
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

function DeliveryFacts({ delivery }: { delivery: WebhookDelivery }) {
  return (
    <>
      <h3>
        {delivery.eventType} for {delivery.deviceId}
      </h3>
      <p className="device-meta">
        #{delivery.id} to {delivery.endpoint}
      </p>
      <p>
        {delivery.attempts} {delivery.attempts === 1 ? "attempt" : "attempts"}
        {delivery.lastError ? `; last: ${delivery.lastError}` : ""}
      </p>
      <p className="hint">
        Created {when(delivery.createdAt)}
        {delivery.givenUpAt !== null ? `; given up ${when(delivery.givenUpAt)}` : `; next attempt ${when(delivery.nextAttemptAt)}`}
      </p>
    </>
  );
}
