/**
 * The device room's side of over-the-air updates (issue 23): it keeps the device's update
 * request (ports/firmwareUpdates.ts), offers it — the `update` message to a connected device,
 * or `welcome.update` at its next hello — and records what the device's next hello says, as
 * session/firmwareUpdate.ts decides. It also keeps the stack high-water marks of the last
 * heartbeat (not durable: the device reports them every heartbeat).
 *
 * The request is read again at every device join, so a request written by the CLI (straight
 * to the store) or by the HTTP API of another process reaches the device at its next
 * connection; the API also tells a live room at once (`changed`).
 */
import { RoomToDevice } from "@baton/protocol";
import type { StackFree } from "@baton/protocol/messages";
import { afterHello, offered, offerOf, shouldOffer, type FirmwareUpdateAudit, type FirmwareUpdateRecord } from "../../session/firmwareUpdate.ts";
import type { RoomServices } from "../services.ts";

/** What operators see of a device's firmware in its live status. */
export interface FirmwareView {
  /** The firmware of the connected device's hello (null: no hello on this connection). */
  firmware: string | null;
  stackFree: StackFree | null;
}

export class FirmwareUpdates {
  private record: FirmwareUpdateRecord | undefined;
  /** The firmware the connected device reported in its `hello` (null: none on this connection yet). */
  private firmware: string | null = null;
  private stackFree: StackFree | null = null;
  /** Store writes and audit entries, in order. */
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly services: Pick<RoomServices, "store" | "audit" | "clock" | "logger">,
    private readonly deviceId: string,
    private readonly sendToDevice: (type: string, payload: unknown) => void,
  ) {}

  /** A device connection is joining: forget the last one's reports and read the request again. */
  async deviceJoining(): Promise<void> {
    this.firmware = null;
    this.stackFree = null;
    await this.reload();
  }

  /** The device's connection is gone: its reports were about that connection. */
  deviceLeft(): void {
    this.firmware = null;
    this.stackFree = null;
  }

  /** The device's `hello` (before the room answers it with `welcome`): applied, failed, or nothing. */
  hello(firmware: string): void {
    this.firmware = firmware;
    const step = afterHello(this.record, firmware, this.services.clock());
    if (step) this.moveOn(step.record, step.audit);
  }

  heartbeat(stackFree: StackFree | undefined): void {
    if (stackFree) this.stackFree = { ...stackFree };
  }

  /** The `welcome` about to leave, with the pending offer added when it is due. */
  welcome(payload: unknown): unknown {
    if (!shouldOffer(this.record, this.firmware)) return payload;
    const record = offered(this.record, this.services.clock());
    this.moveOn(record);
    return { ...(payload as object), update: offerOf(record) };
  }

  /** An admin asked for (or cancelled) an update through the API: read it again, offer it now when the device is connected. */
  async changed(): Promise<FirmwareView & { record: FirmwareUpdateRecord | null }> {
    await this.reload();
    if (this.firmware !== null) {
      const step = afterHello(this.record, this.firmware, this.services.clock()); // already running it: applied
      if (step) this.moveOn(step.record, step.audit);
    }
    if (shouldOffer(this.record, this.firmware)) {
      const record = offered(this.record, this.services.clock());
      this.moveOn(record);
      this.sendToDevice(RoomToDevice.UPDATE, offerOf(record));
    }
    await this.writes;
    return { ...this.view(), record: this.record ?? null };
  }

  view(): FirmwareView {
    return { firmware: this.firmware, stackFree: this.stackFree };
  }

  /** Resolves when the writes queued so far are done (tests, dispose). */
  settled(): Promise<void> {
    return this.writes;
  }

  private async reload(): Promise<void> {
    await this.writes;
    this.record = await this.services.store.firmwareUpdates.find(this.deviceId);
  }

  /** Keeps the moved-on request and writes it (and its audit entry) after the writes before it. */
  private moveOn(record: FirmwareUpdateRecord, audit?: FirmwareUpdateAudit): void {
    this.record = record;
    const detail = audit === "update-applied"
      ? { version: record.version, fromVersion: record.fromVersion }
      : { version: record.version, reported: this.firmware ?? "", reason: record.detail };
    this.writes = this.writes.then(async () => {
      const stillOurs = await this.services.store.firmwareUpdates.update(record);
      if (!stillOurs || !audit) return;
      await this.services.audit.record({ at: record.finishedAt, actor: "system", action: audit, deviceId: this.deviceId, detail });
    }).catch((error) => this.services.logger.error({ err: error }, `device room ${this.deviceId}: storing the firmware update's state failed`));
  }
}
