/**
 * Starts a Baton server from an app config: builds the Colyseus server (the same way
 * `@colyseus/tools` does) and listens on the configured host and port.
 */
import http from "node:http";
import { defineServer, matchMaker, type Server } from "@colyseus/core";
import type { RoomServices } from "./rooms/services.ts";
import { createAppConfig } from "./app.ts";

export async function startServer(services: RoomServices, port = services.config.port, host = services.config.host): Promise<Server> {
  const app = createAppConfig(services);
  const transport = await app.initializeTransport!({ server: http.createServer() });
  const server = defineServer({
    ...(app.options ?? {}),
    rooms: app.rooms ?? {},
    express: app.initializeExpress,
    transport,
  });
  await matchMaker.onReady;
  await server.listen(port, host);
  return server;
}
