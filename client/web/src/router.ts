/**
 * The dashboard's few pages as real paths (the server answers each with the page: its
 * PAGE_PATHS in server/src/http/dashboard.ts must list every route here). A few routes do not
 * need a router library: the History API, a popstate listener and a hook.
 */
import { useSyncExternalStore } from "react";

/**
 * The admin area lives under /manage, not /admin: the API's admin routes (GET /admin/audit, …)
 * are under /admin, and a page must never shadow an API path.
 */
export type Route =
  | { page: "devices" }
  | { page: "device"; deviceId: string }
  | { page: "history" }
  | { page: "sign-in" }
  | { page: "admin-devices" }
  | { page: "admin-sessions" }
  | { page: "admin-audit" }
  | { page: "admin-webhooks" }
  | { page: "admin-device"; deviceId: string }
  | { page: "not-found" };

export function routeOf(pathname: string): Route {
  if (pathname === "/") return { page: "devices" };
  if (pathname === "/history") return { page: "history" };
  if (pathname === "/sign-in") return { page: "sign-in" };
  if (pathname === "/manage") return { page: "admin-devices" };
  if (pathname === "/manage/sessions") return { page: "admin-sessions" };
  if (pathname === "/manage/audit") return { page: "admin-audit" };
  if (pathname === "/manage/webhooks") return { page: "admin-webhooks" };
  const adminDevice = /^\/manage\/device\/([^/]+)$/.exec(pathname);
  if (adminDevice) return { page: "admin-device", deviceId: decodeURIComponent(adminDevice[1]) };
  const device = /^\/device\/([^/]+)$/.exec(pathname);
  if (device) return { page: "device", deviceId: decodeURIComponent(device[1]) };
  return { page: "not-found" };
}

export const devicePath = (deviceId: string) => `/device/${encodeURIComponent(deviceId)}`;
/** A device's admin page: its history as a timeline. */
export const adminDevicePath = (deviceId: string) => `/manage/device/${encodeURIComponent(deviceId)}`;

const listeners = new Set<() => void>();
function subscribe(listener: () => void) {
  listeners.add(listener);
  window.addEventListener("popstate", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("popstate", listener);
  };
}

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, "", path);
  else window.history.pushState(null, "", path);
  for (const listener of listeners) listener();
}

/** The current path; re-renders on navigation and on the browser's back/forward. */
export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}
