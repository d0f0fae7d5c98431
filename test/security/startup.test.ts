/**
 * Start-up on a port that is already taken must fail loudly and at once: exit non-zero
 * with a sentence naming the port and the variables that choose it, instead of logging
 * EADDRINUSE and hanging (an init system would think the server is up).
 */
import net from "node:net";
import { afterAll, expect, it } from "vitest";
import { freePort } from "../support/baton.ts";
import { spawnServer, stopAllServers, writeTestRegistry, PRODUCTION_JWT_SECRET } from "../support/serverProcess.ts";

afterAll(stopAllServers);

it("exits non-zero at once, naming the port, BATON_PORT and BATON_HOST, when the port is taken", async () => {
  const port = await freePort();
  const occupant = net.createServer();
  await new Promise<void>((resolve) => occupant.listen(port, "127.0.0.1", resolve));
  try {
    const server = await spawnServer({
      BATON_ENV: "production",
      BATON_JWT_SECRET: PRODUCTION_JWT_SECRET,
      BATON_DEVICES_FILE: await writeTestRegistry(),
      BATON_HOST: "127.0.0.1",
      BATON_PORT: String(port),
    });
    const timeout = new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), 15_000));
    const outcome = await Promise.race([server.exited, timeout]);
    expect(outcome, `stderr:\n${server.stderr}`).not.toBe("still running");
    expect(outcome).not.toBe(0);
    expect(server.stderr).toContain(`port ${port}`);
    expect(server.stderr).toContain("BATON_PORT");
    expect(server.stderr).toContain("BATON_HOST");
    expect(server.stderr).toContain("already in use");
    // Only the sentence: no stack trace of the listen error before it (issue 22 item 5).
    expect(server.stderr).toMatch(/^baton: Cannot listen: port \d+ on 127\.0\.0\.1 is already in use by another process\. [^\n]*\n$/);
  } finally {
    occupant.close();
  }
}, 30_000);
