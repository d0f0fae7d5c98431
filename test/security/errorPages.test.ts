/**
 * Finding 13: paths no route answers, and errors outside the API's own handlers (a
 * malformed percent-encoding in a dashboard path), fell
 * through to Express's default handler: an HTML page, and in a server without NODE_ENV a
 * stack trace with the server's file paths. Every such answer is now JSON `{ code, message }`
 * with a stable code and a sentence, and the dashboard's pages still answer with HTML.
 * Real HTTP against a production-mode server with a stand-in dashboard build.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "@baton/protocol";
import type { TestBaton } from "../support/baton.ts";
import { request, startProductionBaton, type HttpAnswer } from "./support.ts";

const PAGE = '<!doctype html><html><head><title>Baton</title></head><body><div id="root"></div></body></html>';

let baton: TestBaton;
let buildDir: string;
beforeAll(async () => {
  buildDir = mkdtempSync(path.join(os.tmpdir(), "baton-error-pages-"));
  mkdirSync(path.join(buildDir, "assets"));
  writeFileSync(path.join(buildDir, "index.html"), PAGE);
  writeFileSync(path.join(buildDir, "assets/index-abc123.js"), "console.log('dashboard');\n");
  baton = await startProductionBaton({ config: { dashboardDir: buildDir } });
});
afterAll(async () => {
  await baton?.shutdown();
  rmSync(buildDir, { recursive: true, force: true });
});

/** No stack frame, no file path of the server, no HTML. */
function expectNoLeak(answer: HttpAnswer, what: string) {
  expect(answer.text, what).not.toMatch(/\bat .*\(|node_modules|\.ts:\d|\/work\/|<pre>|<html|URIError|Error:/);
}

function expectCodeAndSentence(answer: HttpAnswer, status: number, code: string, what: string) {
  expect(answer.status, what).toBe(status);
  expect(answer.body, `${what}: ${answer.text}`).toMatchObject({ code });
  expect(answer.body.message, what).toMatch(/^[A-Z].*\.$/);
  expectNoLeak(answer, what);
}

describe("errors and unknown paths answer JSON { code, message }", () => {
  it("answers paths no route serves with 404 NOT_FOUND, whatever the method", async () => {
    for (const [method, pathname] of [["GET", "/no-such-page"], ["GET", "/device/scale-1/extra"], ["POST", "/"], ["DELETE", "/devices"], ["GET", "/admin"], ["PUT", "/assets/index-abc123.js"]] as const) {
      const answer = await request(baton.httpUrl, method, pathname, undefined, { headers: { accept: "text/html" } });
      expectCodeAndSentence(answer, 404, ErrorCode.NOT_FOUND, `${method} ${pathname}`);
    }
  });

  it("answers malformed paths with 400 INVALID_MESSAGE, never a stack trace", async () => {
    // A page path's parameter (Express printed the URIError with its stack) and an API path's.
    for (const pathname of ["/device/%E0%A4%A", "/devices/%E0%A4%A"]) {
      const answer = await request(baton.httpUrl, "GET", pathname, undefined, { headers: { accept: "text/html" }, token: await baton.tokenFor("ada") });
      expectCodeAndSentence(answer, 400, ErrorCode.INVALID_MESSAGE, pathname);
    }
  });

  it("keeps the dashboard's pages and assets", async () => {
    for (const pathname of ["/", "/sign-in", "/history", "/device/scale-1"]) {
      const answer = await request(baton.httpUrl, "GET", pathname, undefined, { headers: { accept: "text/html" } });
      expect(answer.status, pathname).toBe(200);
      expect(answer.text).toBe(PAGE);
    }
    expect((await request(baton.httpUrl, "GET", "/assets/index-abc123.js", undefined)).status).toBe(200);
    expectCodeAndSentence(await request(baton.httpUrl, "GET", "/assets/missing-000.js", undefined), 404, ErrorCode.NOT_FOUND, "missing asset");
    expectCodeAndSentence(await request(baton.httpUrl, "GET", "/assets/%E0%A4%A", undefined), 404, ErrorCode.NOT_FOUND, "malformed asset");
  });
});
