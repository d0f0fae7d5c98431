/**
 * The base of Baton's room classes: a Colyseus room with the process's services injected.
 * The composition root (app.ts) registers `SomeRoom.boundTo(services)`, a subclass carrying
 * them, so the room is a top-level class (tools can follow calls into it) and two apps in one
 * process (tests, a cluster in one process) each have their own services.
 */
import { Room, type RoomOptions } from "@colyseus/core";
import type { RoomServices } from "../services.ts";
import type { Logger } from "../../observability/logger.ts";

export class ServicedRoom<T extends RoomOptions = RoomOptions> extends Room<T> {
  static services: RoomServices;

  static boundTo<R extends typeof ServicedRoom<any>>(this: R, services: RoomServices): R {
    return class extends (this as typeof ServicedRoom<any>) {
      static override services = services;
    } as unknown as R;
  }

  /**
   * No timer for the state: the room pushes its patch itself (`broadcastPatch`) when its state
   * changed, and an idle room wakes up for nothing. `patchRate = null` alone is not that:
   * Colyseus 0.17 then starts a 60 Hz interval that ticks `this.clock` for any room without a
   * simulation interval (the `patchRate` setter in @colyseus/core's Room.mjs) — 60 wake-ups a
   * second per idle room. A settled placeholder in `_simulationInterval` tells the setter the
   * clock is someone else's business. Baton uses neither `this.clock` nor its timers, and
   * `maxMessagesPerSecond` (the one reader of `clock.currentTime`) stays Infinity: the frame
   * edge (rooms/edge/frameEdge.ts) limits messages on its own clock.
   */
  protected patchOnlyOnChange(): void {
    const room = this as unknown as { _simulationInterval?: unknown };
    if (!room._simulationInterval) {
      const settled = setInterval(() => undefined, 2 ** 30);
      clearInterval(settled); // clearing it again at dispose is harmless
      room._simulationInterval = settled;
    }
    this.patchRate = null;
  }

  /** The process's logger: a failed callback is logged with it (roomTimers.ts `guarded`). */
  get logger(): Logger {
    return this.services.logger;
  }

  /** This room's services (rooms/services.ts). */
  protected get services(): RoomServices {
    return (this.constructor as typeof ServicedRoom).services;
  }
}
