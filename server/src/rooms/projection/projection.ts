/**
 * Core state → schema state, per device room: the device, the session and the line are
 * mirrored (stateMirror.ts, queueMirror.ts), and the owner data follows the holder — a new
 * `OwnerData` per holder, in the views of that user's connections only (views.ts), so the old
 * holder's view can never see the next one's data. Seats go only into views of their user's
 * own (never the spectators' shared one).
 */
import type { Client } from "@colyseus/core";
import type { DeviceRoomState } from "@baton/protocol/state";
import type { CoreState, DurationSamples } from "../../session/index.ts";
import { mirrorQueue, showSeat } from "./queueMirror.ts";
import { freshOwnerData, mirrorDevice, mirrorSession } from "./stateMirror.ts";
import { RoomViews } from "./views.ts";
import { mirrorViewers, type Viewer } from "./viewersMirror.ts";

export class Projection {
  /** The shared spectator view and the device's (views.ts). */
  readonly views: RoomViews;
  /** Which user's connections currently have `state.owner` in their view. */
  private ownerViewUserId: string | null = null;

  /** `viewers`: the users watching now, for the holder's "Hand over to…" (viewersMirror.ts). */
  constructor(private readonly state: DeviceRoomState, private readonly connectionsOf: (userId: string) => Iterable<Client>, private readonly viewers: () => Iterable<Viewer> = () => []) {
    this.views = new RoomViews(state);
  }

  /** Projects the core into schema state and moves the owner view. */
  project(core: CoreState, samples: DurationSamples, now: number): void {
    const holderId = core.session?.holder.userId ?? null;
    if (holderId !== this.ownerViewUserId) {
      if (this.ownerViewUserId) {
        for (const client of this.connectionsOf(this.ownerViewUserId)) {
          if (this.views.hasOwnView(client)) client.view!.remove(this.state.owner);
        }
      }
      // A new OwnerData per holder: the old holder's view can never see the next one's data.
      this.state.owner = freshOwnerData();
      this.ownerViewUserId = holderId;
      if (holderId) {
        for (const client of this.connectionsOf(holderId)) this.views.ownViewOf(client).add(this.state.owner);
      }
    }
    mirrorDevice(core, this.state, now);
    mirrorSession(core, this.state);
    mirrorViewers(this.state, holderId, this.viewers());
    // Seats go only into views of their user's own (never the spectators' shared one).
    mirrorQueue(core, this.state, samples, now, (userId, create) =>
      [...this.connectionsOf(userId)].map((client) => (create || this.views.hasOwnView(client) ? this.views.ownViewOf(client) : undefined)));
  }

  /** Someone came or went: the holder's list of viewers follows. Whether it changed (then a patch is due). */
  viewersChanged(core: CoreState): boolean {
    return mirrorViewers(this.state, core.session?.holder.userId ?? null, this.viewers());
  }

  /** A user's connection joined or came back: the owner data if that user holds the device, their seat if they wait. */
  userConnected(client: Client, userId: string): void {
    // A connection that was away while its user took the device again (from another tab)
    // missed the view change; the current owner data is added here. Any older OwnerData it
    // still holds is detached from the state and receives nothing.
    if (this.ownerViewUserId === userId) this.views.ownViewOf(client).add(this.state.owner);
    // A waiting user sees their own seat (position, ETA, offer): through a view of their own.
    if (this.state.seats.has(userId)) showSeat(this.state, userId, this.views.ownViewOf(client));
  }
}
