/**
 * CI soak of the load tool: a real Baton server in production mode (no development routes:
 * tokens signed with its secret, devices registered through its admin API by --provision),
 * `npm run loadtest` against it for a few seconds with small numbers and frequent owner
 * drops, leaves and device drops. It must exit 0 with zero lost results, zero double grants
 * and sessions and runs that really happened. The accounting that would fail it is tested
 * on synthetic logs in ledger.test.ts. No assertion on timings.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, expect, it } from "vitest";
import { PRODUCTION_JWT_SECRET, spawnProductionServer, stopAllServers } from "../support/serverProcess.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

afterAll(stopAllServers);

function runLoadtest(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--conditions=@baton/source", "--import", tsx, path.join(root, "loadtest/cli.ts"), ...args], {
      cwd: root,
      timeout: 150_000,
      env: { ...process.env, TSX_TSCONFIG_PATH: path.join(root, "tsconfig.json") },
    }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : 99) : 0, stdout, stderr }));
  });
}

it("a short load run against a real server loses no result and grants no device twice", async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), "baton-soak-"));
  const server = await spawnProductionServer({
    BATON_DATA_DIR: dataDir,
    // Owners who leave for good free their device after 2 s instead of 30.
    BATON_OWNER_RECONNECT_GRACE_MS: "2000",
  });
  const report = path.join(dataDir, "report.json");
  const result = await runLoadtest([
    "--url", server.httpUrl, "--users", "8", "--devices", "3", "--duration", "8s", "--progress", "2s",
    "--token-secret", PRODUCTION_JWT_SECRET, "--provision", "--device-prefix", "soak-",
    "--drop-rate", "0.2", "--leave-rate", "0.1", "--device-drop-rate", "0.1", "--device-speed", "20",
    "--outcome-timeout", "10s", "--workers", "1", "--seed", "12", "--report", report,
  ]);
  const context = `loadtest output:\n${result.stdout}\n${result.stderr}`;
  expect(result.code, context).toBe(0);
  expect(result.stdout, context).toMatch(/provisioned 3 devices soak-1\.\.3/);
  expect(result.stdout, context).toMatch(/^loadtest: +\d+s +users \d+\/8 +devices \d+\/3 +sessions \d+/m); // progress lines
  const { snapshot, verdict } = JSON.parse(await readFile(report, "utf8"));
  expect(verdict.lostResults, context).toEqual([]);
  expect(verdict.doubleGrants, context).toEqual([]);
  expect(verdict.misdelivered, context).toEqual([]);
  expect(snapshot.sessions, context).toBeGreaterThan(0);
  expect(snapshot.runsOk, context).toBeGreaterThan(0);
  expect(snapshot.resultsAcked, context).toBeGreaterThan(0);
}, 180_000);

it("refuses a bad flag with a sentence and exit code 2", async () => {
  const result = await runLoadtest(["--url", "http://127.0.0.1:1", "--users", "many"]);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/^loadtest: --users must be a whole number/m);
}, 30_000);

it("says so, with exit code 3, when the target is not there", async () => {
  const result = await runLoadtest(["--url", "http://127.0.0.1:1", "--duration", "1s"]);
  expect(result.code).toBe(3);
  expect(result.stderr).toMatch(/Cannot reach http:\/\/127\.0\.0\.1:1\/healthz.*Is the Baton server running there\?/);
}, 30_000);
