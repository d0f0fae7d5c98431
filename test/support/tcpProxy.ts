/**
 * A loopback TCP proxy in front of the test server, so a test can cut a client's network
 * for real: `cut()` resets every connection that passed through it (no WebSocket close
 * frame, no FIN), exactly what a dead Wi-Fi link looks like to the server.
 */
import net from "node:net";

export interface TcpProxy {
  /** Base URL to give the client instead of the server's. */
  httpUrl: string;
  cut(): void;
  /** Stops forwarding in both directions while keeping the sockets open: packets vanish, nothing closes. */
  freeze(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => socket.destroy());
    }
    client.on("data", (chunk) => { if (!frozen) upstream.write(chunk); });
    upstream.on("data", (chunk) => { if (!frozen) client.write(chunk); });
  });
  let frozen = false;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    httpUrl: `http://127.0.0.1:${port}`,
    freeze() {
      frozen = true;
    },
    cut() {
      for (const socket of sockets) socket.resetAndDestroy();
      sockets.clear();
    },
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
