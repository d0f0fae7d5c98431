/**
 * Who sees what of a device room's state, with as few `StateView`s as possible.
 *
 * Colyseus encodes a patch once per view *instance* and sends that encoding to every client
 * holding the instance (`SchemaSerializer.applyPatches` caches per view). With a view per
 * connection, each patch was encoded once per spectator — the bulk of the fan-out cost. So:
 *
 *   - every spectator connection shares ONE view: the device, the session, the queue's
 *     public part (its length, an open offer) and the public telemetry channels, never the owner data (inputs and results) nor
 *     a waiting user's seat. Nothing is ever added to it after it is made.
 *   - a connection that is to see the owner data (its user holds the device) or its user's
 *     queue seat (position, ETA, offer) first gets a view of its own — the same device and session, plus `state.owner` — and keeps it
 *     (when its user's session ends the owner data is removed from that view, as before).
 *   - the device shares one empty view: it receives no schema state.
 *
 * A connection's own view starts "in step" with the shared one: the client already has the
 * device and session, so the ADD operations `view.add` records for them are dropped; only
 * what is added afterwards (the owner data) is sent to it.
 */
import { StateView } from "@colyseus/schema";
import type { DeviceRoomState } from "@baton/protocol/state";

interface Viewer {
  view?: StateView;
}

export class RoomViews {
  /** The one view all spectators share: device and session. */
  readonly spectators: StateView;
  /** The device's view: empty. */
  readonly device = new StateView();

  constructor(private readonly state: DeviceRoomState) {
    this.spectators = this.publicView();
  }

  /** The view a connection gets that may see the owner data: its own, made on first need. */
  ownViewOf(client: Viewer): StateView {
    if (client.view && client.view !== this.spectators && client.view !== this.device) return client.view;
    const own = this.publicView();
    client.view = own;
    return own;
  }

  /** True when the connection has a view of its own (it holds, or has held, the device). */
  hasOwnView(client: Viewer): boolean {
    return client.view !== undefined && client.view !== this.spectators && client.view !== this.device;
  }

  /** A view of the device, the session and the queue, with nothing pending: what every user already has. */
  private publicView(): StateView {
    const view = new StateView();
    view.add(this.state.device);
    view.add(this.state.session);
    view.add(this.state.queue);
    view.add(this.state.telemetry); // public telemetry channels (issue 24); owner-only ones live in state.owner
    view.changes.clear();
    view.changesOutOfOrder = false;
    return view;
  }
}
