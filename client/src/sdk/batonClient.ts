/**
 * The entry point of the SDK: one server, one user.
 *
 *     const client = new BatonClient("http://127.0.0.1:2567", { token });
 *     const devices = await client.devices();               // HTTP: every device with its live status
 *     const scale = client.device("scale-1");               // a live handle (joins the device's room)
 *     await scale.claim();
 *     const { output } = await scale.run("weighing", { userAge: 25 });
 *     await scale.release();
 *     await scale.leave();
 *
 * Framework-neutral (browsers and Node 22; no Node built-ins): the React hook in
 * `@baton/client/react` is a thin layer on top.
 */
import { Client, type Room } from "@colyseus/sdk";
import { keepJoinRefusals } from "./joinRefusals.ts";
import { DEVICE_ROOM_NAME, POOL_ROOM_NAME } from "@baton/protocol";
import { DeviceRoomState } from "@baton/protocol/state";
import { AdminApi } from "./admin.ts";
import { DeviceHandle } from "./deviceHandle.ts";
import { devToken, requestJson, type DevUser } from "./http.ts";
import { BookingsApi } from "./bookings.ts";
import type { DeviceDetails, DeviceList, DeviceListQuery, DeviceSummary, OutcomesPage, PageQuery, ResultsPage, SessionsPage } from "./httpTypes.ts";
import { claimAnyFrom, type ClaimAnyOptions, type PoolGrantedMessage } from "./pool.ts";
import type { AnySessionTypes, SessionTypeMap } from "./sessionTypes.ts";
import type { WaitOptions } from "./waiting.ts";

/** How a dropped connection comes back (with the room's reconnection token, same seat, same session). */
export interface ReconnectionSettings {
  /** Attempts before giving up (then `connection` is "closed"). Default 15. */
  maxRetries?: number;
  /** Delay before the first attempt, doubling up to `maxDelayMs`. Default 100 ms. */
  minDelayMs?: number;
  /** Default 5,000 ms. */
  maxDelayMs?: number;
  /** A connection younger than this is not reconnected (guards against join/drop loops). Default 0. */
  minUptimeMs?: number;
}

export interface BatonClientOptions {
  /** A user JWT (from your identity provider, or `devToken()` against a development server). */
  token?: string;
  /** This user's id; read from the token's `sub` when not given (used for `isMine`). */
  userId?: string;
  /** Automatic reconnection of device handles; `false` turns it off. */
  reconnection?: ReconnectionSettings | false;
  /** A `fetch` to use for the HTTP API (default: the global one). */
  fetch?: typeof fetch;
}

export interface WatchDevicesOptions {
  query?: DeviceListQuery;
  /** Poll interval. Default 2,000 ms. */
  intervalMs?: number;
  signal?: AbortSignal;
}

export class BatonClient {
  /** The underlying `@colyseus/sdk` client (for what the Baton SDK does not cover). */
  readonly colyseus: Client;
  /** The server's base URL, e.g. http://127.0.0.1:2567 */
  readonly url: string;
  private readonly options: BatonClientOptions;
  private currentToken: string | undefined;
  private currentUserId: string | null;
  /** Puts a refused join's answer body (its `errorCode`) back on the error Colyseus raises. */
  private readonly joinKeepingRefusal: ReturnType<typeof keepJoinRefusals>;
  /** The admin API (needs a token with `roles: ["admin"]`; others are refused with FORBIDDEN). */
  readonly admin: AdminApi;
  /** Bookings of devices: book ahead, list, cancel, the iCalendar feed (sdk/bookings.ts). */
  readonly bookings: BookingsApi;

  constructor(url: string, options: BatonClientOptions = {}) {
    this.url = url;
    this.options = options;
    this.colyseus = new Client(url);
    this.joinKeepingRefusal = keepJoinRefusals(this.colyseus);
    this.currentToken = options.token;
    this.currentUserId = options.userId ?? userIdFromToken(options.token);
    this.colyseus.auth.token = options.token ?? "";
    this.admin = new AdminApi((path, request) => requestJson(this.url, path, { ...request, token: this.currentToken }, this.options.fetch));
    this.bookings = new BookingsApi((path, request) => requestJson(this.url, path, { ...request, token: this.currentToken }, this.options.fetch), url);
  }

  /** Development only: a client for `user`, with a token from the server's `POST /dev/token`. */
  static async dev(url: string, user: DevUser, options: Omit<BatonClientOptions, "token"> & WaitOptions = {}): Promise<BatonClient> {
    const token = await devToken(url, user, options);
    return new BatonClient(url, { ...options, token, userId: user.userId });
  }

  get token(): string | undefined {
    return this.currentToken;
  }

  /** Replaces the token (e.g. after a refresh); handles joined later use it. */
  set token(token: string | undefined) {
    this.currentToken = token;
    this.colyseus.auth.token = token ?? "";
    if (!this.options.userId) this.currentUserId = userIdFromToken(token);
  }

  /** This user's id (the token's `sub`), or null when unknown. */
  get userId(): string | null {
    return this.currentUserId;
  }

  /**
   * Every registered device with its live status (GET /devices, all pages). For a list that
   * stays current, poll it (`watchDevices`) — the device handles are live, the list is not.
   */
  async devices(query: DeviceListQuery = {}, options: WaitOptions = {}): Promise<DeviceSummary[]> {
    const devices: DeviceSummary[] = [];
    let after: string | undefined;
    do {
      const page = await this.get<DeviceList>("/devices", { ...query, limit: 500, after }, options);
      devices.push(...page.devices);
      after = page.next;
    } while (after);
    return devices;
  }

  /** One device with its declared session types and their input schemas (GET /devices/:id). */
  deviceInfo(deviceId: string, options: WaitOptions = {}): Promise<DeviceDetails> {
    return this.get<DeviceDetails>(`/devices/${encodeURIComponent(deviceId)}`, {}, options);
  }

  /** This user's stored results, newest first (GET /results). */
  results(query: PageQuery = {}, options: WaitOptions = {}): Promise<ResultsPage> {
    return this.get<ResultsPage>("/results", { ...query }, options);
  }

  /**
   * This user's failed runs and session ends (a timeout, a kick, the device lost), newest
   * first (GET /results/outcomes): what happened while they were away, as `results()` lists results.
   */
  outcomes(query: PageQuery = {}, options: WaitOptions = {}): Promise<OutcomesPage> {
    return this.get<OutcomesPage>("/results/outcomes", { ...query }, options);
  }

  /** This user's sessions on every device, newest first (GET /me/sessions). */
  mySessions(query: PageQuery = {}, options: WaitOptions = {}): Promise<SessionsPage> {
    return this.get<SessionsPage>("/me/sessions", { ...query }, options);
  }

  /**
   * Calls `listener` with the device list now and every `intervalMs` (polling GET /devices);
   * errors go to `onError` and polling goes on. Returns the function that stops it.
   */
  watchDevices(listener: (devices: DeviceSummary[]) => void, options: WatchDevicesOptions & { onError?: (error: unknown) => void } = {}): () => void {
    const controller = new AbortController();
    const stopWith = () => controller.abort();
    options.signal?.addEventListener("abort", stopWith, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const devices = await this.devices(options.query, { signal: controller.signal });
        if (!controller.signal.aborted) listener(devices);
      } catch (error) {
        if (!controller.signal.aborted) options.onError?.(error);
      }
      if (!controller.signal.aborted) timer = setTimeout(poll, options.intervalMs ?? 2_000);
    };
    void poll();
    return () => {
      controller.abort();
      if (timer !== undefined) clearTimeout(timer);
      options.signal?.removeEventListener("abort", stopWith);
    };
  }

  /**
   * A live handle on one device: joins its room as a spectator at once (`connection` goes
   * connecting → open, or closed with the refusal, e.g. UNKNOWN_DEVICE). Each call is a new
   * connection; `leave()` it when done.
   */
  device<Types extends SessionTypeMap = AnySessionTypes>(deviceId: string): DeviceHandle<Types> {
    return new DeviceHandle<Types>(deviceId, {
      join: (id) => this.joinKeepingRefusal(id, () => this.colyseus.joinOrCreate(DEVICE_ROOM_NAME, { deviceId: id }, DeviceRoomState) as Promise<Room<any, DeviceRoomState>>),
      userId: () => this.currentUserId,
      configure: (room) => this.configureReconnection(room),
    });
  }

  /**
   * "Any free <kind>": waits in the pool's line (the pool room) until a device of `pool` is
   * free, and resolves with the grant `{ pool, deviceId, epoch }` — this user then holds that
   * device; join it with `device(deviceId)` to use it. A device's pool is its explicit pool,
   * else its kind (`DeviceSummary.pool`). Aborting the wait leaves the line.
   */
  claimAny(pool: string, options: ClaimAnyOptions = {}): Promise<PoolGrantedMessage> {
    return claimAnyFrom((name) => this.colyseus.joinOrCreate(POOL_ROOM_NAME, { pool: name }), pool, options);
  }

  private configureReconnection(room: Room<any, DeviceRoomState>): void {
    const settings = this.options.reconnection;
    if (settings === false) {
      room.reconnection.enabled = false;
      return;
    }
    room.reconnection.minUptime = settings?.minUptimeMs ?? 0;
    if (settings?.maxRetries !== undefined) room.reconnection.maxRetries = settings.maxRetries;
    if (settings?.minDelayMs !== undefined) room.reconnection.minDelay = room.reconnection.delay = settings.minDelayMs;
    if (settings?.maxDelayMs !== undefined) room.reconnection.maxDelay = settings.maxDelayMs;
  }

  private get<T>(path: string, query: Record<string, string | number | undefined>, options: WaitOptions): Promise<T> {
    return requestJson<T>(this.url, path, { ...options, token: this.currentToken, query }, this.options.fetch);
  }
}

/** The `sub` claim of a JWT, read without verifying it (only to recognise this user in the state). */
export function userIdFromToken(token: string | undefined): string | null {
  const payload = token?.split(".")[1];
  if (!payload) return null;
  try {
    const binary = atob(payload.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(payload.length / 4) * 4, "="));
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)))) as { sub?: unknown };
    return typeof claims.sub === "string" ? claims.sub : null;
  } catch {
    return null;
  }
}
