/**
 * Tools for the security suite: a production-mode Baton in this process, and raw HTTP and
 * WebSocket access the way an attacker has it — any method, any body, any source address
 * on the loopback network (127.0.0.2 is another host as far as the server can tell).
 */
import http from "node:http";
import WebSocket from "ws";
import { isErrorCode } from "@baton/protocol";
import { startBaton, type TestBaton } from "../support/baton.ts";
import type { BatonConfig } from "@baton/server/config/config.ts";
import type { SessionTimers } from "@baton/server/session/index.ts";

export function startProductionBaton(overrides: { config?: Partial<BatonConfig>; timers?: Partial<SessionTimers> } = {}): Promise<TestBaton> {
  return startBaton({ ...overrides, config: { mode: "production", ...overrides.config } });
}

export interface HttpAnswer {
  status: number;
  body: any;
  text: string;
  headers: http.IncomingHttpHeaders;
}

export interface RequestOptions {
  token?: string;
  /** The client's source address, e.g. "127.0.0.2" to be another host than the tests' default. */
  localAddress?: string;
  headers?: Record<string, string>;
}

/** POST /matchmake/<method>/<target> with `body` (an object is sent as JSON, a string or Buffer as is). */
export function matchmake(httpUrl: string, method: string, target: string, body: unknown, options: RequestOptions = {}): Promise<HttpAnswer> {
  const payload = typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return request(httpUrl, "POST", `/matchmake/${method}/${target}`, payload, {
    ...options,
    headers: { "content-type": "application/json", ...options.headers },
  });
}

export function request(httpUrl: string, method: string, path: string, body: string | Buffer | undefined, options: RequestOptions = {}): Promise<HttpAnswer> {
  const url = new URL(path, httpUrl);
  return new Promise((resolve, reject) => {
    const outgoing = http.request({
      host: url.hostname, port: url.port, path: url.pathname + url.search, method,
      localAddress: options.localAddress,
      agent: false,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(body !== undefined && !options.headers?.["transfer-encoding"] ? { "content-length": Buffer.byteLength(body) } : {}),
        ...options.headers,
      },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let parsed: unknown;
        try { parsed = JSON.parse(text); } catch { parsed = undefined; }
        resolve({ status: response.statusCode ?? 0, body: parsed, text, headers: response.headers });
      });
    });
    outgoing.on("error", reject);
    if (body !== undefined) outgoing.write(body);
    outgoing.end();
  });
}

/**
 * The Baton code of a refusal: a matchmaking error's `errorCode` field — which must agree with
 * the `"<CODE>: "` prefix its text keeps for older clients — or an API refusal's `code`.
 */
export function codeOf(answer: HttpAnswer): string | undefined {
  if (typeof answer.body?.error !== "string") return answer.body?.code;
  const prefix = answer.body.error.split(":")[0];
  if (isErrorCode(prefix) && answer.body.errorCode !== prefix) {
    throw new Error(`matchmaking answer ${JSON.stringify(answer.body)} lacks errorCode ${prefix}`);
  }
  return answer.body.errorCode ?? prefix;
}

export interface Seat {
  sessionId: string;
  roomId: string;
  processId: string;
}

/** Opens the WebSocket of a reserved seat; `acknowledge` sends the JOIN_ROOM byte as a real client does. */
export async function openSeat(httpUrl: string, seat: Seat, acknowledge = true): Promise<{ socket: WebSocket; frames: Buffer[]; closed: Promise<number> }> {
  const socket = new WebSocket(`${httpUrl.replace("http", "ws")}/${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId}`);
  const frames: Buffer[] = [];
  const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.once("message", (data: Buffer) => {
      frames.push(Buffer.from(data));
      if (acknowledge) socket.send(Buffer.from([0x0a]));
      resolve();
    });
  });
  socket.on("message", (data: Buffer) => frames.push(Buffer.from(data)));
  return { socket, frames, closed };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident set size in MB, after a garbage collection when node runs with --expose-gc. */
export function rssMegabytes(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss / 1_048_576;
}
