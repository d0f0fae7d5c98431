/**
 * Starts a Baton server from an app config: builds the Colyseus server (the same way
 * `@colyseus/tools` does) and listens on the configured host and port.
 */
import http from "node:http";
import { defineServer, matchMaker, type Server } from "@colyseus/core";
import type { RoomServices } from "./rooms/services.ts";
import { createAppConfig } from "./app.ts";
import { ListenError, describeListenFailure } from "./listenError.ts";

export async function startServer(services: RoomServices, port = services.config.port, host = services.config.host): Promise<Server> {
  const app = createAppConfig(services);
  const httpServer = http.createServer();
  const transport = await app.initializeTransport!({ server: httpServer });
  const server = defineServer({
    ...(app.options ?? {}),
    rooms: app.rooms ?? {},
    express: app.initializeExpress,
    transport,
  });
  await matchMaker.onReady;
  // Colyseus' listen() never settles when the port is taken (the error arrives as an event
  // on the HTTP server); race it against that event so start-up fails with a sentence.
  let onListenError: (error: NodeJS.ErrnoException) => void = () => undefined;
  const listenFailed = new Promise<never>((_, reject) => {
    onListenError = (error) => reject(new ListenError(describeListenFailure(error, port, host), { cause: error }));
    httpServer.once("error", onListenError);
  });
  try {
    await Promise.race([server.listen(port, host), listenFailed]);
  } finally {
    httpServer.off("error", onListenError);
  }
  return server;
}
