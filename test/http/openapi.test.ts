/**
 * The OpenAPI document matches the server: every route Baton mounts is documented, every
 * documented route exists (both read from the running server), the document is OpenAPI
 * 3.1, every refusal it names uses the error schema of docs/ERRORS.md, and every answer's body
 * is fully described (no bare `{ type: "object" }`). test/http/wire.test.ts checks real
 * answers against these schemas.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type express from "express";
import { startBaton, type TestBaton } from "../support/baton.ts";
import { httpRoutes } from "@baton/server/http/routes.ts";
import { call } from "./support.ts";

let baton: TestBaton;
beforeAll(async () => {
  baton = await startBaton();
});
afterAll(() => baton.shutdown());

/** "METHOD /path/{param}" for every route of an express router, nested routers included. */
function mountedRoutes(router: express.Router): string[] {
  const found: string[] = [];
  const walk = (stack: any[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) found.push(`${method.toUpperCase()} ${String(layer.route.path).replace(/:([A-Za-z]+)/g, "{$1}")}`);
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((router as any).stack);
  return found.sort();
}

it("documents exactly the routes the server mounts", async () => {
  const document = await call(baton, "GET", "/openapi.json");
  expect(document.status).toBe(200);
  expect(document.body.openapi).toBe("3.1.0");
  const documented = Object.entries(document.body.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`)).sort();
  expect(documented).toEqual(mountedRoutes(httpRoutes(baton.services)));
});

it("answers each documented route on the real server (nothing documented is missing)", async () => {
  const document = (await call(baton, "GET", "/openapi.json")).body;
  for (const [path, methods] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
    const concrete = path.replace("{deviceId}", "test-0").replace("{epoch}", "1").replace("{runId}", "r-1");
    for (const method of Object.keys(methods)) {
      const answer = await call(baton, method.toUpperCase(), concrete, { body: method === "post" ? {} : undefined });
      if (path === "/metrics") {
        expect(answer.body).toContain("baton_sessions_started_total"); // Prometheus text, not JSON
        continue;
      }
      // An unknown route would be Express' 404 HTML page; every real one answers JSON.
      expect(typeof answer.body, `${method} ${path}`).toBe("object");
      if (answer.status >= 400) expect(answer.body, `${method} ${path}`).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    }
  }
});

it("describes each route's refusals with the shared error schema", async () => {
  const document = (await call(baton, "GET", "/openapi.json")).body;
  for (const [path, methods] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
    for (const [method, operation] of Object.entries(methods)) {
      for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
        if (Number(status) >= 400 && path !== "/readyz") expect(response.content["application/json"].schema, `${method} ${path} ${status}`).toEqual({ $ref: "#/components/schemas/Error" });
      }
    }
  }
  expect(document.components.schemas.Error.properties.code.enum).toContain("FORBIDDEN");
});

/** Every JSON Schema node under `schema`, nested ones included. */
function* schemaNodes(schema: unknown): Generator<Record<string, unknown>> {
  if (Array.isArray(schema)) {
    for (const item of schema) yield* schemaNodes(item);
  } else if (schema && typeof schema === "object") {
    yield schema as Record<string, unknown>;
    for (const value of Object.values(schema)) yield* schemaNodes(value);
  }
}

it("describes every answer's body fully: a named schema with properties, and no bare { type: object } anywhere", async () => {
  const document = (await call(baton, "GET", "/openapi.json")).body;
  const components = document.components.schemas as Record<string, Record<string, unknown>>;
  for (const [path, methods] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
    for (const [method, operation] of Object.entries(methods)) {
      for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
        const label = `${method} ${path} ${status}`;
        const [mediaType, media] = Object.entries(response.content as Record<string, { schema: Record<string, unknown> }>)[0];
        if (mediaType === "text/plain" || mediaType === "text/calendar") {
          expect(media.schema, label).toEqual({ type: "string" });
          continue;
        }
        // Each JSON body is one of the named wire schemas of @baton/protocol/http.
        const id = String(media.schema.$ref ?? "").replace("#/components/schemas/", "");
        expect(components[id], `${label} refers to ${JSON.stringify(media.schema)}`).toBeDefined();
        expect(components[id].type, label).toBe("object");
        expect(Object.keys(components[id].properties as object).length, label).toBeGreaterThan(0);
      }
    }
  }
  for (const [id, schema] of Object.entries(components)) {
    for (const node of schemaNodes(schema)) {
      const bare = node.type === "object" && !node.properties && !node.additionalProperties && !node.$ref;
      expect(bare, `components.schemas.${id} has a bare object: ${JSON.stringify(node)}`).toBe(false);
    }
  }
});
