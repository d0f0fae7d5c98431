/**
 * A production build made by the test itself, in a folder of its own under the gitignored
 * dist/: the server compiled by `tsc -p server/tsconfig.build.json` (what `npm run build:server`
 * runs) and @baton/protocol compiled beside it in the folder's own node_modules, so the build
 * needs nothing built beforehand and no other test (test/packages rebuilds shared/dist) can
 * pull files from under it. Types are not checked here (`--noCheck`): `npm run typecheck` does.
 * Third-party packages resolve from the repository's node_modules, as in a real deployment.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("../..", import.meta.url));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const run = promisify(execFile);

export interface ProductionBuild {
  /** The folder to pass as `npm start -- --build-dir <dir>`. */
  directory: string;
  /** `<directory>/server/index.js`: what `node dist/server/index.js` is in a deployment. */
  entry: string;
  remove(): void;
}

export async function buildProduction(): Promise<ProductionBuild> {
  const directory = path.join(root, "dist", `test-build-${process.pid}-${Date.now().toString(36)}`);
  const protocol = path.join(directory, "node_modules", "@baton", "protocol");
  mkdirSync(protocol, { recursive: true });
  copyFileSync(path.join(root, "shared", "package.json"), path.join(protocol, "package.json"));
  const compile = (project: string, outDir: string, extra: string[] = []) =>
    run(process.execPath, [tsc, "-p", path.join(root, project), "--outDir", outDir, "--noCheck", ...extra], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  await Promise.all([
    compile("shared/tsconfig.build.json", path.join(protocol, "dist"), ["--declaration", "false"]),
    compile("server/tsconfig.build.json", path.join(directory, "server"), ["--sourceMap", "false"]),
  ]);
  return { directory, entry: path.join(directory, "server", "index.js"), remove: () => rmSync(directory, { recursive: true, force: true }) };
}
