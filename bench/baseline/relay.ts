/**
 * The floor: a bare `ws` relay doing the same exchange as Baton, with nothing else.
 *
 *   owner ──claim──▶ relay ──start──▶ device ──result──▶ relay ──result──▶ owner (+ ack to device)
 *
 * It speaks the same frames as Colyseus (ROOM_DATA = 0x0D, type, msgpack payload) through
 * the simulator's framing code, decodes every payload and encodes every reply, keeps one
 * holder per room with an epoch and a run id, and refuses a second claim with DEVICE_BUSY,
 * so its work per operation is the least a real server must do: parse, decide, re-encode,
 * send. It has no authentication, no schema validation, no state sync, no store.
 * Spectators get one small 0x0F frame per change, standing in for a state patch, and every
 * `telemetry` sample re-encoded as it came (S6).
 *
 *   node --import tsx bench/baseline/relay.ts --port 0     (prints "relay listening on <port>")
 *
 * Connect with ws://127.0.0.1:<port>/?role=owner|device|spectator&room=<id>. Like Colyseus
 * it opens with a JOIN_ROOM frame, which clients answer with the byte 0x0A.
 */
import http from "node:http";
import { parseArgs } from "node:util";
import { WebSocketServer, type WebSocket } from "ws";
import { decodeFrame, encodeJoinRoom, encodeRoomData, FrameCode } from "../../client/src/simulator/framing.ts";

interface RelayRoom {
  device: WebSocket | null;
  owners: Set<WebSocket>;
  spectators: Set<WebSocket>;
  holder: WebSocket | null;
  epoch: number;
  run: { runId: string; sessionType: string } | null;
  releaseOnComplete: boolean;
}

const { values } = parseArgs({ options: { port: { type: "string", default: "0" }, host: { type: "string", default: "127.0.0.1" } } });

const rooms = new Map<string, RelayRoom>();
let runCounter = 0;
/** About the size of a Baton spectator patch for a claim (phase, epoch, holder, times). */
const PATCH = Uint8Array.from({ length: 48 }, (_, i) => (i === 0 ? FrameCode.ROOM_STATE_PATCH : i));

function roomOf(id: string): RelayRoom {
  let room = rooms.get(id);
  if (!room) {
    room = { device: null, owners: new Set(), spectators: new Set(), holder: null, epoch: 0, run: null, releaseOnComplete: false };
    rooms.set(id, room);
  }
  return room;
}

function broadcastPatch(room: RelayRoom) {
  for (const spectator of room.spectators) spectator.send(PATCH);
  for (const owner of room.owners) owner.send(PATCH);
}

function endSession(room: RelayRoom) {
  room.holder = null;
  room.run = null;
  room.releaseOnComplete = false;
}

function onUserFrame(room: RelayRoom, socket: WebSocket, type: string, payload: any) {
  if (type === "claim") {
    if (room.holder) {
      socket.send(encodeRoomData("error", { code: "DEVICE_BUSY", message: "Device is held by another user.", request: type }));
      return;
    }
    room.holder = socket;
    room.epoch += 1;
    broadcastPatch(room);
    if (payload?.sessionType) {
      room.run = { runId: `r-${(++runCounter).toString(36)}-${room.epoch}`, sessionType: payload.sessionType };
      room.releaseOnComplete = Boolean(payload.releaseOnComplete);
      room.device?.send(encodeRoomData("start", { epoch: room.epoch, runId: room.run.runId, sessionType: room.run.sessionType, input: payload.input ?? {}, deadlineMs: 30_000 }));
    }
  } else if (type === "release" && room.holder === socket) {
    endSession(room);
    broadcastPatch(room);
  }
}

function onDeviceFrame(room: RelayRoom, type: string, payload: any) {
  if (type === "telemetry") return relayTelemetry(room, payload);
  if (type !== "result" || !room.run || payload?.epoch !== room.epoch || payload?.runId !== room.run.runId) return;
  const { runId, sessionType } = room.run;
  const holder = room.holder;
  if (room.releaseOnComplete) endSession(room);
  else room.run = null;
  holder?.send(encodeRoomData("result", { runId, sessionType, output: payload.output }));
  room.device?.send(encodeRoomData("ack", { runId }));
  broadcastPatch(room);
}

/**
 * S6: a device's telemetry sample, re-encoded once and sent to everyone watching — the least
 * a server must do per sample (no declaration check, no coalescing, no state, no ring).
 */
function relayTelemetry(room: RelayRoom, payload: any) {
  if (typeof payload?.values !== "object" || payload.values === null) return;
  const frame = encodeRoomData("telemetry", { values: payload.values, at: Date.now() });
  for (const spectator of room.spectators) spectator.send(frame);
  for (const owner of room.owners) owner.send(frame);
}

const server = http.createServer((request, response) => {
  response.writeHead(request.url === "/health" ? 200 : 404, { "content-type": "application/json" });
  response.end(JSON.stringify({ status: "ok", rooms: rooms.size }));
});
const wss = new WebSocketServer({ server, maxPayload: 16 * 1024 });

wss.on("connection", (socket, request) => {
  const query = new URL(request.url ?? "/", "http://relay").searchParams;
  const role = query.get("role");
  const room = roomOf(query.get("room") ?? "default");
  if (role === "device") room.device = socket;
  else if (role === "owner") room.owners.add(socket);
  else room.spectators.add(socket);
  socket.send(encodeJoinRoom("relay", "none"));
  socket.on("message", (data: Buffer) => {
    if (data[0] !== FrameCode.ROOM_DATA) return; // the join ack, leave, pings
    const decoded = decodeFrame(data);
    if (!decoded.ok || decoded.frame.kind !== "roomData") return;
    const type = String(decoded.frame.type);
    if (role === "device") onDeviceFrame(room, type, decoded.frame.payload);
    else if (role === "owner") onUserFrame(room, socket, type, decoded.frame.payload);
  });
  socket.on("close", () => {
    if (room.device === socket) room.device = null;
    room.owners.delete(socket);
    room.spectators.delete(socket);
    if (room.holder === socket) endSession(room);
  });
});

server.listen(Number(values.port), values.host, () => {
  const address = server.address();
  console.log(`relay listening on ${typeof address === "object" && address ? address.port : values.port}`);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const client of wss.clients) client.terminate();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1_000).unref();
  });
}
