/**
 * A device driven step by step by a test, over a real WebSocket through `@colyseus/sdk`.
 * Unlike the simulator it does nothing by itself: the test decides what it reports and
 * when, which is what fencing and timing tests need. (The simulator and the C virtual
 * device cover the raw protocol end to end.)
 */
import { Client, type Room } from "@colyseus/sdk";
import type { SessionTypeSpec } from "@baton/protocol";
import { startTcpProxy, type TcpProxy } from "./tcpProxy.ts";
import { Inbox } from "../../client/src/sdk/inbox.ts";

export const WEIGHING: SessionTypeSpec = {
  name: "weighing",
  maxDurationMs: 10_000,
  inputSchema: {
    type: "object",
    properties: { userAge: { type: "integer", minimum: 1, maximum: 130 }, userGender: { enum: ["female", "male", "other"] } },
    additionalProperties: false,
  },
};

export const PRINTING: SessionTypeSpec = {
  name: "printing",
  maxDurationMs: 3 * 3600_000,
  stepTimeoutMs: 60_000,
  inputSchema: {
    type: "object",
    properties: { fileName: { type: "string", minLength: 1 }, material: { enum: ["PLA", "PETG", "ABS"] } },
    required: ["fileName"],
    additionalProperties: false,
  },
};

export interface DeviceMessage {
  type: string;
  payload: any;
}

export class ScriptedDevice {
  /** Every message received, in order. */
  readonly log: DeviceMessage[] = [];
  /** Messages not yet taken by `next()`, by type. */
  private readonly inbox = new Inbox<DeviceMessage>();

  private constructor(readonly room: Room, private readonly proxy?: TcpProxy) {
    room.onMessage("*", (type: string | number, payload: unknown) => {
      const message = { type: String(type), payload };
      this.log.push(message);
      this.inbox.push(message.type, message);
    });
  }

  /** `cuttable`: connect through a TCP proxy so `drop()` can cut the network. */
  static async connect(httpUrl: string, deviceId: string, secret: string, options: { cuttable?: boolean } = {}): Promise<ScriptedDevice> {
    const proxy = options.cuttable ? await startTcpProxy(Number(new URL(httpUrl).port)) : undefined;
    const client = new Client(proxy?.httpUrl ?? httpUrl);
    client.auth.token = secret;
    const room = await client.joinOrCreate("device", { deviceId, role: "device" });
    (room as any).reconnection.enabled = false; // a device rejoins through matchmaking, never by token
    return new ScriptedDevice(room, proxy);
  }

  /** Connects and declares capabilities; resolves with the welcome. */
  static async online(httpUrl: string, deviceId: string, secret: string, sessionTypes: SessionTypeSpec[] = [WEIGHING, PRINTING], options: { cuttable?: boolean } = {}) {
    const device = await ScriptedDevice.connect(httpUrl, deviceId, secret, options);
    const welcome = device.next("welcome");
    device.send("hello", { firmware: "scripted/1.0", sessionTypes });
    return { device, welcome: (await welcome).payload };
  }

  /** Messages of `type` received so far. */
  all(type: string) {
    return this.log.filter((message) => message.type === type);
  }

  /** The next message of `type` not yet taken (already received or still to come). */
  next(type: string, timeoutMs = 5_000): Promise<DeviceMessage> {
    return this.inbox.next(type, timeoutMs, () => `device got no "${type}" within ${timeoutMs} ms (got: ${JSON.stringify(this.log).slice(0, 500) || "nothing"})`);
  }

  send(type: string, payload?: unknown) {
    this.room.send(type, payload);
  }

  /** Drops the connection without a LEAVE or close frame, like a network loss (needs `connect(…, { cuttable: true })`). */
  drop() {
    if (!this.proxy) throw new Error("connect the device with { cuttable: true } to drop it");
    this.proxy.cut();
  }

  async leave() {
    await this.room.leave(true).catch(() => undefined);
    await this.proxy?.close();
  }
}
