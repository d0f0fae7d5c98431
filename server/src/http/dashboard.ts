/**
 * The dashboard (client/web, a React app built by Vite) at `/`, on the same origin as the API
 * and the rooms — so the page needs no CORS and its token never crosses origins.
 *
 * - production and test: the built files of `client/web/dist` (or BATON_DASHBOARD_DIR).
 *   Hashed files under /assets/ are cached for a year (`immutable`: their name changes with
 *   their content); the page itself is revalidated on every load (`no-cache` + ETag), so a
 *   new build is picked up at once. A missing build answers 503 with the command that makes it.
 * - development (`npm run dev`), unless BATON_DASHBOARD_DIR names a build: Vite's dev
 *   middleware inside this express app, created on the first request that reaches it, so
 *   start-up does not wait for it; its hot-reload socket listens on a port of its own (the
 *   server's upgrade requests all belong to Colyseus).
 *
 * Only the dashboard's own page paths (PAGE_PATHS) answer with its HTML — an explicit list,
 * not a catch-all fallback, so an unknown API path still gets the API's 404 and never a page.
 * The router is mounted after every API route (app.ts), and Colyseus' matchmaking routes are
 * answered before express sees a request at all.
 *
 * Security headers (docs/SECURITY.md, "The dashboard page"): a strict Content-Security-Policy
 * (scripts, styles and connections from this origin only — plus, with OpenID Connect
 * configured, connections to the provider's issuer and token endpoint, and in a cluster
 * WebSockets to the public addresses of its live processes, where the matchmaker sends the
 * page's room connection (rooms/cluster/publicAddresses.ts); no inline script, no eval, no
 * framing), nosniff, no referrer. Vite's dev client needs inline scripts and its own socket,
 * so development sends everything but the CSP.
 */
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { type NextFunction, type Request, type Response } from "express";
import type { ViteDevServer } from "vite";
import type { RoomServices } from "../rooms/services.ts";
import { clusterSocketOrigins } from "../rooms/cluster/publicAddresses.ts";

/** The dashboard's source folder (its Vite root) and its default build folder. */
export const DASHBOARD_SOURCE = fileURLToPath(new URL("../../../client/web", import.meta.url));
export const DASHBOARD_BUILD = path.join(DASHBOARD_SOURCE, "dist");
const REPOSITORY = path.resolve(DASHBOARD_SOURCE, "../..");

/** The dashboard's client-side routes (client/web/src/router.ts): the only paths that answer with its page. */
export const PAGE_PATHS = ["/", "/sign-in", "/history", "/device/:deviceId", "/manage", "/manage/sessions", "/manage/audit", "/manage/webhooks", "/manage/device/:deviceId"];

/**
 * The page's CSP. `connectOrigins`: the OpenID Connect provider's origins the page exchanges
 * its sign-in code at (the issuer's and its token endpoint's; see connectOriginsOf), and in
 * a cluster the WebSocket origins of its processes' public addresses (a seat reservation
 * sends the room's socket to the process that holds the room). The
 * page goes to the provider's sign-in page by top-level navigation, which CSP does not
 * govern, and submits no form to it: `form-action` stays 'self'.
 */
export function contentSecurityPolicy(connectOrigins: string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    // 'self' covers ws:// and wss:// to this origin (CSP Level 3): the device rooms.
    ["connect-src 'self'", ...connectOrigins].join(" "),
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** The provider's origins the page may connect to: the issuer's, and the token endpoint's once discovered. */
async function providerOriginsOf(services: RoomServices): Promise<string[]> {
  const verifier = services.userTokens.oidc;
  if (!verifier) return [];
  const origins = new Set([new URL(verifier.settings.issuer).origin]);
  try {
    origins.add(new URL((await verifier.metadata()).token_endpoint).origin);
  } catch { /* not discovered yet: the page's sign-in says the provider cannot be reached */ }
  return [...origins];
}

/** Every origin beyond its own the page may connect to: the sign-in provider's, the cluster's processes'. */
function connectOriginsOf(services: RoomServices): () => Promise<string[]> {
  const { presence, publicAddress } = services.cluster;
  const cluster = presence && publicAddress ? clusterSocketOrigins(presence, publicAddress) : null;
  return async () => {
    if (!cluster && !services.userTokens.oidc) return [];
    const [provider, processes] = await Promise.all([providerOriginsOf(services), cluster ? cluster().catch(() => []) : []]);
    return [...provider, ...processes];
  };
}

/** `connectOrigins`: null without a CSP (development). */
function securityHeaders(withCsp: boolean, connectOrigins: (() => Promise<string[]>) | null) {
  return (_request: Request, response: Response, next: NextFunction) => {
    const headers = (connectOrigins: string[]) => {
      if (withCsp) response.setHeader("Content-Security-Policy", contentSecurityPolicy(connectOrigins));
      response.setHeader("X-Content-Type-Options", "nosniff");
      response.setHeader("X-Frame-Options", "DENY");
      response.setHeader("Referrer-Policy", "no-referrer");
      response.setHeader("Cross-Origin-Opener-Policy", "same-origin");
      response.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=(), usb=(), serial=()");
      next();
    };
    if (!connectOrigins) return headers([]);
    connectOrigins().then(headers, next);
  };
}

export function dashboardRoutes(services: RoomServices) {
  const { mode, dashboardDir } = services.config;
  if (mode === "development" && dashboardDir === "") return devDashboard(services);
  return builtDashboard(services, dashboardDir || DASHBOARD_BUILD);
}

function builtDashboard(services: RoomServices, directory: string) {
  const router = express.Router();
  const index = path.join(directory, "index.html");
  const secured = securityHeaders(true, connectOriginsOf(services));
  router.use("/assets", secured, express.static(path.join(directory, "assets"), { index: false, immutable: true, maxAge: "365d", fallthrough: true }));
  router.get(PAGE_PATHS, secured, (_request, response) => {
    if (!existsSync(index)) {
      response.status(503).type("text/plain").send(`The dashboard has not been built yet. Run \`npm run build:web\` (part of \`npm run build\`) and reload this page.\n`);
      return;
    }
    response.setHeader("Cache-Control", "no-cache");
    response.sendFile(index);
  });
  // The few unhashed files next to the page (favicon): short cache, never a directory listing.
  router.get(["/favicon.svg", "/robots.txt"], secured, express.static(directory, { index: false, maxAge: "1h", fallthrough: true }));
  return router;
}

function devDashboard(services: RoomServices) {
  const router = express.Router();
  // Made on the first request that reaches the dashboard, not at start-up: a dev server used
  // only through its API (scripts, tests) never pays for Vite's start and dependency scan.
  let vite: Promise<ViteDevServer> | undefined;
  const viteServer = () => {
    if (!vite) {
      vite = startVite();
      // Said once; each request that needs Vite then answers 500 through express.
      vite.catch((error: Error) => services.logger.error({ event: "dashboard.vite_failed", err: error }, `the dashboard's Vite dev server did not start: ${error.message}`));
    }
    return vite;
  };
  // Vite serves its modules (/@vite/client, /src/…, /@fs/…, /node_modules/…); anything else falls through.
  router.use(securityHeaders(false, null), (request, response, next) => {
    viteServer().then((server) => server.middlewares(request, response, next), next);
  });
  router.get(PAGE_PATHS, async (request, response, next) => {
    try {
      const server = await viteServer();
      const { readFile } = await import("node:fs/promises");
      const html = await server.transformIndexHtml(request.originalUrl, await readFile(path.join(DASHBOARD_SOURCE, "index.html"), "utf8"));
      response.setHeader("Cache-Control", "no-cache");
      response.type("html").send(html);
    } catch (error) {
      next(error);
    }
  });
  return router;
}

async function startVite(): Promise<ViteDevServer> {
  // Loaded only here: production never imports Vite (a devDependency).
  const { createServer } = await import("vite");
  return createServer({
    configFile: path.join(DASHBOARD_SOURCE, "vite.config.ts"),
    root: DASHBOARD_SOURCE,
    appType: "custom",
    server: {
      middlewareMode: true,
      hmr: { port: await freePort() },
      // Vite serves files by path (/@fs/…); by default anything in the repository. Only what
      // the page is built from: its own folder, the SDK and protocol sources, the dependencies
      // — never the data directory (the SQLite store), config or firmware.
      fs: { strict: true, allow: [DASHBOARD_SOURCE, path.join(REPOSITORY, "client/src"), path.join(REPOSITORY, "shared"), path.join(REPOSITORY, "node_modules")] },
    },
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
