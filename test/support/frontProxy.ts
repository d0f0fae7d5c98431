/**
 * A loopback TCP front for several server processes, standing in for the load balancer of
 * docs/SCALING.md: each new connection goes to the next process in turn, and to the one
 * after it when that one refuses the connection (a dead process) — nginx's `upstream` with
 * `proxy_next_upstream error`. Clients use it for matchmaking; their WebSockets go to the
 * seat's `publicAddress`, the process that holds the room.
 */
import net from "node:net";

export interface FrontProxy {
  httpUrl: string;
  close(): Promise<void>;
}

export async function startFrontProxy(ports: number[]): Promise<FrontProxy> {
  const sockets = new Set<net.Socket>();
  let next = 0;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    track(client);
    client.pause();
    const first = next++ % ports.length;
    const connect = (tried: number) => {
      if (tried === ports.length) return client.destroy();
      const upstream = net.connect(ports[(first + tried) % ports.length], "127.0.0.1");
      let connected = false;
      upstream.once("error", () => {
        if (!connected) connect(tried + 1);
      });
      upstream.once("connect", () => {
        connected = true;
        track(upstream);
        upstream.on("error", () => client.destroy());
        client.on("error", () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    connect(0);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    httpUrl: `http://127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
