/**
 * The SDK's public types (checked by `npm run typecheck`, which compiles this file; the
 * assertions also run, as no-ops). A wrong input, a misspelt session type or event, or a
 * result read with the wrong type fails to compile.
 */
import { describe, expectTypeOf, it } from "vitest";
import {
  BatonClient, BatonError, DeviceHandle,
  type BatonErrorCode, type Claimed, type ConnectionState, type DeviceAvailabilityName, type DeviceStatus, type DeviceSummary, type DeviceView, type Extended,
  type OfferMessage, type QueueLeftMessage, type QueueSeatView, type RunFailure, type RunResult, type SessionExpiringMessage, type SessionExtendedMessage,
} from "@baton/client";
import { useDevice, useDevices } from "@baton/client/react";
import type { RoomToDevicePayload } from "@baton/protocol";
import type { SendToDevice } from "@baton/server/session/types.ts";

type Scale = { weighing: { input: { userAge?: number; userGender?: "female" | "male" | "other" }; output: { weight: number; unit: string } } };

describe("public API types", () => {
  it("types devices, handles, runs and errors", () => {
    const client = new BatonClient("http://127.0.0.1:2567", { token: "t" });
    if (Math.random() < 2) return; // types only: nothing below connects
    expectTypeOf(client.devices()).resolves.toEqualTypeOf<DeviceSummary[]>();
    const scale = client.device<Scale>("scale-1");
    expectTypeOf(scale).toEqualTypeOf<DeviceHandle<Scale>>();
    expectTypeOf(scale.state).toEqualTypeOf<DeviceView>();
    expectTypeOf(scale.connection).toEqualTypeOf<ConnectionState>();
    expectTypeOf(scale.isMine).toBeBoolean();
    expectTypeOf(scale.canClaim).toBeBoolean();
    expectTypeOf(scale.run("weighing", { userAge: 25 })).resolves.toEqualTypeOf<RunResult<"weighing", { weight: number; unit: string }>>();
    expectTypeOf<Awaited<ReturnType<typeof scale.run>>["output"]["weight"]>().toBeNumber();
    expectTypeOf(scale.claim).parameter(0).toMatchTypeOf<{ sessionType?: "weighing" } | undefined>();
    scale.on("progress", (event) => expectTypeOf(event.progress).toBeNumber());
    scale.on("runFailed", (failure) => expectTypeOf(failure).toEqualTypeOf<RunFailure>());
    scale.on("connection", (state) => expectTypeOf(state).toEqualTypeOf<ConnectionState>());
    scale.on("error", (error) => expectTypeOf(error).toEqualTypeOf<BatonError>());
    expectTypeOf(scale.state.session.holder).toEqualTypeOf<{ userId: string; name: string } | null>();
    expectTypeOf<BatonError["code"]>().toEqualTypeOf<BatonErrorCode>();
    expectTypeOf<"DEVICE_BUSY">().toMatchTypeOf<BatonErrorCode>();
    expectTypeOf(scale.run).toBeCallableWith("weighing", {}, { signal: new AbortController().signal, timeoutMs: 1_000 });

    // Without a type map every name is allowed, with JSON objects in and out.
    const any = client.device("printer-1");
    expectTypeOf(any.run("printing", { fileName: "a" })).resolves.toEqualTypeOf<RunResult<"printing", Record<string, unknown>>>();

    expectTypeOf(useDevice<Scale>).returns.toEqualTypeOf<{ device: DeviceHandle<Scale> | null; state: DeviceView | null }>();
    expectTypeOf(useDevices).returns.toHaveProperty("devices").toEqualTypeOf<DeviceSummary[] | null>();

    if (Math.random() > 2) {
      // @ts-expect-error: not a session type of the scale
      void scale.run("printing", {});
      // @ts-expect-error: userAge is a number
      void scale.run("weighing", { userAge: "old" });
      // @ts-expect-error: no such event
      scale.on("finished", () => {});
    }
  });

  it("types the queue, hand-off and lease API", () => {
    const scale = new BatonClient("http://127.0.0.1:2567", { token: "t" }).device<Scale>("scale-1");
    if (Math.random() < 2) return; // types only
    expectTypeOf(scale.enqueue()).resolves.toBeVoid();
    expectTypeOf(scale.enqueue).toBeCallableWith({ sessionType: "weighing", input: { userAge: 25 }, releaseOnComplete: true }, { timeoutMs: 1_000 });
    expectTypeOf(scale.leaveQueue()).resolves.toBeVoid();
    expectTypeOf(scale.accept()).resolves.toEqualTypeOf<Claimed>();
    expectTypeOf(scale.decline).toBeCallableWith({ signal: new AbortController().signal });
    expectTypeOf(scale.extend({ byMs: 60_000 })).resolves.toEqualTypeOf<Extended>();
    expectTypeOf(scale.state.queue.length).toBeNumber();
    expectTypeOf(scale.state.queue.handoffUntil).toEqualTypeOf<number | null>();
    expectTypeOf(scale.state.queue.mine).toEqualTypeOf<QueueSeatView | null>();
    expectTypeOf<QueueSeatView["etaAt"]>().toEqualTypeOf<number | null>();
    expectTypeOf(scale.state.device.availability).toEqualTypeOf<DeviceAvailabilityName>();
    expectTypeOf(scale.state.device.ready).toBeBoolean();
    expectTypeOf<DeviceStatus["queueLength"]>().toBeNumber();
    expectTypeOf<DeviceStatus["availability"]["status"]>().toEqualTypeOf<DeviceAvailabilityName>();
    scale.on("offer", (offer) => expectTypeOf(offer).toEqualTypeOf<OfferMessage>());
    scale.on("queueLeft", (left) => expectTypeOf(left).toEqualTypeOf<QueueLeftMessage>());
    scale.on("sessionExpiring", (expiring) => expectTypeOf(expiring).toEqualTypeOf<SessionExpiringMessage>());
    scale.on("sessionExtended", (extended) => expectTypeOf(extended.expiresAt).toBeNumber());
    expectTypeOf<SessionExtendedMessage["canExtendMs"]>().toBeNumber();
    if (Math.random() > 2) {
      // @ts-expect-error: not a session type of the scale
      void scale.enqueue({ sessionType: "printing" });
      // @ts-expect-error: userAge is a number
      void scale.enqueue({ sessionType: "weighing", input: { userAge: "old" } });
      // @ts-expect-error: byMs is a number
      void scale.extend({ byMs: "1m" });
    }
  });

  it("types the room → device messages by name", () => {
    expectTypeOf<RoomToDevicePayload["start"]>().toHaveProperty("runId").toBeString();
    expectTypeOf<Extract<SendToDevice, { message: "ack" }>["payload"]>().toEqualTypeOf<{ runId: string }>();
    // @ts-expect-error: an ack carries a runId, not an epoch only
    const wrong: SendToDevice = { type: "sendToDevice", message: "ack", payload: { epoch: 1 } };
    void wrong;
  });
});
