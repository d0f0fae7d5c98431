/**
 * The simulator's command line keeps its reconnect policy's limit unless `--max-attempts`
 * names one: it logged "reconnect attempt 1/undefined" (and never gave up) when the flag was
 * left out (issue 22 item 5).
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

async function firstReconnectLine(extra: string[]): Promise<string> {
  const child = spawn(process.execPath, ["--conditions=@baton/source", "--import", tsx, path.join(root, "client/src/simulator/cli.ts"),
    "--url", "http://127.0.0.1:1", "--device", "scale-1", "--secret", "dev-secret-scale-1", ...extra], {
    cwd: root, env: { ...process.env, TSX_TSCONFIG_PATH: path.join(root, "tsconfig.json") }, stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reconnect line:\n${output}`)), 20_000);
      const read = (chunk: Buffer) => {
        output += chunk;
        const line = /reconnect attempt [^\n]*/.exec(output)?.[0];
        if (line) { clearTimeout(timer); resolve(line); }
      };
      child.stdout!.on("data", read);
      child.stderr!.on("data", read);
    });
  } finally {
    child.kill("SIGKILL");
  }
}

it("names the default limit of reconnect attempts, or the one given", async () => {
  expect(await firstReconnectLine([])).toMatch(/^reconnect attempt 1\/10 in \d+ ms/);
  expect(await firstReconnectLine(["--max-attempts", "3"])).toMatch(/^reconnect attempt 1\/3 in \d+ ms/);
}, 60_000);
