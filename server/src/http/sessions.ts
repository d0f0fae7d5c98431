/**
 * History for people: sessions (holder, epoch, times, end reason) and their runs.
 * - GET /devices/:deviceId/sessions?limit=&before=   a device's sessions, newest first; `before` = an epoch (`next` of the previous page)
 * - GET /devices/:deviceId/sessions/:epoch           one session with its runs
 * - GET /devices/:deviceId/runs/:runId               one run
 * - GET /me/sessions?limit=&before=                  the caller's own sessions on every device
 * Who held a device and when is what spectators see anyway, so any user may list sessions.
 * Run inputs and outputs belong to the session's holder: others get the runs without them
 * (`private: true`) in a session, and 403 FORBIDDEN for a run; admins see everything.
 */
import express from "express";
import { z } from "zod";
import { ErrorCode } from "@baton/protocol";
import { DeviceSessionsPage, RunDetail, SessionDetail, SessionsPage, type PrivateRunRecord } from "@baton/protocol/http";
import { DeviceIdSchema } from "../auth/deviceRegistry.ts";
import type { UserIdentity } from "../auth/userTokens.ts";
import type { RunHistoryRecord, SessionCursor } from "../ports/store.ts";
import type { RoomServices } from "../rooms/services.ts";
import { isAdmin, requireUser } from "./authenticate.ts";
import { answerWith, guarded, parseOrRefuse, refuse } from "./respond.ts";

/** Runs listed with one session; a session with more is cut here (`runsTruncated`). */
export const MAX_RUNS_PER_SESSION = 500;

const Epoch = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const RunId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/, "run ids are letters, digits and _ . : -");

export const DeviceSessionsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  before: Epoch.optional(),
});

export const MySessionsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  before: z.string().max(200).optional(),
});

/** A user's page cursor travels as opaque base64url JSON of (startedAt, deviceId, epoch). */
const CursorSchema = z.strictObject({ startedAt: z.number().int(), deviceId: DeviceIdSchema, epoch: z.number().int().min(0) });
const encodeCursor = (cursor: SessionCursor) => Buffer.from(JSON.stringify(cursor)).toString("base64url");
function decodeCursor(text: string): SessionCursor | undefined {
  try {
    const parsed = CursorSchema.safeParse(JSON.parse(Buffer.from(text, "base64url").toString("utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const mayReadRunsOf = (caller: UserIdentity, holderId: string) => isAdmin(caller) || caller.userId === holderId;

function publicRun(run: RunHistoryRecord): PrivateRunRecord {
  const { input: _input, output: _output, ...rest } = run;
  return { ...rest, private: true };
}

export function sessionRoutes(services: RoomServices) {
  const router = express.Router();
  const answer = answerWith(services);

  async function knownDevice(deviceIdText: unknown, response: express.Response): Promise<string | undefined> {
    const deviceId = parseOrRefuse(DeviceIdSchema, deviceIdText, response, "Device id");
    if (!deviceId) return undefined;
    if (!(await services.registry.find(deviceId))) {
      refuse(response, ErrorCode.UNKNOWN_DEVICE, { deviceId });
      return undefined;
    }
    return deviceId;
  }

  router.get("/devices/:deviceId/sessions", guarded(services.logger, "GET /devices/:deviceId/sessions", async (request, response) => {
    if (!(await requireUser(services, request, response))) return;
    const query = parseOrRefuse(DeviceSessionsQuery, request.query, response, "Query");
    if (!query) return;
    const deviceId = await knownDevice(request.params.deviceId, response);
    if (!deviceId) return;
    const sessions = await services.history.listSessions(deviceId, query.limit, query.before);
    const more = sessions.length === query.limit;
    answer(response, DeviceSessionsPage, { deviceId, sessions, ...(more ? { next: String(sessions[sessions.length - 1].epoch) } : {}) });
  }));

  router.get("/devices/:deviceId/sessions/:epoch", guarded(services.logger, "GET /devices/:deviceId/sessions/:epoch", async (request, response) => {
    const caller = await requireUser(services, request, response);
    if (!caller) return;
    const epoch = parseOrRefuse(Epoch, request.params.epoch, response, "Epoch");
    if (epoch === undefined) return;
    const deviceId = await knownDevice(request.params.deviceId, response);
    if (!deviceId) return;
    const session = await services.history.findSession(deviceId, epoch);
    if (!session) return refuse(response, ErrorCode.NOT_FOUND, { reason: "session", deviceId, epoch });
    const runs = await services.history.listSessionRuns(deviceId, epoch, MAX_RUNS_PER_SESSION + 1);
    const readable = mayReadRunsOf(caller, session.userId);
    answer(response, SessionDetail, {
      session,
      runs: runs.slice(0, MAX_RUNS_PER_SESSION).map((run) => (readable ? run : publicRun(run))),
      ...(runs.length > MAX_RUNS_PER_SESSION ? { runsTruncated: true } : {}),
    });
  }));

  router.get("/devices/:deviceId/runs/:runId", guarded(services.logger, "GET /devices/:deviceId/runs/:runId", async (request, response) => {
    const caller = await requireUser(services, request, response);
    if (!caller) return;
    const runId = parseOrRefuse(RunId, request.params.runId, response, "Run id");
    if (!runId) return;
    const deviceId = await knownDevice(request.params.deviceId, response);
    if (!deviceId) return;
    const run = await services.history.findRun(deviceId, runId);
    if (!run) return refuse(response, ErrorCode.NOT_FOUND, { reason: "run", deviceId, runId });
    if (!mayReadRunsOf(caller, run.userId)) {
      return refuse(response, ErrorCode.FORBIDDEN, { reason: "anotherUsersRun", runId });
    }
    answer(response, RunDetail, { run });
  }));

  router.get("/me/sessions", guarded(services.logger, "GET /me/sessions", async (request, response) => {
    const caller = await requireUser(services, request, response);
    if (!caller) return;
    const query = parseOrRefuse(MySessionsQuery, request.query, response, "Query");
    if (!query) return;
    const before = query.before === undefined ? undefined : decodeCursor(query.before);
    if (query.before !== undefined && !before) return refuse(response, ErrorCode.INVALID_MESSAGE, { reason: "badCursor" });
    const sessions = await services.history.listUserSessions(caller.userId, query.limit, before);
    const last = sessions[sessions.length - 1];
    const more = sessions.length === query.limit;
    answer(response, SessionsPage, { sessions, ...(more ? { next: encodeCursor({ startedAt: last.startedAt, deviceId: last.deviceId, epoch: last.epoch }) } : {}) });
  }));

  return router;
}
