/**
 * The error table (shared/errors.ts), kept in step with the codes, the docs and the code base
 * — fastify's test/internals/errors.test.js for Baton:
 * - every code of `ErrorCode` has a row, and every row a code;
 * - every row has an HTTP status, a sentence for each of its situations (the samples below
 *   are typed by the table, so a new code or variant without one does not compile), and a
 *   docs anchor that is a section of docs/ERRORS.md; the summary table at the top of
 *   ERRORS.md gives the same status per code, and so does every error response openapi.json
 *   describes by its code;
 * - no error sentence is written outside the table (a scan of server/src, client/src, shared).
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  ERRORS, ErrorCode, errorDocsAnchor, errorSentence, errorStatus, errorValue, isErrorCode, renderError,
  type ErrorCodeName, type ErrorParams,
} from "@baton/protocol";
import { openApiDocument } from "@baton/server/http/openapi.ts";

const ROOT = path.resolve(new URL("..", import.meta.url).pathname);
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

/** One sample of parameters per situation of each code. */
const SAMPLES: { [C in ErrorCodeName]: ErrorParams<C>[] } = {
  UNAUTHORIZED: [
    { reason: "deviceDisabled", deviceId: "scale-1" }, { reason: "secretMissing", deviceId: "scale-1" },
    { reason: "secretWrong", deviceId: "scale-1" }, { reason: "unknownRole", role: "\"admin\"" },
    { reason: "token", problem: "the token has expired" }, { reason: "metricsToken" }, { reason: "seatRevoked", deviceId: "scale-1", why: "the device was disabled" },
  ],
  UNKNOWN_DEVICE: [{ deviceId: "scale-1" }, { reason: "noDeviceId" }, { reason: "roomWithoutDeviceId" }],
  DEVICE_ALREADY_CONNECTED: [{ deviceId: "scale-1" }],
  ROOM_FULL: [
    { reason: "noSeat" }, { reason: "deviceViewers", deviceId: "scale-1", maxViewers: 50, maxPerUser: 4 },
    { reason: "viewersFull", deviceId: "scale-1", maxViewers: 50 }, { reason: "poolSeats", pool: "scales", maxConnections: 50, maxPerUser: 4 },
  ],
  METHOD_NOT_ALLOWED: [
    { reason: "deviceMethod", method: "create" }, { reason: "deviceRoomMethod", method: "create" },
    { reason: "poolRoomMethod", method: "joinById" }, { reason: "deviceInPool" },
  ],
  WRONG_ROOM: [
    { reason: "optionsNameDevice", deviceId: "scale-2", roomId: "scale-1" }, { reason: "optionsNamePool", pool: "other", roomPool: "scales" },
    { reason: "admittedForDevice", admitted: "scale-2", deviceId: "scale-1" }, { reason: "admittedForPool", admitted: undefined, pool: "scales" },
  ],
  DEVICE_ROOM_EXISTS: [{ deviceId: "scale-1" }],
  SERVER_BUSY: [{ reason: "secretChecks" }, { reason: "draining" }, { reason: "quotaStore" }],
  DEVICE_BUSY: [{ deviceId: "scale-1", holder: "Alice (alice)" }],
  ALREADY_HOLDER: [{ deviceId: "scale-1" }, { deviceId: "scale-1", queueing: true }],
  NOT_OWNER: [
    { reason: "nobodyHolds", deviceId: "scale-1", action: "cancel" },
    { reason: "heldByOther", deviceId: "scale-1", action: "release", holder: "Bob (bob)" },
    { reason: "extendNotHeld", deviceId: "scale-1" },
  ],
  NO_RUN: [{ deviceId: "scale-1" }],
  RUN_IN_PROGRESS: [{ runId: "run-1", sessionType: "weigh" }],
  DEVICE_OFFLINE: [{ deviceId: "scale-1", request: "claim" }, { deviceId: "scale-1", request: "run" },
    { reason: "roomClosing", deviceId: "scale-1" }, { reason: "notConnected", deviceId: "scale-1" }, { reason: "roomUnreachable", deviceId: "scale-1", problem: "timed out" }],
  UNKNOWN_SESSION_TYPE: [{ deviceId: "scale-1", sessionType: "fly", offered: ["weigh"] }, { deviceId: "scale-1", sessionType: "fly", offered: [] }],
  INVALID_INPUT: [{ sessionType: "weigh", problem: "input.userAge must be integer" }],
  INVALID_MESSAGE: [
    { reason: "malformed", what: "Query", problem: "limit must be a number" }, { reason: "badCursor" }, { reason: "bodyNotJson" },
    { reason: "bodyNotObject" }, { reason: "bodyRejected", detail: "Unexpected token" }, { reason: "percentEncoding" },
    { reason: "refused", status: 405 }, { reason: "payload", type: "claim", problem: "sessionType must be a string" },
    { reason: "poolJoinOptions" }, { reason: "poolJoinOptions", problem: "pool must be a string" }, { reason: "poolRoomWithoutName" },
    { reason: "frameUndecodable" }, { reason: "frameFailed" }, { reason: "poolClaim" }, { reason: "notPlainJson" },
  ],
  UNKNOWN_MESSAGE: [{ type: "fly" }, { understands: ["claim_any", "leave_pool"] }],
  FORBIDDEN_MESSAGE: [{ type: "hello", role: "user" }, { type: "claim", role: "device" }],
  RATE_LIMITED: [
    { reason: "secretGuessing", retryAfterSeconds: 4 }, { reason: "http", perSecond: 20, retryAfterSeconds: 1 },
    { reason: "frames", perSecond: 20, burst: 40 }, { reason: "outcomeDropped", type: "result", perSecond: 20, burst: 40 },
  ],
  STALE_EPOCH: [{ epoch: 1, currentEpoch: 2, runId: "run-1" }],
  UNKNOWN_RUN: [{ runId: "run-9", currentRunId: "run-2" }, { runId: "run-9", currentRunId: null }],
  INVALID_CAPABILITIES: [{ problem: "session type weigh: inputSchema is not a JSON Schema" }],
  PAYLOAD_TOO_LARGE: [{ reason: "matchmake", limitBytes: 4096 }, { detail: "request entity too large" }],
  INTERNAL_ERROR: [{ reason: "bug" }, { reason: "storeUnavailable" }],
  FORBIDDEN: [
    { reason: "adminOnly", action: "read the audit log" }, { reason: "anotherUsersRun", runId: "run-1" }, { reason: "metricsLoopbackOnly" },
    { reason: "devHost", host: "evil.example", bound: null }, { reason: "devOrigin", host: "localhost:2567", origin: "http://evil.example" },
  ],
  NOT_FOUND: [{ reason: "session", deviceId: "scale-1", epoch: 3 }, { reason: "run", deviceId: "scale-1", runId: "run-1" }, { reason: "route", method: "GET", path: "/nope" }],
  DEVICE_EXISTS: [{ deviceId: "scale-1" }],
  QUEUE_FULL: [{ deviceId: "scale-1", waiting: 10 }, { pool: "scales", waiting: 10 }],
  ALREADY_QUEUED: [{ deviceId: "scale-1", position: 2 }, { pool: "scales", position: 1 }, { pool: "scales", beingAsked: true }],
  NOT_QUEUED: [{ deviceId: "scale-1" }, { pool: "scales" }],
  NO_OFFER: [{ deviceId: "scale-1", reason: "notYours" }, { deviceId: "scale-1", reason: "nobodyOffered" }, { deviceId: "scale-1", reason: "nothingToDecline" }],
  HANDOFF_PENDING: [{ deviceId: "scale-1", remainingMs: 1200 }, { deviceId: "scale-1" }],
  DEVICE_NOT_READY: [{ deviceId: "scale-1" }],
  DEVICE_UNAVAILABLE: [{ deviceId: "scale-1", status: "quarantined", reason: "3 failed runs in a row", request: "claim" }, { deviceId: "scale-1", status: "drained", reason: null, request: "enqueue" }],
  DEVICE_DISABLED: [{ deviceId: "scale-1" }],
  EXTENSION_REFUSED: [
    { reason: "noExpiry", deviceId: "scale-1" }, { reason: "extensionsOff", deviceId: "scale-1", endsAt: 0 },
    { reason: "allowanceUsed", deviceId: "scale-1", allowanceMs: 1_200_000, endsAt: 0 }, { reason: "quotaEnds", deviceId: "scale-1", quotaUntil: 0 },
  ],
  USER_DEVICE_LIMIT: [{ limit: 1 }, { limit: 3 }],
  USER_QUEUE_LIMIT: [{ limit: 1 }, { limit: 3 }],
  DAILY_QUOTA_EXHAUSTED: [{ minutesPerDay: 60, kind: "scale", resetsAt: 86_400_000 }],
  HAND_OVER_REFUSED: [{ reason: "toSelf", deviceId: "scale-1" }, { reason: "alreadyOffered", deviceId: "scale-1", to: "Bob (bob)" }, { reason: "runInFlight", deviceId: "scale-1", runId: "r-1" },
    { reason: "recipientAtDeviceLimit", deviceId: "scale-1", to: "bob", limit: 1 }, { reason: "recipientQuotaUsed", deviceId: "scale-1", to: "bob", minutesPerDay: 60 }],
  NO_HAND_OVER: [{ deviceId: "scale-1", reason: "nothingOffered" }, { deviceId: "scale-1", reason: "notYours" }],
  UNKNOWN_POOL: [{ pool: "scales" }, { pool: "scales", reason: "noMembers" }],
  POOL_ROOM_EXISTS: [{ pool: "scales" }],
  BOOKING_INVALID: [
    { reason: "endBeforeStart" }, { reason: "inPast", now: 0 }, { reason: "tooLong", maxSlotMs: 1_800_000, kind: "spectrometer" },
    { reason: "tooShort", minSlotMs: 300_000, kind: "spectrometer" }, { reason: "tooFarAhead", maxAheadMs: 86_400_000, kind: "" }, { reason: "bookingsOff", kind: "scale" },
  ],
  BOOKING_CONFLICT: [{ deviceId: "spectro-1", start: 0, end: 1_800_000 }, { pool: "spectrometers", start: 0, end: 1_800_000 }],
  BOOKING_QUOTA: [{ kind: "spectrometer", weeklyMs: 14_400_000, usedMs: 12_600_000, weekStart: 0 }],
  BOOKING_LIMIT: [{ kind: "spectrometer", limit: 50 }],
  BOOKING_NO_SHOWS: [{ kind: "spectrometer", noShows: 3, lookbackMs: 2_592_000_000 }],
  BOOKING_NOT_FOUND: [{ bookingId: "bk-1" }],
  BOOKING_CLOSED: [{ bookingId: "bk-1", status: "no_show" }, { bookingId: "bk-1", status: "started" }],
  DEVICE_BOOKED: [{ deviceId: "spectro-1", until: 0, checkIn: true }, { deviceId: "spectro-1", until: 0, checkIn: false }],
  RUN_TIMEOUT: [{ reason: "maxDurationWhileOffline" }, { reason: "noProgress" }],
  CANCELLED: [{ reason: "owner" }, { reason: "sessionEnded", endReason: "kicked" }],
  DEVICE_FAILED: [{ reportedCode: "FILAMENT_JAM" }, {}],
  NOTHING_TO_MEASURE: [{}],
  INSTRUMENT_FAULT: [{}],
};

/** GitHub's anchor for a heading: lower case, punctuation other than '-' and '_' dropped, spaces to '-'. */
const githubAnchor = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");

describe("the error table", () => {
  it("has a row for every code of ErrorCode and no other", () => {
    expect(Object.keys(ERRORS).sort()).toEqual(Object.values(ErrorCode).sort());
    expect(Object.keys(SAMPLES).sort()).toEqual(Object.values(ErrorCode).sort());
  });

  it("gives every code an HTTP error status", () => {
    for (const code of Object.values(ErrorCode)) {
      const status = errorStatus(code);
      expect(Number.isInteger(status), code).toBe(true);
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
    }
    // Variants that answer with a status of their own.
    expect(errorStatus(ErrorCode.INTERNAL_ERROR, { reason: "storeUnavailable" })).toBe(503);
    expect(errorStatus(ErrorCode.INVALID_MESSAGE, { reason: "refused", status: 405 })).toBe(405);
  });

  it("renders a whole sentence for every situation of every code", () => {
    for (const code of Object.values(ErrorCode)) {
      expect(SAMPLES[code].length, code).toBeGreaterThan(0);
      for (const params of SAMPLES[code] as ErrorParams<typeof code>[]) {
        const sentence = renderError(code, params);
        expect(sentence, `${code} ${JSON.stringify(params)}`).toMatch(/^[A-Z/]/);
        expect(sentence, `${code} ${JSON.stringify(params)}`).toMatch(/[.)]$|[a-z]$/);
        expect(sentence).not.toMatch(/undefined|\[object Object\]|NaN/);
        expect(errorSentence(errorValue(code, params))).toBe(sentence);
      }
    }
  });

  it("keeps the sentences users already know", () => {
    expect(renderError(ErrorCode.DEVICE_BUSY, { deviceId: "scale-1", holder: "Alice (alice)" })).toBe("Device scale-1 is held by Alice (alice).");
    expect(renderError(ErrorCode.USER_DEVICE_LIMIT, { limit: 1 })).toContain("You already hold 1 device,");
    expect(renderError(ErrorCode.EXTENSION_REFUSED, { reason: "allowanceUsed", deviceId: "d", allowanceMs: 1_200_000, endsAt: 0 })).toContain("maximum of 20 min");
    expect(renderError(ErrorCode.HANDOFF_PENDING, { deviceId: "d", remainingMs: -5 })).toContain("for 0 ms more");
  });

  it("points every code at its section of docs/ERRORS.md", () => {
    const docs = read("docs/ERRORS.md");
    const anchors = new Set([...docs.matchAll(/^#{2,3} (.+)$/gm)].map((match) => githubAnchor(match[1])));
    for (const code of Object.values(ErrorCode)) {
      const [file, anchor] = errorDocsAnchor(code).split("#");
      expect(file).toBe("docs/ERRORS.md");
      expect(anchors.has(anchor), `docs/ERRORS.md has no heading for #${anchor}`).toBe(true);
    }
  });

  it("says the same HTTP status per code in the summary of docs/ERRORS.md", () => {
    const docs = read("docs/ERRORS.md");
    const rows = [...docs.matchAll(/^\| \[`([A-Z_]+)`\]\(#([a-z_]+)\) \| (\d{3}) \|/gm)];
    const documented = Object.fromEntries(rows.map((row) => [row[1], { anchor: row[2], status: Number(row[3]) }]));
    expect(Object.keys(documented).sort()).toEqual(Object.values(ErrorCode).sort());
    for (const code of Object.values(ErrorCode)) {
      expect(documented[code], code).toEqual({ anchor: errorDocsAnchor(code).split("#")[1], status: errorStatus(code) });
    }
  });

  it("agrees with the statuses openapi.json documents for each code", () => {
    // The description of an error response names its code(s) first ("UNKNOWN_DEVICE or NOT_FOUND", "INVALID_MESSAGE: …").
    const statusesOf = (code: ErrorCodeName) => new Set([errorStatus(code), ...(SAMPLES[code] as ErrorParams<typeof code>[]).map((params) => errorStatus(code, params))]);
    const document = openApiDocument({ includeDevRoutes: true, includeMetrics: true }) as { paths: Record<string, Record<string, { responses: Record<string, { description?: string }> }>> };
    let checked = 0;
    for (const [route, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          const codes = (/^([A-Z_]+)(?: or ([A-Z_]+))?/.exec(response.description ?? "") ?? []).slice(1).filter(isErrorCode);
          for (const code of codes) {
            expect(statusesOf(code).has(Number(status)), `${method.toUpperCase()} ${route} documents ${code} as ${status}`).toBe(true);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it("tells a code from anything else", () => {
    expect(isErrorCode("UNAUTHORIZED")).toBe(true);
    expect(isErrorCode("unauthorized")).toBe(false);
    expect(isErrorCode("toString")).toBe(false);
    expect(isErrorCode(401)).toBe(false);
  });
});

// ------------------------------------------------------------------ no sentence outside

/**
 * Folders whose sentences are not converted yet, each with why. Anything else that writes an
 * error sentence next to a protocol code fails the scan below.
 */
const ALLOWLIST: { prefix: string; why: string }[] = [
  // A device's `failed` report carries the device's own message, word for word the C
  // firmware's (baton_session*.c: "the device restarted and lost the run", …): the server
  // passes it through rather than rendering it. The simulator keeps the firmware's words so
  // both devices report alike; rendering them from the table would be a change to both.
  { prefix: "client/src/simulator/", why: "a device's own `failed` messages, the same words as the C firmware's" },
];

const SCANNED_ROOTS = ["server/src", "client/src", "shared"];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(ROOT, dir))) {
    if (name === "node_modules" || name === "dist") continue;
    const rel = `${dir}/${name}`;
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...sourceFiles(rel));
    else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name)) out.push(rel);
  }
  return out;
}

/** A literal that reads as prose: it holds a space. */
const PROSE = String.raw`(?:"[^"\n]*\s[^"\n]*"|'[^'\n]*\s[^'\n]*'|\`[^\`]*\s[^\`]*\`)`;
const PATTERNS: { what: string; pattern: RegExp }[] = [
  // refuse(state, ErrorCode.X, "…"), joinError(ErrorCode.X, `…`), sendError(client, ErrorCode.X, "…"), fail(ErrorCode.X, "…")
  { what: "a sentence passed with a code", pattern: new RegExp(String.raw`\bErrorCode\.[A-Z_]+\s*,\s*${PROSE}`, "g") },
  // { code: ErrorCode.X, message: "…" } (an error answer or a Rejection written by hand)
  { what: "a message: field beside a code", pattern: new RegExp(String.raw`\bcode:\s*ErrorCode\.[A-Z_]+\s*,[\s\S]{0,200}?\bmessage:\s*${PROSE}`, "g") },
  // refuse(response, 404, ErrorCode.X, …): a status written beside a code instead of the table's
  { what: "an HTTP status written beside a code", pattern: /\b[45]\d\d\s*,\s*ErrorCode\.[A-Z_]+/g },
];

function findSentences(file: string, text = read(file)): string[] {
  const found: string[] = [];
  for (const { what, pattern } of PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      const line = text.slice(0, match.index).split("\n").length;
      found.push(`${file}:${line}: ${what}: ${match[0].slice(0, 100)}`);
    }
  }
  return found;
}

describe("error sentences", () => {
  const files = SCANNED_ROOTS.flatMap(sourceFiles).filter((file) => file !== "shared/errors.ts");
  const allowed = (file: string) => ALLOWLIST.some((entry) => file.startsWith(entry.prefix));

  it("are written only in the error table (shared/errors.ts)", () => {
    const offenders = files.filter((file) => !allowed(file)).flatMap((file) => findSentences(file));
    expect(offenders, "render these with renderError(code, params) / a table row instead").toEqual([]);
  });

  it("has a scan that finds what it looks for", () => {
    // Not vacuous: each pattern catches the shape the rooms used to write.
    const written = [
      'throw joinError(ErrorCode.ROOM_FULL, `device ${id} has no free seat.`);',
      'return { code: ErrorCode.SERVER_BUSY, message: "The quota store did not answer." };',
      'refuse(response, 404, ErrorCode.NOT_FOUND, { reason: "route" });',
    ];
    for (const line of written) expect(findSentences("example.ts", line), line).toHaveLength(1);
    expect(findSentences("example.ts", 'joinError(ErrorCode.ROOM_FULL, { reason: "noSeat" });')).toEqual([]);
    // The allowlisted folders still hold some; when none are left, remove their entry instead.
    const remaining = files.filter(allowed).flatMap((file) => findSentences(file));
    for (const entry of ALLOWLIST) expect(remaining.some((hit) => hit.startsWith(entry.prefix)), entry.prefix).toBe(true);
  });
});
