import { describe, expect, it } from "vitest";
import type { DeviceDetails, DeviceHistory, DeviceSummary } from "@baton/client";
import { isAdminToken, rolesOfToken } from "./access.ts";
import { auditText } from "./auditWords.ts";
import { poolsOf } from "./pools.ts";
import { timelineOf } from "./AdminDeviceHistory.tsx";
import { updateText } from "./FirmwarePanel.tsx";

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
    expect(auditText({ at: 1, actor: "ada", action: "update-requested", deviceId: "s", detail: { version: "1.3.0", fromVersion: "1.2.0" } })).toBe("Firmware update to 1.3.0 asked for (running 1.2.0)");
    expect(auditText({ at: 1, actor: "system", action: "update-applied", deviceId: "s", detail: { version: "1.3.0", fromVersion: "1.2.0" } })).toBe("Firmware updated to 1.3.0 (from 1.2.0)");
    expect(auditText({ at: 1, actor: "system", action: "update-failed", deviceId: "s", detail: { version: "1.3.0", reported: "1.2.0" } })).toBe("Firmware update to 1.3.0 failed: the device came back with 1.2.0");
  });

  it("words where a firmware update stands", () => {
    const update = { deviceId: "s", url: "https://fw/x", version: "1.3.0", sha256: "a".repeat(64), requestedBy: "ada", requestedAt: 1, fromVersion: "1.2.0", offeredAt: 0, finishedAt: 0, detail: "" };
    expect(updateText({ ...update, status: "pending" })).toBe("Update to 1.3.0 waits for the device to connect.");
    expect(updateText({ ...update, status: "pending", offeredAt: 5 })).toMatch(/^Update to 1\.3\.0 offered .*; waiting for the device to come back with it\.$/);
    expect(updateText({ ...update, status: "failed", finishedAt: 9, detail: "it came back with 1.2.0" })).toMatch(/failed .*: it came back with 1\.2\.0\. Ask again to retry\.$/);
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
