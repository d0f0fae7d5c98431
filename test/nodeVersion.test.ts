/**
 * No trap on an old Node.js (issue 22 item 5): every entry point checks the Node.js version
 * before anything native loads, and a wrong one is one sentence and a non-zero exit — not
 * better-sqlite3's segfault (exit 139, no word). The version is faked with
 * BATON_NODE_VERSION_CHECK_AS, so this runs on the Node.js that runs the tests.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { nodeVersionProblem, REQUIRED_NODE_MAJOR } from "../scripts/check-node.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const run = promisify(execFile);
const SENTENCE = /^baton: this is Node\.js 20\.19\.1, and Baton needs Node\.js 22 or newer .*install Node\.js 22 LTS .*nvm install 22.*\n$/;

describe("the Node.js version check", () => {
  it("accepts the required major and later ones, refuses older ones with one sentence naming the fix", () => {
    expect(REQUIRED_NODE_MAJOR).toBe(22);
    expect(nodeVersionProblem("22.0.0")).toBeNull();
    expect(nodeVersionProblem("v24.1.0")).toBeNull();
    expect(nodeVersionProblem("20.19.1")).toMatch(/needs Node\.js 22 or newer/);
    expect(nodeVersionProblem("18.20.0")).toMatch(/nvm install 22/);
    expect(nodeVersionProblem("garbage")).toMatch(/needs Node\.js 22/);
  });

  it("agrees with package.json engines", () => {
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
    expect(pkg.engines.node).toBe(`>=${REQUIRED_NODE_MAJOR}`);
  });

  it("runs first in every npm script that starts Baton code through tsx", () => {
    const scripts: Record<string, string> = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).scripts;
    const tsxScripts = Object.entries(scripts).filter(([, command]) => /\btsx\b/.test(command));
    expect(tsxScripts.map(([name]) => name)).toEqual(expect.arrayContaining(["dev", "baton", "simulate", "demo:claim", "loadtest"]));
    for (const [name, command] of tsxScripts) expect(command, name).toMatch(/\btsx --import \.\/scripts\/check-node\.mjs /);
    expect(scripts.start).toBe("exec node scripts/start.mjs");
    expect(readFileSync(path.join(root, "scripts/start.mjs"), "utf8")).toMatch(/^import "\.\/check-node\.mjs";$/m);
  });

  it.each([
    ["npm run dev", ["run", "-s", "dev"]],
    ["npm start", ["start", "-s"]],
    ["npm run baton", ["run", "-s", "baton", "--", "device", "list"]],
  ])("%s on Node.js 20 prints the sentence and exits non-zero", async (_name, args) => {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const failure = await run(npm, args, {
      cwd: root,
      timeout: 30_000,
      // BATON_PORT 1: were the check skipped, the server could not listen and would not linger.
      env: { ...process.env, BATON_NODE_VERSION_CHECK_AS: "20.19.1", BATON_PORT: "1", BATON_DATA_DIR: path.join(root, "nonexistent-data-dir") },
    }).then(() => null, (error: { code: number; stdout: string; stderr: string }) => error);
    expect(failure).not.toBeNull();
    expect(failure!.code).toBe(1);
    expect(failure!.stderr).toMatch(SENTENCE);
    expect(failure!.stdout).toBe("");
  });
});
