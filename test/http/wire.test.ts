/**
 * Real answers against the document (issue 19 item 4): a real server is driven through every
 * route openapi.json lists — a device online with a finished run, a second user waiting, each
 * admin action — and every answer, refusals included, is validated with ajv against the
 * schema openapi.json declares for that route and status (schemas generated from
 * `@baton/protocol/http`). A documented route that no step below reaches with a success
 * status fails the test, so a new route cannot go unchecked. It runs on SQLite and on
 * PostgreSQL (BATON_TEST_DATABASE_URL; fails, never skips, when unreachable): a column type
 * that reads back differently (a BIGINT as a string) would be a wire difference.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { TEST_DEVICE_SECRET, freshDeviceId, startBaton, type TestBaton } from "../support/baton.ts";
import { ScriptedDevice } from "../support/scriptedDevice.ts";
import { waitFor } from "../support/waitFor.ts";
import { joinDevice } from "../support/deviceSession.ts";
import { openPostgresStore } from "@baton/server/adapters/postgres/postgresStore.ts";
import type { BatonStore } from "@baton/server/ports/store.ts";
import { createTestSchema, type TestSchema } from "../support/postgres.ts";
import { call } from "./support.ts";

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
}

/** The whole check on a server over `openStore()` (undefined: the default SQLite store). */
function wireSuite(storeName: string, openStore?: () => Promise<{ store: BatonStore; dispose(): Promise<void> }>) {
  describe(`on ${storeName}`, () => {
    let baton: TestBaton;
    let opened: { store: BatonStore; dispose(): Promise<void> } | undefined;
    let document: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };
    let ajv: Ajv2020;
    const validators = new Map<string, ValidateFunction>();
    /** "METHOD /template" → the statuses its checked answers had. */
    const exercised = new Map<string, number[]>();

    beforeAll(async () => {
      opened = await openStore?.();
      baton = await startBaton({ timers: { ownerIdleTimeoutMs: 0 }, ...(opened ? { store: opened.store } : {}) });
      document = (await call(baton, "GET", "/openapi.json")).body;
      // The components as one JSON Schema whose $defs the operations' $refs point into.
      const defs = JSON.parse(JSON.stringify(document.components.schemas).replaceAll("#/components/schemas/", "wire#/$defs/"));
      ajv = new Ajv2020({ strict: true, allErrors: true });
      ajv.addSchema({ $id: "wire", $defs: defs });
      // Every component compiles as strict JSON Schema 2020-12, the ones no route answers with (webhooks) too.
      for (const id of Object.keys(defs)) expect(ajv.getSchema(`wire#/$defs/${id}`), id).toBeTypeOf("function");
    });
    afterAll(async () => {
      await baton.shutdown();
      await opened?.dispose();
    });

    /** The documented path template a concrete path answers to ("/devices/d-1/sessions/3" → "/devices/{deviceId}/sessions/{epoch}"). */
    function templateOf(method: string, path: string): string {
      const bare = path.split("?")[0];
      const found = Object.keys(document.paths).find((template) => {
        if (!document.paths[template][method]) return false;
        const pattern = new RegExp(`^${template.replace(/\{[A-Za-z]+\}/g, "[^/]+")}$`);
        return pattern.test(bare);
      });
      if (!found) throw new Error(`${method.toUpperCase()} ${bare} is not in openapi.json`);
      return found;
    }

    /** Calls the real server and validates the answer against what openapi.json declares for its route and status. */
    async function checked(method: "GET" | "POST" | "DELETE", path: string, options: { token?: string; body?: unknown } = {}, expectedStatus = 200) {
      const answer = await call(baton, method, path, options);
      const verb = method.toLowerCase();
      const template = templateOf(verb, path);
      const label = `${method} ${template} → ${answer.status}`;
      expect(answer.status, `${label}: ${JSON.stringify(answer.body)}`).toBe(expectedStatus);
      const declared = document.paths[template][verb].responses[String(answer.status)];
      expect(declared, `${label} is not declared in openapi.json`).toBeDefined();
      const [mediaType, media] = Object.entries(declared.content ?? {})[0] ?? [];
      if (mediaType === "text/plain" || mediaType === "text/calendar") {
        expect(typeof answer.body, label).toBe("string");
      } else {
        expect(mediaType, label).toBe("application/json");
        const key = JSON.stringify(media!.schema);
        let validate = validators.get(key);
        if (!validate) {
          validate = ajv.compile(JSON.parse(key.replaceAll("#/components/schemas/", "wire#/$defs/")));
          validators.set(key, validate);
        }
        expect(validate(answer.body) ? [] : validate.errors, `${label}: ${JSON.stringify(answer.body)}`).toEqual([]);
      }
      const key = `${method} ${template}`;
      exercised.set(key, [...(exercised.get(key) ?? []), answer.status]);
      return answer.body;
    }

    it("every route answers what openapi.json declares, and every documented route is exercised", async () => {
      const admin = await baton.tokenFor("root", "Root", ["admin"]);
      const olga = await baton.tokenFor("olga", "Olga");
      const pete = await baton.tokenFor("pete", "Pete");

      // A device online, claimed by olga, with one finished run (a stored result); pete waits in line.
      const deviceId = freshDeviceId();
      const { device } = await ScriptedDevice.online(baton.httpUrl, deviceId, TEST_DEVICE_SECRET);
      const owner = await joinDevice({ url: baton.httpUrl, token: olga, deviceId });
      await waitFor(() => owner.state.device.online);
      owner.claim({ sessionType: "weighing", input: { userAge: 41 } });
      const start = (await device.next("start")).payload;
      device.send("result", { epoch: start.epoch, runId: start.runId, output: { weight: 70.5 } });
      await owner.nextResult();
      await waitFor(() => baton.events.some((event) => event.type === "run.completed" && event.runId === start.runId));
      const waiting = await joinDevice({ url: baton.httpUrl, token: pete, deviceId });
      waiting.room.onMessage("queue_left", () => undefined); // the drain below tells pete; nothing to check here
      waiting.room.send("enqueue", {});
      await waitFor(() => owner.state.queue.length === 1);

      // Health, metrics and the document itself.
      await checked("GET", "/healthz");
      await checked("GET", "/readyz");
      baton.services.readiness.draining = true; // unready: 503 with the same body shape
      try {
        expect(await checked("GET", "/readyz", {}, 503)).toMatchObject({ status: "unready" });
      } finally {
        baton.services.readiness.draining = false;
      }
      await checked("GET", "/health");
      await checked("GET", "/metrics");
      await checked("GET", "/openapi.json");

      // Devices, sessions, runs, results: the holder sees inputs and outputs, another user does not.
      const list = await checked("GET", "/devices?limit=1", { token: olga });
      expect(list.next).toBeDefined();
      await checked("GET", "/devices", { token: olga });
      const detail = await checked("GET", `/devices/${deviceId}`, { token: olga });
      expect(detail.status.holder).toEqual({ userId: "olga", name: "Olga" });
      await checked("GET", `/devices/${deviceId}/sessions`, { token: pete });
      const own = await checked("GET", `/devices/${deviceId}/sessions/${start.epoch}`, { token: olga });
      expect(own.runs[0].output).toEqual({ weight: 70.5 });
      const others = await checked("GET", `/devices/${deviceId}/sessions/${start.epoch}`, { token: pete });
      expect(others.runs[0]).toMatchObject({ private: true });
      await checked("GET", `/devices/${deviceId}/runs/${start.runId}`, { token: olga });
      await checked("GET", `/devices/${deviceId}/runs/${start.runId}`, { token: pete }, 403);
      await checked("GET", "/me/sessions?limit=1", { token: olga });
      const results = await checked("GET", "/results", { token: olga });
      expect(results.results.map((result: { runId: string }) => result.runId)).toContain(start.runId);
      await checked("GET", "/results/outcomes?limit=5", { token: olga });
      await checked("GET", `/devices/${deviceId}/history`, { token: admin });

      // Admin actions, each on the real device or a newly registered one.
      const fresh = `wire-${Date.now()}`;
      await checked("POST", "/admin/devices", { token: admin, body: { deviceId: fresh, label: "Fresh", kind: "scale" } }, 201);
      await checked("POST", "/admin/devices", { token: admin, body: { deviceId: fresh } }, 409);
      const queue = await checked("GET", `/admin/devices/${deviceId}/queue`, { token: admin });
      expect(queue.entries).toMatchObject([{ position: 1, userId: "pete" }]);
      await checked("POST", `/admin/devices/${deviceId}/drain`, { token: admin, body: { reason: "recalibration" } });
      await checked("POST", `/admin/devices/${deviceId}/quarantine`, { token: admin, body: { reason: "drifting" } });
      await checked("POST", `/admin/devices/${deviceId}/return-to-service`, { token: admin, body: {} });
      const released = await checked("POST", `/admin/devices/${deviceId}/force-release`, { token: admin, body: { reason: "end of the day" } });
      expect(released).toMatchObject({ released: true, holder: { userId: "olga" } });
      expect(await checked("POST", `/admin/devices/${fresh}/pool`, { token: admin, body: { pool: "ward-b" } })).toEqual({ deviceId: fresh, pool: "ward-b", explicitPool: "ward-b" });
      expect(await checked("POST", `/admin/devices/${fresh}/pool`, { token: admin, body: { pool: "" } })).toEqual({ deviceId: fresh, pool: "scale", explicitPool: "" });
      await checked("POST", `/admin/devices/${fresh}/pool`, { token: admin, body: { pool: "no spaces" } }, 400);
      await checked("POST", "/admin/devices/nobody-here/pool", { token: admin, body: { pool: "x" } }, 404);
      // Firmware updates (docs/PROTOCOL.md §15): asked for, read, withdrawn.
      const offer = { url: "https://fw.lab/scale-2.bin", version: "2.0.0", sha256: "ab".repeat(32) };
      expect(await checked("POST", `/admin/devices/${fresh}/update`, { token: admin, body: offer }, 202)).toMatchObject({ deviceId: fresh, firmware: "", update: { status: "pending", offeredAt: 0 } });
      expect((await checked("GET", `/admin/devices/${fresh}/update`, { token: admin })).update).toMatchObject({ version: "2.0.0", status: "pending" });
      expect((await checked("POST", `/admin/devices/${fresh}/update/cancel`, { token: admin, body: {} })).update).toMatchObject({ status: "cancelled" });
      await checked("POST", `/admin/devices/${fresh}/update/cancel`, { token: admin, body: {} }, 404);
      await checked("POST", `/admin/devices/${fresh}/update`, { token: admin, body: { ...offer, sha256: "nope" } }, 400);
      await checked("POST", `/admin/devices/${fresh}/rotate-secret`, { token: admin, body: {} });
      await checked("POST", `/admin/devices/${fresh}/disable`, { token: admin, body: {} });
      await checked("DELETE", `/admin/devices/${fresh}`, { token: admin });
      await checked("DELETE", `/admin/devices/${fresh}`, { token: admin }, 404);
      await checked("GET", `/admin/audit?deviceId=${deviceId}`, { token: admin });
      // Webhook deliveries: one given up on, retried by the admin (its endpoint's query, which may hold a token, is never shown).
      const outbox = baton.services.store.outbox;
      await outbox.enqueue([{ endpoint: "https://hooks.example.com/baton?token=s3cret", deviceId, eventType: "device.free", body: "{}", createdAt: 1_000 }]);
      const [delivery] = await outbox.list("pending", 1);
      await outbox.failed(delivery.id, null, "HTTP 500", 2_000);
      const failed = await checked("GET", "/admin/webhooks?state=failed", { token: admin });
      expect(failed.deliveries).toMatchObject([{ id: delivery.id, endpoint: "https://hooks.example.com/baton", eventType: "device.free", attempts: 1, givenUpAt: 2_000, lastError: "HTTP 500" }]);
      expect(JSON.stringify(failed)).not.toContain("s3cret");
      await checked("POST", `/admin/webhooks/${delivery.id}/retry`, { token: admin, body: {} });
      expect((await checked("GET", "/admin/webhooks?state=pending", { token: admin })).deliveries).toMatchObject([{ id: delivery.id, givenUpAt: null }]);
      await checked("POST", `/admin/webhooks/${delivery.id}/retry`, { token: admin, body: {} }, 404);
      await checked("GET", "/admin/webhooks", { token: olga }, 403);
      await checked("POST", "/dev/token", { body: { userId: "newcomer", name: "Newcomer" } });
      // Sign-in: how (no provider on this server) and who.
      expect(await checked("GET", "/auth/config")).toEqual({ devSignIn: true, oidc: null });
      expect(await checked("GET", "/auth/me", { token: admin })).toEqual({ userId: "root", name: "Root", roles: ["admin"] });
      await checked("GET", "/auth/me", {}, 401);

      // Bookings: book, list, the caller's own, the iCalendar feed, a conflict, a cancellation.
      const slotStart = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 48 * 3_600_000;
      const booked = await checked("POST", `/devices/${deviceId}/bookings`, { token: olga, body: { start: slotStart, end: slotStart + 1_800_000 } }, 201);
      await checked("POST", `/devices/${deviceId}/bookings`, { token: pete, body: { start: slotStart, end: slotStart + 1_800_000 } }, 409);
      await checked("POST", `/devices/${deviceId}/bookings`, { token: pete, body: { start: slotStart, end: slotStart - 1 } }, 400);
      expect((await checked("GET", `/devices/${deviceId}/bookings?from=${slotStart - 1}&to=${slotStart + 1}`, { token: pete })).bookings).toMatchObject([{ userName: "Olga", mine: false }]);
      await checked("GET", "/me/bookings", { token: olga });
      const pooled = await checked("POST", "/pools/test/bookings", { token: pete, body: { start: slotStart + 7_200_000, end: slotStart + 9_000_000 } }, 201);
      await checked("DELETE", `/bookings/${pooled.booking.bookingId}`, { token: pete });
      await checked("POST", "/pools/no-such-pool/bookings", { token: pete, body: { start: slotStart, end: slotStart + 1_800_000 } }, 404);
      expect(await checked("GET", `/devices/${deviceId}/bookings.ics`, { token: pete })).toContain("BEGIN:VEVENT");
      await checked("DELETE", `/bookings/${booked.booking.bookingId}`, { token: pete }, 404);
      await checked("DELETE", `/bookings/${booked.booking.bookingId}`, { token: olga });
      await checked("DELETE", `/bookings/${booked.booking.bookingId}`, { token: olga }, 409);

      // Refusals are declared and match the error schema too.
      await checked("GET", "/devices", {}, 401);
      await checked("GET", "/admin/audit", { token: olga }, 403);
      await checked("GET", "/devices/no-such-device", { token: olga }, 404);
      await checked("GET", "/devices?limit=0", { token: olga }, 400);

      const documented = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
      const unexercised = documented.filter((route) => !(exercised.get(route) ?? []).some((status) => status < 300));
      expect(unexercised, "documented routes no step answered with success").toEqual([]);

      owner.leave();
      waiting.leave();
      await device.leave();
    }, 60_000);
  });
}

wireSuite("SQLite");
wireSuite("PostgreSQL", async () => {
  const schema: TestSchema = await createTestSchema();
  const store = await openPostgresStore({ connectionString: schema.url, schema: schema.schema, maxConnections: 4 });
  return { store, dispose: async () => schema.drop() };
});
