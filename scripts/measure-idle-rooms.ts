/**
 * Memory and timers of idle device rooms, counted in one process (issue 20 item 4):
 * `N` device rooms are created with no connection at all and kept (autoDispose off), then
 * the heap (after a full GC) and the active timers are compared with before. This is the
 * room alone — what the device's socket costs is S3's business (bench/scenarios/).
 *
 *   node --expose-gc --conditions=@baton/source --import tsx scripts/measure-idle-rooms.ts [N ≤ 100]
 */
import { matchMaker, type Room } from "@colyseus/core";
import { startBaton } from "../test/support/baton.ts";

const count = Math.min(100, Number(process.argv[2] ?? 100));
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout" || kind === "Immediate").length;
const heap = async () => {
  await settle(200);
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
};

const baton = await startBaton();
// One room first: what every room shares (modules, caches) is not counted per room.
const warm = await matchMaker.createRoom("device", { deviceId: "test-99" });
(matchMaker.getLocalRoomById(warm.roomId) as Room).autoDispose = false;
const heapBefore = await heap();
const timersBefore = timers();
let rooms = 0;
for (let i = 0; i < count && rooms < count; i++) {
  if (i === 99) continue;
  const listing = await matchMaker.createRoom("device", { deviceId: `test-${i}` });
  (matchMaker.getLocalRoomById(listing.roomId) as Room).autoDispose = false;
  rooms++;
}
const heapAfter = await heap();
const ticksBefore = timers();
await settle(1_000);
console.log(JSON.stringify({
  rooms,
  heapPerRoomKB: Number(((heapAfter - heapBefore) / rooms / 1024).toFixed(1)),
  activeTimersPerRoom: Number(((ticksBefore - timersBefore) / rooms).toFixed(2)),
  activeTimersAfter1s: timers() - timersBefore,
}));
await baton.shutdown();
process.exit(0);
