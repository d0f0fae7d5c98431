import { describe, expect, it } from "vitest";
import type { DeviceDetails, DeviceHistory, DeviceSummary } from "@baton/client";
import { isAdminToken, rolesOfToken } from "./access.ts";
import { auditText } from "./auditWords.ts";
import { poolsOf } from "./pools.ts";
import { timelineOf } from "./AdminDeviceHistory.tsx";

const token = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;

describe("the admin area's pure parts", () => {
  it("shows itself only for a token whose roles list admin", () => {
    expect(isAdminToken(token({ sub: "a", roles: ["admin"] }))).toBe(true);
    expect(isAdminToken(token({ sub: "a", roles: ["user"] }))).toBe(false);
    expect(isAdminToken(token({ sub: "a", roles: "admin" }))).toBe(false);
    expect(isAdminToken("not a token")).toBe(false);
    expect(rolesOfToken(token({ sub: "a", roles: ["admin", 7] }))).toEqual(["admin"]);
  });

  it("words audit entries", () => {
    expect(auditText({ at: 1, actor: "ada", action: "availability", deviceId: "s", detail: { status: "drained", reason: "Calibration due", previous: "available" } })).toBe("Drained: Calibration due (was available)");
    expect(auditText({ at: 1, actor: "ada", action: "kick", deviceId: "s", detail: { epoch: 3, holder: "bob", reason: "late" } })).toBe("Force-released bob's session (epoch 3): late");
    expect(auditText({ at: 1, actor: "ada", action: "pool", deviceId: "s", detail: { pool: "", previous: "x" } })).toBe("Pool cleared (back to its kind's pool)");
  });

  it("groups devices into pools, counting the free ones, leaving disabled devices and devices without a pool out", () => {
    const device = (deviceId: string, pool: string, extra: { disabled?: boolean; holder?: boolean; online?: boolean } = {}) => ({
      deviceId, label: "", kind: pool, pool, disabled: extra.disabled ?? false, disabledAt: null, createdAt: 0,
      status: { online: extra.online ?? true, queueLength: 0, holder: extra.holder ? { userId: "u", name: "U" } : null, availability: { status: "available", reason: "", since: 0, by: "system" } },
    }) as unknown as DeviceSummary;
    const pools = poolsOf([device("s1", "scale"), device("s2", "scale", { holder: true }), device("s3", "scale", { disabled: true }), device("p1", ""), device("m1", "meter", { online: false })]);
    expect(pools.map((pool) => [pool.name, pool.devices.length, pool.free])).toEqual([["meter", 1, 0], ["scale", 2, 1]]);
  });

  it("puts a device's sessions, runs and admin actions on one timeline, newest first", () => {
    const history: DeviceHistory = {
      deviceId: "s",
      sessions: [{ deviceId: "s", epoch: 1, userId: "bob", userName: "Bob", startedAt: 100, endedAt: 400, endReason: "kicked" }],
      runs: [{ deviceId: "s", runId: "r", epoch: 1, userId: "bob", sessionType: "weighing", input: { userAge: 3 }, startedAt: 200, endedAt: 250, ok: true, output: { weight: 9 }, failureCode: null, failureMessage: null }],
      audit: [{ at: 400, actor: "ada", action: "kick", deviceId: "s", detail: { epoch: 1, holder: "bob", reason: "late" } }],
    };
    expect(timelineOf(history).map((event) => [event.at, event.kind])).toEqual([[400, "audit"], [200, "run"], [100, "session"]]);
    expect(timelineOf(history)[1].detail).toBe('Input {"userAge":3}; done: weight 9.');
    // With the device's declared output schema: its titles and units.
    const details = { sessionTypes: [{ name: "weighing", inputSchema: {}, maxDurationMs: 1, outputSchema: { properties: { weight: { title: "Weight", "x-unit": "kg", "x-decimals": 1 } } } }] } as unknown as DeviceDetails;
    expect(timelineOf(history, details)[1].detail).toBe('Input {"userAge":3}; done: Weight 9.0 kg.');
  });
});
