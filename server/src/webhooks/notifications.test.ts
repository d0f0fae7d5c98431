/** Which notifications a session's end brings: `device.free` only when the device really is free. */
import { describe, expect, it } from "vitest";
import { EndReason } from "@baton/protocol";
import { WebhookEvent } from "@baton/protocol/http";
import { notificationsFor } from "./notifications.ts";

const ended = (reason: (typeof EndReason)[keyof typeof EndReason]) => notificationsFor({ type: "session.ended", deviceId: "scale-1", epoch: 3, userId: "ada", reason, at: 1 }).map((notification) => notification.type);

describe("notifications of a session's end", () => {
  it("say the device is free after a release", () => {
    expect(ended(EndReason.RELEASED)).toEqual([WebhookEvent.SESSION_ENDED, WebhookEvent.DEVICE_FREE]);
  });

  it("do not after a hand-over to a named user: the next session started in the same step", () => {
    expect(ended(EndReason.HANDED_OVER)).toEqual([WebhookEvent.SESSION_ENDED]);
  });
});
