/**
 * What the load tool prints: the progress line, the summary, and the judgement that sets the
 * exit code. Pure functions of the ledger's snapshot and verdict (tested in
 * test/loadtest/ledger.test.ts).
 */
import type { Snapshot, Verdict } from "./ledger.ts";
import type { LoadOptions } from "./options.ts";

function ms(us: number): string {
  return us === 0 ? "–" : `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
}

function topFailures(snapshot: Snapshot, limit = 4): string {
  const entries = Object.entries(snapshot.failuresByCode).sort((a, b) => b[1] - a[1]);
  return entries.slice(0, limit).map(([code, count]) => `${code} ${count}`).join(", ") || "none";
}

export function progressLine(elapsedMs: number, options: Pick<LoadOptions, "users" | "devices">, s: Snapshot): string {
  return `${String(Math.round(elapsedMs / 1000)).padStart(4)}s  users ${s.usersConnected}/${options.users}  devices ${s.devicesConnected}/${options.devices}`
    + `  sessions ${s.sessions}  runs ${s.runsOk} ok ${s.runsFailed} failed  p50 ${ms(s.latency.p50)} p99 ${ms(s.latency.p99)}  failures: ${topFailures(s)}`;
}

export function summaryText(options: Pick<LoadOptions, "users" | "devices" | "url">, s: Snapshot, verdict: Verdict, elapsedMs: number): string {
  const lines = [
    "",
    `summary — ${options.users} users, ${options.devices} devices, ${(elapsedMs / 1000).toFixed(0)} s against ${options.url}`,
    `  sessions            ${s.sessions}`,
    `  runs                ${s.runsStarted} started, ${s.runsOk} with a result (${s.recovered} of them found later in GET /results), ${s.runsFailed} failed`,
    `  results acked       ${s.resultsAcked} (device side)`,
    `  run latency         p50 ${ms(s.latency.p50)}  p99 ${ms(s.latency.p99)}  p99.9 ${ms(s.latency.p999)}  max ${ms(s.latency.max)}  (claim/run sent → result, ${s.latency.count} undisturbed runs)`,
    `  owners away         ${s.away.dropped} dropped (${s.away.reconnected} reconnected), ${s.away.left} left (${s.away.rejoined} rejoined)`,
    `  failures by code    ${Object.entries(s.failuresByCode).sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`).join(", ") || "none"}`,
    `  duplicate deliveries ${s.duplicateDeliveries}`,
    `  lost results        ${verdict.lostResults.length}`,
    `  double grants       ${verdict.doubleGrants.length}`,
    `  misdelivered        ${verdict.misdelivered.length}`,
    `  unattributed acks   ${verdict.unattributed.length} (acked results whose epoch no simulated user saw itself hold)`,
  ];
  for (const lost of verdict.lostResults.slice(0, 10)) lines.push(`  LOST ${lost.deviceId} epoch ${lost.epoch} run ${lost.runId}: acked by the device, never reached its owner ${lost.ownerId}`);
  for (const grant of verdict.doubleGrants.slice(0, 10)) lines.push(`  DOUBLE GRANT ${grant.deviceId} epoch ${grant.epoch}: held by ${grant.userIds.join(" and ")}`);
  for (const wrong of verdict.misdelivered.slice(0, 10)) lines.push(`  MISDELIVERED ${wrong.deviceId} run ${wrong.runId} (epoch ${wrong.epoch}) reached ${wrong.userId}, owner ${wrong.ownerIds.join("/")}`);
  return lines.join("\n");
}

/** Exit 1 on a lost result, a double grant or a misdelivered result — or when nothing happened at all. */
export function judge(snapshot: Snapshot, verdict: Verdict): { exitCode: 0 | 1; message: string } {
  if (!verdict.ok) {
    return { exitCode: 1, message: `FAILED: ${verdict.lostResults.length} lost result(s), ${verdict.doubleGrants.length} double grant(s), ${verdict.misdelivered.length} misdelivered result(s).` };
  }
  if (snapshot.sessions === 0 || snapshot.runsOk === 0) {
    return { exitCode: 1, message: `FAILED: nothing happened (${snapshot.sessions} sessions, ${snapshot.runsOk} runs with a result); are the devices online and the users able to join?` };
  }
  return { exitCode: 0, message: `ok: ${snapshot.runsOk} results, no lost results, no double grants` };
}
