/**
 * Why the server could not listen, as one sentence an operator can act on. Node reports a
 * busy port as an `error` event on the HTTP server, which Colyseus' `listen()` never turns
 * into a rejection: the process would log EADDRINUSE and hang, looking alive to an init
 * system. `startServer` races listening against that event and throws this instead.
 */
export class ListenError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = "ListenError";
  }
}

/** The sentence for a failed `listen(port, host)`, naming the variables that choose them. */
export function describeListenFailure(error: NodeJS.ErrnoException, port: number, host: string): string {
  const where = `port ${port} on ${host}`;
  const choose = "BATON_PORT sets the port and BATON_HOST the interface";
  switch (error.code) {
    case "EADDRINUSE":
      return `Cannot listen: ${where} is already in use by another process. Stop that process or choose a free port (${choose}).`;
    case "EACCES":
      return `Cannot listen: ${where} needs privileges this process does not have (ports below 1024 usually do). Choose a port of 1024 or above (${choose}).`;
    case "EADDRNOTAVAIL":
      return `Cannot listen: ${host} is not an address of this machine, so ${where} cannot be opened. Choose one of its addresses (${choose}).`;
    default:
      return `Cannot listen on ${where}: ${error.message} (${choose}).`;
  }
}
