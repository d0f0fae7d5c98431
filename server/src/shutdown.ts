/**
 * What SIGTERM / SIGINT do to a running Baton (docs: README "Shutdown"):
 * 1. draining: /readyz answers 503 `unready` and new joins are refused with SERVER_BUSY
 *    ("shutting down"), so a load balancer and the SDK go elsewhere;
 * 2. Colyseus disposes every room: each connection is closed with code 4001
 *    (`SERVER_SHUTDOWN`); each room finishes its pending store writes in `onDispose`, so the
 *    stored state — epoch, holder, run in flight — is what a restarted server continues;
 * 3. the store is flushed and closed, and the process exits 0;
 * 4. if that has not happened within BATON_SHUTDOWN_TIMEOUT_MS, the process says so and exits 1.
 * Colyseus' own signal handlers drive steps 2–3; Baton hooks before and after them.
 */
import { matchMaker, type Server } from "@colyseus/core";
import { withdrawPublicAddress } from "./rooms/cluster/publicAddresses.ts";
import type { RoomServices } from "./rooms/services.ts";

const SIGNALS: NodeJS.Signals[] = ["SIGTERM", "SIGINT"];

export function installShutdown(server: Server, services: RoomServices): void {
  server.onBeforeShutdown(async () => {
    services.readiness.draining = true;
    // Pages loaded from now on need not reach this process (the others drop a dead one's entry themselves).
    const presence = services.cluster.presence;
    if (presence && services.cluster.publicAddress) await withdrawPublicAddress(presence, matchMaker.processId).catch(() => undefined);
    services.logger.info({ event: "server.stopping", timeoutMs: services.config.shutdownTimeoutMs }, "server.stopping");
  });
  server.onShutdown(async () => {
    await services.close();
    services.logger.info({ event: "server.stopped" }, "server.stopped");
  });
  for (const signal of SIGNALS) {
    process.once(signal, () => {
      // The bound: whatever hangs (a store that does not answer, a room that will not go),
      // the process ends. unref: it never keeps a finished process alive.
      setTimeout(() => {
        services.logger.error({ event: "server.shutdown_timeout", timeoutMs: services.config.shutdownTimeoutMs }, "shutdown did not finish in time; exiting");
        process.exit(1);
      }, services.config.shutdownTimeoutMs).unref();
    });
  }
}
