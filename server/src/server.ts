/**
 * Starts a Baton server from its app config: builds the Colyseus server and listens on the
 * configured host and port. `npm start` and the tests both start servers this way.
 */
import type { EventEmitter } from "node:events";
import http from "node:http";
import { defineServer, matchMaker, type Server } from "@colyseus/core";
import type { RoomServices } from "./rooms/services.ts";
import { createAppConfig } from "./app.ts";
import { ListenError, describeListenFailure } from "./listenError.ts";
import { installShutdown } from "./shutdown.ts";
import { publishPublicAddress } from "./rooms/cluster/publicAddresses.ts";

export interface StartOptions {
  port?: number;
  host?: string;
  /** SIGINT/SIGTERM close rooms gracefully, flush the store and exit (server/src/shutdown.ts; off in in-process tests). */
  gracefullyShutdown?: boolean;
}

export async function startServer(services: RoomServices, options: StartOptions = {}): Promise<Server> {
  const { port = services.config.port, host = services.config.host, gracefullyShutdown = true } = options;
  const app = createAppConfig(services);
  const httpServer = http.createServer();
  const transport = app.initializeTransport({ server: httpServer });
  const server = defineServer({
    ...app.options,
    gracefullyShutdown,
    // Local defaults without REDIS_URL; RedisPresence + RedisDriver and this process's address with it.
    presence: services.cluster.presence,
    driver: services.cluster.driver,
    publicAddress: services.cluster.publicAddress,
    rooms: app.rooms,
    express: app.initializeExpress,
    transport,
  });
  if (gracefullyShutdown) installShutdown(server, services);
  await matchMaker.onReady;
  // In a cluster: where pages reach this process, for the dashboard's CSP on every process.
  const { presence, publicAddress } = services.cluster;
  if (presence && publicAddress) await publishPublicAddress(presence, matchMaker.processId, publicAddress);
  // Colyseus' listen() never settles when the port is taken (the error arrives as an event
  // on the HTTP server); race it against that event so start-up fails with a sentence.
  let onListenError: (error: NodeJS.ErrnoException) => void = () => undefined;
  const listenFailed = new Promise<never>((_, reject) => {
    onListenError = (error) => reject(new ListenError(describeListenFailure(error, port, host), { cause: error }));
    httpServer.once("error", onListenError);
  });
  // The WebSocket server re-emits the HTTP server's errors, and the transport prints each
  // with its stack: while listening is attempted the sentence above is the only word.
  const wss = (transport as unknown as { wss?: EventEmitter }).wss;
  const wssErrorListeners = wss?.listeners("error") ?? [];
  for (const listener of wssErrorListeners) wss!.off("error", listener as (...args: unknown[]) => void);
  const ignore = () => undefined;
  wss?.on("error", ignore);
  try {
    await Promise.race([server.listen(port, host), listenFailed]);
  } finally {
    httpServer.off("error", onListenError);
    wss?.off("error", ignore);
    for (const listener of wssErrorListeners) wss!.on("error", listener as (...args: unknown[]) => void);
  }
  return server;
}
