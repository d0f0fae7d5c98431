/**
 * Who may scrape /metrics: with BATON_METRICS_TOKEN set, only a caller sending it; without
 * it, loopback only — here a proxy (BATON_TRUST_PROXY) forwards a remote client, which is
 * refused without a token and served with it.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startBaton, type TestBaton } from "../support/baton.ts";

const TOKEN = "metrics-token-0123456789";
let baton: TestBaton;
beforeAll(async () => {
  baton = await startBaton({ config: { trustProxy: true, metricsToken: TOKEN } });
});
afterAll(() => baton.shutdown());

it("serves /metrics only to a caller with the token when one is configured", async () => {
  const scrape = (headers: Record<string, string>) => fetch(`${baton.httpUrl}/metrics`, { headers });
  const anonymous = await scrape({});
  expect(anonymous.status).toBe(401);
  expect(await anonymous.json()).toMatchObject({ code: "UNAUTHORIZED" });
  expect((await scrape({ authorization: "Bearer wrong-token-0123456789" })).status).toBe(401);
  const remote = await scrape({ authorization: `Bearer ${TOKEN}`, "x-forwarded-for": "203.0.113.9" });
  expect(remote.status).toBe(200);
  expect(await remote.text()).toContain("baton_sessions_started_total");
});

it("refuses a non-loopback caller without a token configured", async () => {
  baton.services.config.metricsToken = "";
  try {
    const remote = await fetch(`${baton.httpUrl}/metrics`, { headers: { "x-forwarded-for": "203.0.113.9" } });
    expect(remote.status).toBe(403);
    expect(await remote.json()).toMatchObject({ code: "FORBIDDEN" });
    expect((await fetch(`${baton.httpUrl}/metrics`)).status).toBe(200); // loopback, no proxy header
  } finally {
    baton.services.config.metricsToken = TOKEN;
  }
});
