/**
 * Another version of Baton beside this one, for before/after figures from the same run
 * (`npm run bench -- --compare <git ref>`): the ref's tree is exported (`git archive`) into
 * a temporary directory whose node_modules links to this checkout's packages, except the
 * workspace packages (@baton/protocol, @baton/client), which point at the exported tree's own
 * shared/ and client/.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "./processes.ts";

const WORKSPACES: Record<string, string> = { protocol: "shared", client: "client" };

/** Exports `ref` and returns the directory (Baton's root in that version). */
export function exportRef(ref: string): { dir: string; commit: string } {
  const commit = execFileSync("git", ["-C", REPO_ROOT, "rev-parse", "--short", `${ref}^{commit}`]).toString().trim();
  const dir = mkdtempSync(path.join(os.tmpdir(), `baton-bench-${commit}-`));
  execFileSync("sh", ["-c", `git -C "${REPO_ROOT}" archive "${commit}" | tar -x -C "${dir}"`]);
  const modules = path.join(dir, "node_modules");
  mkdirSync(modules);
  for (const entry of readdirSync(path.join(REPO_ROOT, "node_modules"))) {
    if (entry === "@baton" || entry === ".bin") continue;
    symlinkSync(path.join(REPO_ROOT, "node_modules", entry), path.join(modules, entry));
  }
  mkdirSync(path.join(modules, "@baton"));
  for (const [name, folder] of Object.entries(WORKSPACES)) symlinkSync(path.join(dir, folder), path.join(modules, "@baton", name));
  return { dir, commit };
}
