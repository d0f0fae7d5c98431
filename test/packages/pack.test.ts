/**
 * The packages as a user gets them (issue 11 item 1): `@baton/protocol` and `@baton/client`
 * built to JavaScript + declarations, packed with `npm pack`, checked with publint and
 * arethetypeswrong, bundled for a browser with Vite (no server code, no Node built-ins), and
 * installed from their tarballs into a folder outside the repository, where the example runs
 * with plain `node` against a real Baton server.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/baton.ts";
import { watchOutput } from "../support/childOutput.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);
const outside = mkdtempSync(path.join(os.tmpdir(), "baton-packages-"));
const running: ChildProcess[] = [];

async function npm(args: string[], cwd = root) {
  return run("npm", args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: "false" } });
}

beforeAll(async () => {
  await npm(["run", "build:packages"]);
}, 180_000);

afterAll(() => {
  for (const child of running) if (child.exitCode === null) child.kill("SIGTERM");
  rmSync(outside, { recursive: true, force: true });
});

describe("npm pack", () => {
  it("lists JavaScript and declarations for every entry point, and no tests, sources or fixtures", async () => {
    const { stdout } = await npm(["pack", "--dry-run", "--json", "--workspace", "@baton/protocol", "--workspace", "@baton/client"]);
    const packs = JSON.parse(stdout) as { name: string; files: { path: string }[] }[];
    const files = (name: string) => packs.find((pack) => pack.name === name)!.files.map((file) => file.path);
    const protocol = files("@baton/protocol");
    const client = files("@baton/client");
    for (const entry of ["index", "protocol", "errors", "messages", "http", "state"]) {
      expect(protocol).toContain(`dist/${entry}.js`);
      expect(protocol).toContain(`dist/${entry}.d.ts`);
    }
    expect(protocol).toContain("device-contract/vectors/start.json");
    for (const entry of ["sdk/index", "react/index", "simulator/index", "sdk/deviceHandle", "sdk/batonClient"]) {
      expect(client).toContain(`dist/${entry}.js`);
      expect(client).toContain(`dist/${entry}.d.ts`);
    }
    expect(client).toContain("README.md");
    for (const file of [...protocol, ...client]) {
      expect(file).not.toMatch(/\.test\.|test-d|fakeRoom|(^|\/)demo\/|\.tsx?$(?<!\.d\.ts)|\.map$/);
      expect(file === "package.json" || file === "README.md" || /^(dist|device-contract|instruments)\//.test(file), file).toBe(true);
    }
  }, 60_000);

  it("publint finds nothing to fix, and arethetypeswrong finds no problem for ESM consumers", async () => {
    const { publint } = await import("publint");
    for (const dir of ["shared", "client"]) {
      const { messages } = await publint({ pkgDir: path.join(root, dir), level: "suggestion", strict: true });
      expect(messages, `publint ${dir}`).toEqual([]);
    }
    for (const dir of ["shared", "client"]) {
      // esm-only: both packages are ES modules; a CommonJS `require` of them is not supported.
      const { stdout } = await run(path.join(root, "node_modules/.bin/attw"), ["--pack", dir, "--profile", "esm-only", "--format", "json"], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
      const problems = (JSON.parse(stdout) as { analysis: { problems: { kind: string; resolutionKind?: string }[] } }).analysis.problems;
      expect(problems.filter((problem) => problem.resolutionKind !== "node10" && problem.resolutionKind !== "node16-cjs"), `attw ${dir}`).toEqual([]);
    }
  }, 120_000);

  it("the SDK core and the hook type-check for browsers (no Node types) with erasable syntax only", async () => {
    await run(path.join(root, "node_modules/.bin/tsc"), ["-p", "client/tsconfig.browser.json"], { cwd: root });
  }, 120_000);
});

describe("outside the repository", () => {
  const app = path.join(outside, "app");

  beforeAll(async () => {
    const packs = path.join(outside, "packs");
    mkdirSync(packs);
    await npm(["pack", "--workspace", "@baton/protocol", "--workspace", "@baton/client", "--pack-destination", packs]);
    cpSync(path.join(root, "examples"), app, { recursive: true });
    const tarballs = readdirSync(packs).map((file) => path.join(packs, file));
    expect(tarballs.map((file) => path.basename(file)).sort()).toEqual(["baton-client-0.1.0.tgz", "baton-protocol-0.1.0.tgz"]);
    // Their dependencies come from npm's cache (the repository's install filled it).
    await npm(["install", "--prefer-offline", "--no-audit", "--no-fund", ...tarballs], app);
  }, 300_000);

  it("runs the example with plain node, importing @baton/client by name, against a real server", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = startInRepo("server/src/index.ts", [], { BATON_ENV: "development", BATON_PORT: String(port), BATON_DATA_DIR: path.join(outside, "data") });
    await server.waitForOutput(/Baton {2}— {2}development mode/);
    const scale = startInRepo("client/src/simulator/cli.ts", ["--device", "scale-1", "--secret", "dev-secret-scale-1", "--instrument", "scale", "--url", url, "--speed", "10"]);
    await scale.waitForOutput(/welcome/i);

    const example = track(spawn(process.execPath, ["weigh.mjs", url], { cwd: app, stdio: ["ignore", "pipe", "pipe"] }));
    expect(await example.exited, example.output).toBe(0);
    expect(example.output).toMatch(/^weight: \d+(\.\d)? kg$/m);
    // It ran the installed package, not the repository's source.
    const installed = JSON.parse(readFileSync(path.join(app, "node_modules/@baton/client/package.json"), "utf8")) as { version: string };
    expect(installed.version).toBe("0.1.0");
    expect(readdirSync(path.join(app, "node_modules/@baton/client"))).not.toContain("src");
  }, 120_000);

  it("bundles for a browser with Vite: no server code, no Node built-ins, ws only as its browser stub", async () => {
    writeFileSync(path.join(app, "browser-entry.js"), [
      'import { BatonClient } from "@baton/client";',
      'import { useDevice } from "@baton/client/react";',
      "export { BatonClient, useDevice };",
    ].join("\n"));
    const { build } = await import("vite");
    await build({
      root: app,
      configFile: false,
      logLevel: "silent",
      build: {
        outDir: "bundle",
        minify: false,
        lib: { entry: path.join(app, "browser-entry.js"), formats: ["es"], fileName: "app" },
        rollupOptions: { external: ["react"] },
      },
    });
    const bundle = readFileSync(path.join(app, "bundle", readdirSync(path.join(app, "bundle")).find((file) => file.endsWith(".js"))!), "utf8");
    expect(bundle).toContain("class BatonClient");
    expect(bundle).toContain("class DeviceHandle");
    expect(bundle).not.toMatch(/["']node:[a-z]/);
    for (const serverOnly of ["class DeviceRoom extends", "allowReconnection", "@colyseus/core", "better-sqlite3", "express", "createDeviceRoom", "Sec-WebSocket-Key"]) {
      expect(bundle, serverOnly).not.toContain(serverOnly);
    }
  }, 120_000);
});

function track(child: ChildProcess) {
  running.push(child);
  return watchOutput(child);
}

/** The repository's server or simulator, from its TypeScript source (as `npm run dev` starts it). */
function startInRepo(script: string, args: string[], env: Record<string, string> = {}) {
  return track(spawn(process.execPath, ["--conditions=@baton/source", "--import", "tsx", script, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] }));
}
