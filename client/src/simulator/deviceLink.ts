/**
 * The simulated device's one socket at a time — its transport port, as `baton_port.h`'s
 * socket members are the firmware's: adopt a joined connection (the previous one is killed),
 * send bytes, drop it like a lost network, or leave politely. Only the current socket's frames
 * and close reach the device; a socket it let go of is silent. It knows nothing of Baton's
 * rules (deviceCore.ts) and nothing of matchmaking (connection.ts does the join).
 */
import type { DecodeResult } from "./framing.ts";
import type { RoomConnection } from "./connection.ts";

export interface LinkListener {
  frame(result: DecodeResult, raw: Uint8Array): void;
  /** The current socket closed by itself (the server, the network); not called for one let go of. */
  closed(code: number, reason: string): void;
}

export class DeviceLink {
  private connection: RoomConnection | null = null;

  constructor(private readonly listener: LinkListener) {}

  get isOpen(): boolean {
    return this.connection?.isOpen ?? false;
  }

  /** True while a socket is held (open or not yet known to be closed). */
  get held(): boolean {
    return this.connection !== null;
  }

  /**
   * Makes `connection` the current socket and kills the previous one. Frames that arrived
   * before now are delivered at once (connection.ts queues them), so take any log mark first.
   */
  adopt(connection: RoomConnection): void {
    const previous = this.connection;
    this.connection = connection;
    previous?.terminate();
    connection.onClose((code, reason) => {
      if (this.connection !== connection) return; // a socket already let go of
      this.connection = null;
      this.listener.closed(code, reason);
    });
    connection.onFrame((result, raw) => this.listener.frame(result, raw));
  }

  /** Writes one binary frame; false when there is no open socket. */
  send(bytes: Uint8Array): boolean {
    return this.connection?.send(bytes) ?? false;
  }

  /** Detaches and kills the socket, like a lost network; its close is then ignored. True if there was one. */
  drop(): boolean {
    const connection = this.connection;
    this.connection = null;
    connection?.terminate();
    return connection !== null;
  }

  /** LEAVE frame and a normal close, waiting up to `timeoutMs` for it. False if there was no socket. */
  async leave(timeoutMs = 1_000): Promise<boolean> {
    const connection = this.connection;
    this.connection = null;
    if (!connection) return false;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      connection.onClose(() => {
        clearTimeout(timer);
        resolve();
      });
      connection.leave();
    });
    return true;
  }
}
