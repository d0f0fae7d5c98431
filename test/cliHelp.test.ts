/**
 * Every command-line entry point of package.json answers `--help` with its usage and exit 0,
 * without doing its work (the server does not start, the benchmark does not run).
 */
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const run = promisify(execFile);

const ENTRY_POINTS: [script: string, file: string, expected: RegExp][] = [
  ["start / dev", "server/src/index.ts", /BATON_SHUTDOWN_TIMEOUT_MS/],
  ["baton", "server/src/cli/baton.ts", /device add/],
  ["simulate", "client/src/simulator/cli.ts", /--device/],
  ["demo:claim", "client/src/demo/claim.ts", /--device/],
  ["device:hash-secret", "scripts/hash-device-secret.ts", /secret/],
  ["bench", "bench/run.ts", /--quick/],
  ["loadtest", "loadtest/cli.ts", /--users/],
];

it.each(ENTRY_POINTS)("npm run %s -- --help prints its usage and exits 0", async (_script, file, expected) => {
  const { stdout } = await run(process.execPath, ["--conditions=@baton/source", "--import", tsx, path.join(root, file), "--help"], {
    cwd: root,
    timeout: 15_000,
    env: { ...process.env, TSX_TSCONFIG_PATH: path.join(root, "tsconfig.json"), BATON_PORT: "1" },
  });
  expect(stdout).toMatch(/usage/i);
  expect(stdout).toMatch(expected);
});
