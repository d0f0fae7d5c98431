/**
 * Raw-protocol clients for the benchmarks: an owner, a device and spectators for Baton
 * (HTTP matchmaking + `ws` + the simulator's framing code, the same bytes the firmware
 * sends), and the same three roles for the bare `ws` relay (bench/baseline/relay.ts).
 *
 * Both systems are driven through one small interface (`Endpoint`), so the measuring code
 * cannot treat them differently. Nothing here decodes schema state: spectators only count
 * ROOM_STATE_PATCH frames, which is what a change reaching a viewer costs on the wire.
 */
import WebSocket from "ws";
import { decodeFrame, encodeJoinAck, encodeRoomData, FrameCode } from "../../client/src/simulator/framing.ts";
import { matchmakeDevice, roomSocketUrl, type SeatReservation } from "../../client/src/simulator/matchmake.ts";
import { getInstrument } from "../../client/src/simulator/instruments.ts";

export type SystemName = "relay" | "baton";

/** Where a system under test listens and which device (room) a benchmark uses. */
export interface Target {
  system: SystemName;
  baseUrl: string;
  deviceId: string;
  /** Baton only: the device's secret (dev registry: dev-secret-<id>). */
  deviceSecret?: string;
  /** Baton only: where users matchmake, when not `baseUrl` (S5: the device on process A, users through B). */
  userBaseUrl?: string;
}

/** A decoded ROOM_DATA message; everything else is handed over as its frame code. */
export type Incoming = { type: string; payload: any } | { frameCode: number };

/** One open, joined connection. `onMessage` is called synchronously from the socket's event. */
export interface Endpoint {
  send(type: string, payload?: unknown): void;
  onMessage(handler: (message: Incoming) => void): void;
  close(): Promise<void>;
}

/** The session type the bench device declares: the simulator scale's own "weighing". */
export const BENCH_SESSION_TYPE = getInstrument("scale").sessionTypes[0];
export const BENCH_INPUT = { userAge: 25, userGender: "female" };
export const BENCH_OUTPUT = { weight: 72.4, unit: "kg", stable: true };

const CONNECT_TIMEOUT_MS = 10_000;

// ------------------------------------------------------------------ Baton

/** Mints a development user token (`POST /dev/token`, development mode only). */
export async function devToken(baseUrl: string, userId: string): Promise<string> {
  const response = await fetch(`${baseUrl}/dev/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId, name: userId }),
    signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`POST /dev/token answered ${response.status}: is Baton running with BATON_ENV=development?`);
  return ((await response.json()) as { token: string }).token;
}

/** A user's seat: the matchmaking POST a web client's SDK makes, done by hand. */
async function matchmakeUser(baseUrl: string, deviceId: string, token: string): Promise<SeatReservation> {
  const response = await fetch(`${baseUrl}/matchmake/joinOrCreate/device`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ deviceId }),
    signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`user matchmaking for ${deviceId} answered ${response.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as SeatReservation;
}

/**
 * Opens the room socket, answers JOIN_ROOM with the one-byte ack, and resolves once joined.
 * `skipHandshake=1` leaves the schema reflection out: these clients never decode state.
 */
function joinRoomSocket(url: string): Promise<Endpoint> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    let handler: (message: Incoming) => void = () => {};
    let joined = false;
    const timer = setTimeout(() => fail(new Error(`no JOIN_ROOM from ${url} within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
    function fail(error: Error) {
      clearTimeout(timer);
      socket.terminate();
      reject(error);
    }
    socket.on("error", (error) => { if (!joined) fail(error); });
    socket.on("close", (code, reason) => { if (!joined) fail(new Error(`socket closed before joining: ${code} ${reason}`)); });
    socket.on("message", (data: Buffer) => {
      const code = data[0]!;
      if (!joined) {
        if (code !== FrameCode.JOIN_ROOM) return fail(new Error(`expected JOIN_ROOM, got frame 0x${code.toString(16)}`));
        joined = true;
        clearTimeout(timer);
        socket.send(encodeJoinAck());
        resolve(endpointOf(socket, (h) => { handler = h; }));
        return;
      }
      if (code === FrameCode.ROOM_DATA) {
        const decoded = decodeFrame(data);
        if (decoded.ok && decoded.frame.kind === "roomData") handler({ type: String(decoded.frame.type), payload: decoded.frame.payload });
        return;
      }
      handler({ frameCode: code });
    });
  });
}

/** `hello` may carry more (S6: telemetry channels). */
export async function batonDevice(target: Target, helloExtra: Record<string, unknown> = {}): Promise<Endpoint> {
  const seat = await matchmakeDevice({ baseUrl: target.baseUrl, deviceId: target.deviceId, secret: target.deviceSecret ?? `dev-secret-${target.deviceId}` });
  const device = await joinRoomSocket(roomSocketUrl(target.baseUrl, seat, { skipHandshake: true }));
  // `hello` declares the session type; the device is online once the `welcome` comes back.
  const welcomed = nextOf(device, "welcome");
  device.send("hello", { firmware: "baton-bench/1", sessionTypes: [BENCH_SESSION_TYPE], ...helloExtra });
  await welcomed;
  return device;
}

export async function batonUser(target: Target, userId: string, token?: string): Promise<Endpoint> {
  const baseUrl = target.userBaseUrl ?? target.baseUrl;
  const seat = await matchmakeUser(baseUrl, target.deviceId, token ?? (await devToken(baseUrl, userId)));
  return joinRoomSocket(roomSocketUrl(baseUrl, seat, { skipHandshake: true }));
}

// ------------------------------------------------------------------ relay

function relayConnect(target: Target, role: "owner" | "device" | "spectator"): Promise<Endpoint> {
  const url = `${target.baseUrl.replace(/^http/, "ws")}/?role=${role}&room=${encodeURIComponent(target.deviceId)}`;
  // The relay has no JOIN_ROOM step, but it sends one so the join path stays the same shape.
  return joinRoomSocket(url);
}

// ------------------------------------------------------------------ either system

export function connectDevice(target: Target, helloExtra: Record<string, unknown> = {}): Promise<Endpoint> {
  return target.system === "baton" ? batonDevice(target, helloExtra) : relayConnect(target, "device");
}

/** Baton: every user joins as a spectator and becomes the owner by claiming; the relay is told the role. */
export function connectUser(target: Target, role: "owner" | "spectator", userId: string, token?: string): Promise<Endpoint> {
  return target.system === "baton" ? batonUser(target, userId, token) : relayConnect(target, role);
}

/**
 * A device that answers every `start` with its `result` at once, carrying the start's epoch
 * and run id — the fastest possible instrument, so the figure is the server's, not the scale's.
 */
export function answerStartsImmediately(device: Endpoint) {
  device.onMessage((message) => {
    if ("type" in message && message.type === "start") {
      device.send("result", { epoch: message.payload.epoch, runId: message.payload.runId, output: BENCH_OUTPUT });
    }
  });
}

/**
 * Heartbeats every 5 s, as protocol §7.5 asks of every device (the simulator does the same).
 * Without them Baton drops a device the moment a claim arrives after more than
 * BATON_DEVICE_SILENCE_TIMEOUT_MS of idle silence (its silence window runs from the last
 * message, not from the claim) — see docs/BENCHMARKS.md, "Findings".
 */
export function sendHeartbeats(device: Endpoint): () => void {
  const bootedAt = performance.now();
  const timer = setInterval(() => device.send("heartbeat", { uptimeMs: Math.round(performance.now() - bootedAt) }), 5_000);
  return () => clearInterval(timer);
}

/** The next ROOM_DATA message of `type` (with a timeout, so nothing waits for ever). */
export function nextOf(endpoint: Endpoint, type: string, timeoutMs = CONNECT_TIMEOUT_MS): Promise<any> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${type}" within ${timeoutMs} ms`)), timeoutMs);
    endpoint.onMessage((message) => {
      if ("type" in message && message.type === type) {
        clearTimeout(timer);
        resolve(message.payload);
      }
    });
  });
}

function endpointOf(socket: WebSocket, setHandler: (handler: (message: Incoming) => void) => void): Endpoint {
  return {
    send(type, payload) {
      socket.send(encodeRoomData(type, payload));
    },
    onMessage: setHandler,
    close() {
      return new Promise((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        const timer = setTimeout(() => { socket.terminate(); resolve(); }, 2_000);
        socket.once("close", () => { clearTimeout(timer); resolve(); });
        try {
          socket.send(Uint8Array.of(FrameCode.LEAVE_ROOM));
        } catch {
          // already closing
        }
        socket.close();
      });
    },
  };
}

/** Runs `task` over `items` with at most `concurrency` in flight (connection set-up). */
export async function inBatches<T, R>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
