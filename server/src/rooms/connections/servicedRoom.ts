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

  /** The process's logger: a failed callback is logged with it (roomTimers.ts `guarded`). */
  get logger(): Logger {
    return this.services.logger;
  }

  /** This room's services (rooms/services.ts). */
  protected get services(): RoomServices {
    return (this.constructor as typeof ServicedRoom).services;
  }
}
