/**
 * `npm start`: the production server from the build (`npm run build` → dist/server), in this
 * very process, so a signal sent to it (npm's script is `exec node …`) reaches the server and
 * runs its graceful stop (README, "Shutdown"). It never builds: without a build it says so in
 * one sentence and exits 1. Run `node dist/server/index.js` directly for the same server
 * without this check (the systemd unit in deploy/baton.service does).
 *
 * `npm start -- --build-dir <dir>` starts the build in another folder (the tests' own builds).
 */
// First: a Node.js too old for the native SQLite driver is one sentence, not a segfault.
import "./check-node.mjs";
import { existsSync } from "node:fs";
import module from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const flag = process.argv.indexOf("--build-dir");
const buildDir = flag === -1 ? path.join(root, "dist") : path.resolve(process.argv[flag + 1] ?? "");
if (flag !== -1) process.argv.splice(flag, 2);
const entry = path.join(buildDir, "server", "index.js");

if (!existsSync(entry)) {
  console.error(`baton: there is no build in ${buildDir} (${path.relative(buildDir, entry)} is missing); run \`npm run build\` once, then \`npm start\`.`);
  process.exit(1);
}
// V8's compiled code of every module, cached on disk (NODE_COMPILE_CACHE, or the temp folder):
// later starts compile less (docs/BENCHMARKS.md, "Start to ready").
module.enableCompileCache?.();
await import(pathToFileURL(entry).href);
