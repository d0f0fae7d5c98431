/**
 * What the dashboard's browser tests need around them: the dashboard built as production
 * builds it, Debian's Chromium driven by playwright-core, a person signing in, and axe-core's
 * accessibility check. No test here depends on timing: every wait is one of Playwright's
 * auto-retrying expectations with a generous timeout.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chromium, type Browser, type Page } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";
import { expect } from "vitest";

export const CHROMIUM_PATH = "/usr/bin/chromium";
/** The exact command that installs what these tests drive (Debian; .ci/run does it). */
export const CHROMIUM_INSTALL_COMMAND = "apt-get install -y chromium";

const root = fileURLToPath(new URL("../..", import.meta.url));
/**
 * Where the browser tests write their screenshots: a build folder (git-ignored), so that
 * `npm test` leaves the tree clean. `npm run screenshots:update` copies them into
 * docs/screenshots/ (the README's pictures) when a change to the dashboard should show there.
 */
export const SCREENSHOTS = path.join(root, "build/screenshots");
mkdirSync(SCREENSHOTS, { recursive: true });

/** Refuses to go on without Chromium, naming the command that installs it. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`The dashboard's browser tests need Chromium at ${CHROMIUM_PATH}, and it is not installed. Install it with:\n\n  ${CHROMIUM_INSTALL_COMMAND}\n\n(as root, or with sudo; .ci/run installs it on CI machines).`);
  }
}

/**
 * `vite build` of client/web into a fresh directory, exactly as `npm run build:web` does
 * (in a child process: Vite bundles React's production build only with NODE_ENV=production,
 * and vitest's workers run with NODE_ENV=test). At log level "warn" the build prints nothing
 * unless the bundler warns, and a build that warns fails here: `npm run build:web` must stay
 * free of bundler warnings (issue 22; client/web/vite.config.ts says which one is silenced).
 */
export async function buildDashboard(): Promise<string> {
  const outDir = mkdtempSync(path.join(os.tmpdir(), "baton-dashboard-"));
  const vite = path.join(path.dirname(createRequire(import.meta.url).resolve("vite/package.json")), "bin/vite.js");
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [vite, "build", "--config", path.join(root, "client/web/vite.config.ts"), "--outDir", outDir, "--emptyOutDir", "--logLevel", "warn"], {
    cwd: path.join(root, "client/web"),
    env: { ...process.env, NODE_ENV: "production" },
  });
  const printed = `${stdout}${stderr}`.trim();
  if (printed !== "") throw new Error(`vite build of the dashboard printed warnings (npm run build:web must print none):\n${printed}`);
  return outDir;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
  });
}

/** Signs in on a development-mode-like server (POST /dev/token exists outside production). */
export async function signIn(page: Page, baseUrl: string, name: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel("Your name").fill(name);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  // (A locator's own wait: this also runs in beforeAll, where vitest's expect.poll cannot.)
  await page.getByRole("heading", { level: 1, name: "Devices", exact: true }).waitFor({ timeout: 30_000 });
}

/** axe-core on the page as it is: WCAG 2.1 A and AA rules; serious and critical findings fail. */
export async function expectNoSeriousAxeViolations(page: Page, where: string): Promise<void> {
  const report = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = report.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`);
  expect(serious, `axe on ${where}`).toEqual([]);
}
