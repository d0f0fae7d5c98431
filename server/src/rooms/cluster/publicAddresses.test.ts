/**
 * The dashboard's CSP in a cluster: each process's BATON_PUBLIC_ADDRESS becomes the WebSocket
 * origins a page may open (the seat's socket goes to the process holding the room), and
 * nothing wider. The whole road — two processes, a page loaded through a front, its room on
 * the other process — is test/browser/restart.browser.test.ts.
 */
import { describe, expect, it } from "vitest";
import { contentSecurityPolicy } from "../../http/dashboard.ts";
import { socketOriginsOf } from "./publicAddresses.ts";

describe("the public addresses a dashboard page may connect to", () => {
  it("are each address's WebSocket origins, without the proxy path", () => {
    expect(socketOriginsOf("10.0.0.5:2568")).toEqual(["ws://10.0.0.5:2568", "wss://10.0.0.5:2568"]);
    expect(socketOriginsOf("baton.example.com/node-2")).toEqual(["ws://baton.example.com", "wss://baton.example.com"]);
    expect(socketOriginsOf("[::1]:2567")).toEqual(["ws://[::1]:2567", "wss://[::1]:2567"]);
    expect(socketOriginsOf("")).toEqual([]);
  });

  it("are added to connect-src and to nothing else; no wildcard", () => {
    const csp = contentSecurityPolicy([...socketOriginsOf("127.0.0.1:2567"), ...socketOriginsOf("127.0.0.1:2568")]);
    const directives = Object.fromEntries(csp.split("; ").map((directive) => [directive.split(" ")[0], directive]));
    expect(directives["connect-src"]).toBe("connect-src 'self' ws://127.0.0.1:2567 wss://127.0.0.1:2567 ws://127.0.0.1:2568 wss://127.0.0.1:2568");
    expect(directives["script-src"]).toBe("script-src 'self'");
    expect(directives["default-src"]).toBe("default-src 'none'");
    expect(csp).not.toContain("*");
    expect(contentSecurityPolicy()).toContain("connect-src 'self';");
  });
});
