/**
 * Memory and timers of idle device rooms, counted in one process (issue 20 item 4):
 * `N` device rooms are created with no connection at all and kept (autoDispose off), then
 * the heap (after a full GC), the typed arrays' backing stores (outside the heap) and the
 * active timers are compared with before. This is the
 * room alone — what the device's socket costs is S3's business (bench/scenarios/).
 *
 *   node --expose-gc --conditions=@baton/source --import tsx scripts/measure-idle-rooms.ts [N ≤ 100]
 *
 * From source, tsx (esbuild's keepNames) gives every arrow function in an object literal a
 * `name` property of its own, about 250 bytes each (~6 KB per device room, heap snapshot of
 * 2026-12-07); the build (`npm run build`, tsc) has none, so the heap figure here is an upper
 * bound of what `npm start` spends per room.
 */
import { matchMaker, type Room } from "@colyseus/core";
import { startBaton } from "../test/support/baton.ts";

const count = Math.min(100, Number(process.argv[2] ?? 100));
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout" || kind === "Immediate").length;
/** Heap after a full GC, and the typed arrays' backing stores (outside the heap: Colyseus' encode buffers). */
const memory = async () => {
  await settle(200);
  for (let i = 0; i < 3; i++) gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return { heapUsed, arrayBuffers };
};

const baton = await startBaton();
// One room first: what every room shares (modules, caches) is not counted per room.
const warm = await matchMaker.createRoom("device", { deviceId: "test-99" });
(matchMaker.getLocalRoomById(warm.roomId) as Room).autoDispose = false;
const before = await memory();
const timersBefore = timers();
let rooms = 0;
for (let i = 0; i < count && rooms < count; i++) {
  if (i === 99) continue;
  const listing = await matchMaker.createRoom("device", { deviceId: `test-${i}` });
  (matchMaker.getLocalRoomById(listing.roomId) as Room).autoDispose = false;
  rooms++;
}
const after = await memory();
const ticksBefore = timers();
await settle(1_000);
console.log(JSON.stringify({
  rooms,
  heapPerRoomKB: Number(((after.heapUsed - before.heapUsed) / rooms / 1024).toFixed(1)),
  arrayBuffersPerRoomKB: Number(((after.arrayBuffers - before.arrayBuffers) / rooms / 1024).toFixed(1)),
  activeTimersPerRoom: Number(((ticksBefore - timersBefore) / rooms).toFixed(2)),
  activeTimersAfter1s: timers() - timersBefore,
}));
await baton.shutdown();
process.exit(0);
