/**
 * Network-loss helpers for SDK connections: connect through a TCP proxy, cut it (as a
 * pulled cable or a dead Wi-Fi does), and come back with the reconnection token.
 */
import { Client } from "@colyseus/sdk";
import { DeviceSession, joinDevice } from "../support/deviceSession.ts";
import { DeviceRoomState } from "@baton/protocol/state";
import { startTcpProxy, type TcpProxy } from "./tcpProxy.ts";

export interface CuttableSession {
  session: DeviceSession;
  proxy: TcpProxy;
  /** Cuts the network; returns the token to reconnect with. The SDK's own retry is off so the test decides. */
  cut(): string;
}

export async function joinThroughProxy(serverPort: number, token: string, deviceId: string): Promise<CuttableSession> {
  const proxy = await startTcpProxy(serverPort);
  const session = await joinDevice({ url: proxy.httpUrl, token, deviceId });
  (session.room as any).reconnection.enabled = false;
  return {
    session,
    proxy,
    cut() {
      const reconnectionToken = session.room.reconnectionToken;
      proxy.cut();
      return reconnectionToken;
    },
  };
}

export async function reconnect(httpUrl: string, token: string): Promise<DeviceSession> {
  const room = await new Client(httpUrl).reconnect(token, DeviceRoomState);
  return new DeviceSession(room);
}
