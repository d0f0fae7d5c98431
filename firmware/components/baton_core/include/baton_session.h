/**
 * @file baton_session.h
 * @brief The device session state machine: frames and time in, actions out.
 *
 * This is where the device's rules live, with no socket, clock or storage of its own, so
 * every rule is unit-tested on the host by feeding it frames and times:
 *  - joining: matchmaking answer → WebSocket URL → JOIN_ROOM acknowledgement → `hello`;
 *  - fencing: the highest epoch seen; `start`/`cancel` with a lower epoch are refused, and so
 *    is a `welcome` with a lower epoch (the device leaves and retries); `hello` tells it;
 *  - nothing lost: a finished run's report (`result` or `failed`) is kept, persisted through
 *    a STORE action, and re-sent after every (re)join until the room's `ack` names it, and
 *    after a back-off when the room answers RATE_LIMITED (it may have dropped the report);
 *  - resuming: `welcome` says what the room believes; the device keeps going, re-sends,
 *    abandons, or starts the run it was told about (docs/PROTOCOL.md §7.1, in that order);
 *  - liveness: `heartbeat` + Colyseus PING every heartbeat interval, and a connection that
 *    stays silent for the liveness timeout is closed;
 *  - reconnecting: exponential backoff with jitter, bounded attempts (baton_backoff.h).
 *
 * Reconnect strategy (docs/PROTOCOL.md §7.6): every reconnect redoes the matchmaking POST
 * rather than reusing the Colyseus reconnection token. The URL's session id is single-use,
 * joinOrCreate with the same deviceId lands in the device's room wherever it now lives, and
 * a rebooted device (which lost the token) takes the same path as a device whose Wi-Fi
 * blinked — one code path, tested once. UNAUTHORIZED / UNKNOWN_DEVICE answers and the close
 * codes 4101 / 4102 stop the session instead (retrying cannot fix them).
 *
 * Threading: not thread-safe; call every function from one task (the runner does).
 */
#ifndef BATON_SESSION_H
#define BATON_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "baton_backoff.h"
#include "baton_config.h"
#include "baton_matchmake.h"
#include "baton_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Storage key of the first held-report slot (value: see baton_session_restore()); see baton_held_report_key(). */
#define BATON_KV_KEY_HELD_REPORT "baton.held"

/* ------------------------------------------------------------------ actions */

typedef enum baton_action_type {
    /** POST `text` (URL) with JSON `data`/`len`, bearer = the device secret; answer with baton_session_on_matchmake_response(). */
    BATON_ACTION_HTTP_POST,
    /** Open a WebSocket to `text` (URL); answer with baton_session_on_ws_open() or baton_session_on_ws_closed(). */
    BATON_ACTION_WS_OPEN,
    /** Send `data`/`len` as one binary WebSocket message. */
    BATON_ACTION_WS_SEND,
    /** Close the WebSocket; the port must deliver no further events for it. */
    BATON_ACTION_WS_CLOSE,
    /** Start the job `run_id` of `session_type` with msgpack map `data`/`len` as input; `number` = time budget in ms. */
    BATON_ACTION_JOB_START,
    /** Stop the job `run_id` and discard its outcome. */
    BATON_ACTION_JOB_CANCEL,
    /** Persist `data`/`len` under key `text`; len == 0 means erase the key. */
    BATON_ACTION_STORE,
    /** Something happened that the application may log or show: `event`, `run_id`, `text`, `number`. */
    BATON_ACTION_EVENT,
    /**
     * The server offers a firmware image (the `update` message, or `welcome.update`): `data`/`len`
     * is its msgpack map `{ url, version, sha256 }`, unchecked — the application parses it with
     * baton_ota_parse_offer_msgpack() and hands it to its OTA machine (baton_ota.h).
     */
    BATON_ACTION_UPDATE_OFFER,
} baton_action_type_t;

typedef enum baton_event {
    /** Joined the room and got `welcome`. `text` = welcome phase. */
    BATON_EVENT_JOINED,
    /** The connection ended (closed, timed out, refused). `text` = why. */
    BATON_EVENT_DISCONNECTED,
    /** The next connection attempt is due in `number` ms. */
    BATON_EVENT_RECONNECT_SCHEDULED,
    /** Nothing more is tried: `text` says why (see baton_stop_reason_t; `number` is the reason). */
    BATON_EVENT_GAVE_UP,
    /** Matchmaking was refused; `number` = HTTP status (0: no answer), `text` = server message. */
    BATON_EVENT_MATCHMAKE_FAILED,
    /** A run was started (by `start`, or by `welcome` after a device restart). */
    BATON_EVENT_START,
    /** `welcome` confirmed the run in progress; the job keeps going. */
    BATON_EVENT_RESUMED,
    /** The room cancelled the run. */
    BATON_EVENT_CANCELLED,
    /** The room no longer wants the run that was in progress; the job was stopped. */
    BATON_EVENT_ABANDONED,
    /** The job ran past its time budget; it was stopped and reported as RUN_TIMEOUT. */
    BATON_EVENT_TIMED_OUT,
    /** A result was sent (`number` = 1 if it was a re-send). */
    BATON_EVENT_RESULT_SENT,
    /** A failure report was sent (`number` = 1 if it was a re-send). */
    BATON_EVENT_FAILED_SENT,
    /** The room acknowledged the held result; it is forgotten. */
    BATON_EVENT_RESULT_ACKED,
    /** The room acknowledged the held failure report (it arrived); it is forgotten. */
    BATON_EVENT_FAILURE_ACKED,
    /** The room refused the held report for good (stale epoch / unknown run); it is forgotten. */
    BATON_EVENT_RESULT_DROPPED,
    /**
     * The room answered RATE_LIMITED: the held report (if still held then) is re-sent in
     * `number` ms. `text` = the request the room named ("result", "progress", ... or "").
     */
    BATON_EVENT_RESEND_SCHEDULED,
    /** A `start`/`cancel` (or a repeated `welcome` on one connection) with an epoch below the highest seen was ignored. `number` = its epoch. */
    BATON_EVENT_STALE_COMMAND,
    /**
     * A `welcome` (first message of a connection) carried an epoch below the highest seen: the
     * server does not know what the device knows. The device refused it, left, and retries with
     * backoff; `number` = the welcome's epoch.
     */
    BATON_EVENT_EPOCH_REFUSED,
    /** The room sent `error` (`text` = "CODE: message") or Colyseus sent ERROR (`number` = code). */
    BATON_EVENT_SERVER_ERROR,
    /** A frame could not be decoded or made no sense; it was ignored. `text` = what. */
    BATON_EVENT_PROTOCOL_ERROR,
} baton_event_t;

/** One thing the caller must do. Pointers stay valid until the action list is reset. */
typedef struct baton_action {
    baton_action_type_t type;
    baton_event_t event;
    const char *text;
    const char *run_id;
    const char *session_type;
    const uint8_t *data;
    size_t len;
    uint64_t number;
} baton_action_t;

/** A batch of actions plus the bytes they point to. Reset it before each call into the session. */
typedef struct baton_actions {
    baton_action_t items[BATON_MAX_ACTIONS];
    size_t count;
    uint8_t arena[BATON_ACTION_ARENA_MAX];
    size_t arena_used;
    /** Actions that did not fit (count or arena); each also logged as a PROTOCOL_ERROR when possible. */
    size_t dropped;
} baton_actions_t;

void baton_actions_reset(baton_actions_t *actions);
/** Short stable names ("joined", "start", "result-acked", ...) used in logs and vdevice EVENT lines. */
const char *baton_event_name(baton_event_t event);

/* ------------------------------------------------------------------ configuration */

/**
 * The longest heartbeat interval the session uses: a third of the room's default silence
 * timeout (BATON_DEVICE_SILENCE_TIMEOUT_MS, 15 s), so two heartbeats may be lost before the
 * room closes a healthy device with 4103. `welcome` carries no interval, so the bound is
 * fixed here; a server configured with a shorter silence timeout needs a shorter heartbeat.
 */
#define BATON_HEARTBEAT_MAX_MS 5000u

typedef struct baton_session_config {
    /** http://host:port of the Baton server (https gives wss). */
    const char *server_url;
    /** Must satisfy baton_id_is_safe(). */
    const char *device_id;
    /** Firmware version string sent in `hello`. */
    const char *firmware;
    /**
     * `hello.sessionTypes`, pre-encoded as a msgpack array of maps
     * `{name, inputSchema, maxDurationMs, stepTimeoutMs?}`. The session reads names and
     * maxDurationMs from it to check `start` commands and to bound jobs locally.
     */
    const uint8_t *session_types;
    size_t session_types_len;
    /**
     * Optional: `hello.telemetry` (issue 24, PROTOCOL §16), pre-encoded as a msgpack array of
     * channel maps `{name, unit, type, maxRateHz, visibility}`; NULL / 0 declares none.
     */
    const uint8_t *telemetry;
    size_t telemetry_len;
    /** Interval of `heartbeat` + PING while joined; 0 selects 5000 ms, larger values are clamped to BATON_HEARTBEAT_MAX_MS. */
    uint32_t heartbeat_interval_ms;
    /** Silence after which the connection counts as dead; 0 selects 3 heartbeat intervals. */
    uint32_t liveness_timeout_ms;
    /** Limit for each joining step (HTTP answer, socket open, JOIN_ROOM, welcome); 0 selects 10000 ms. */
    uint32_t step_timeout_ms;
    /** Extra time a job gets past its budget before the device stops it itself; 0 selects 5000 ms. */
    uint32_t job_grace_ms;
    baton_backoff_config_t backoff;
    /** Jitter source (injected so tests are deterministic). */
    baton_random_fn random;
    void *random_ctx;
} baton_session_config_t;

/* ------------------------------------------------------------------ state */

/** Why the session is in BATON_CONN_STOPPED. */
typedef enum baton_stop_reason {
    /** Not started yet (or restarted since). */
    BATON_STOP_NONE,
    /** The backoff used up its attempts: the platform may restart and try again. */
    BATON_STOP_RETRIES_EXHAUSTED,
    /** Matchmaking said UNAUTHORIZED or UNKNOWN_DEVICE: retrying cannot fix it (PROTOCOL §7.6). */
    BATON_STOP_REFUSED,
    /** Closed with 4101: another instance of this device id is connected (PROTOCOL §7.7). */
    BATON_STOP_REPLACED,
    /** Closed with 4102: the device was removed from the registry. */
    BATON_STOP_REVOKED,
    /** The application asked to leave (baton_session_leave). */
    BATON_STOP_LEFT,
} baton_stop_reason_t;

typedef enum baton_conn_state {
    /** Waiting for the backoff timer before the next attempt (or for baton_session_start()). */
    BATON_CONN_WAITING,
    /** The matchmaking POST is out; waiting for its answer. */
    BATON_CONN_MATCHMAKING,
    /** The WebSocket is being opened. */
    BATON_CONN_WS_CONNECTING,
    /** The socket is open; waiting for JOIN_ROOM. */
    BATON_CONN_JOINING,
    /** JOIN_ROOM acknowledged and `hello` sent; waiting for `welcome`. */
    BATON_CONN_AWAIT_WELCOME,
    /** Joined; commands are handled. */
    BATON_CONN_ONLINE,
    /** Not connecting any more; `stop_reason` says why. Only baton_session_start() leaves this state. */
    BATON_CONN_STOPPED,
} baton_conn_state_t;

/** A session type as the session needs it (from the config's declaration). */
typedef struct baton_declared_type {
    char name[BATON_SESSION_TYPE_MAX + 1];
    uint64_t max_duration_ms;
} baton_declared_type_t;

/** The job in progress, as far as the session is concerned (the work itself is the application's). */
typedef struct baton_job {
    bool active;
    char run_id[BATON_RUN_ID_MAX + 1];
    char session_type[BATON_SESSION_TYPE_MAX + 1];
    uint64_t epoch;
    uint64_t started_ms;
    /** The device stops the job itself at this time (budget + grace). */
    uint64_t deadline_ms;
    uint8_t input[BATON_INPUT_MAX];
    size_t input_len;
    /** The last progress sent, re-sent after a resume so the room's step timer restarts. */
    bool has_progress;
    double progress;
} baton_job_t;

/** A finished run's report, kept until the room acknowledges it. */
typedef struct baton_held_report {
    bool present;
    /** Order in which reports were held: re-sends go oldest (lowest) first. Persisted. */
    uint32_t seq;
    /** Sent on the current connection and not yet answered. */
    bool in_flight;
    bool is_failure;
    uint64_t epoch;
    char run_id[BATON_RUN_ID_MAX + 1];
    /** The complete ROOM_DATA frame, ready to re-send. */
    uint8_t frame[BATON_REPORT_MAX];
    size_t frame_len;
} baton_held_report_t;

typedef struct baton_session {
    baton_session_config_t config;
    baton_declared_type_t types[BATON_MAX_SESSION_TYPES];
    size_t type_count;

    baton_conn_state_t state;
    baton_backoff_t backoff;
    /** When the current waiting/joining step ends (next attempt, or step timeout). */
    uint64_t step_deadline_ms;
    uint64_t last_rx_ms;
    uint64_t next_heartbeat_ms;
    uint64_t started_ms;
    baton_stop_reason_t stop_reason;

    bool epoch_known;
    uint64_t highest_epoch;
    char reconnection_token[BATON_ID_MAX + 1];

    baton_job_t job;
    /** Held reports in fixed slots (slot i is persisted under baton_held_report_key(i)); order by `seq`. */
    baton_held_report_t held[BATON_MAX_HELD_REPORTS];
    uint32_t held_seq;
    /**
     * Re-send after RATE_LIMITED (PROTOCOL §7.3): at most one pending, due at
     * `resend_due_ms`; the back-off grows with each RATE_LIMITED and resets at an `ack`.
     */
    bool resend_pending;
    uint64_t resend_due_ms;
    baton_backoff_t resend_backoff;
    /** Free stack (bytes) reported in each heartbeat's `stackFree`; 0 = not reported (baton_session_set_stack_free). */
    uint32_t stack_free_main;
    uint32_t stack_free_ota;
} baton_session_t;

/* ------------------------------------------------------------------ API */

/**
 * Validates the configuration and reads the declared session types.
 * @return BATON_OK, BATON_ERR_INVALID_ARG (NULL pointers), BATON_ERR_CONFIG (bad device id,
 *         server URL, or session type declaration; too many types).
 */
baton_status_t baton_session_init(baton_session_t *sm, const baton_session_config_t *config);

/**
 * Loads the held report of slot 0 persisted by an earlier run of the firmware; the same as
 * baton_session_restore_slot(sm, 0, blob, len).
 */
baton_status_t baton_session_restore(baton_session_t *sm, const uint8_t *blob, size_t len);

/**
 * Loads a held report persisted by an earlier run of the firmware (the bytes of a STORE
 * action for baton_held_report_key(slot)). Call after init, before start, for each slot.
 * @return BATON_OK, BATON_ERR_INVALID_ARG (slot out of range), or BATON_ERR_MALFORMED (the
 *         blob is ignored; the caller should erase it).
 */
baton_status_t baton_session_restore_slot(baton_session_t *sm, size_t slot, const uint8_t *blob, size_t len);

/** Storage key of held-report slot `slot` ("baton.held", "baton.held1", …); NULL if out of range. */
const char *baton_held_report_key(size_t slot);

/** The number of reports held now. */
size_t baton_session_held_count(const baton_session_t *sm);

/** Starts (or restarts after STOPPED) connecting at once. */
void baton_session_start(baton_session_t *sm, uint64_t now_ms, baton_actions_t *actions);

/** Drives timers: reconnect, step timeouts, heartbeats, liveness, job budget. Call at least every 100 ms. */
void baton_session_on_tick(baton_session_t *sm, uint64_t now_ms, baton_actions_t *actions);

/** The matchmaking answer; http_status 0 means no answer at all (DNS, TCP, TLS, timeout). */
void baton_session_on_matchmake_response(baton_session_t *sm, int http_status, const char *body, size_t len,
                                         uint64_t now_ms, baton_actions_t *actions);

/**
 * The matchmaking answer with its `Retry-After` (seconds, baton_parse_retry_after(); 0 when
 * none): a refusal that is retried — a throttled 429 above all — waits at least that long
 * before the next attempt, whatever the back-off says. baton_session_on_matchmake_response()
 * is this with 0.
 */
void baton_session_on_matchmake_answer(baton_session_t *sm, int http_status, const char *body, size_t len,
                                       uint32_t retry_after_s, uint64_t now_ms, baton_actions_t *actions);

/** The WebSocket opened. */
void baton_session_on_ws_open(baton_session_t *sm, uint64_t now_ms, baton_actions_t *actions);

/** One complete binary WebSocket message from the server. Never fails: bad frames become events. */
void baton_session_on_frame(baton_session_t *sm, const uint8_t *frame, size_t len, uint64_t now_ms,
                            baton_actions_t *actions);

/** The WebSocket closed or failed to open; close_code 0 if unknown. */
void baton_session_on_ws_closed(baton_session_t *sm, uint16_t close_code, uint64_t now_ms, baton_actions_t *actions);

/**
 * Sends one live telemetry sample, `telemetry {values: {<channel>: value}}` (PROTOCOL §16),
 * for a channel declared in the config's `telemetry`. Beside the session: not held, not
 * re-sent, not a heartbeat. BATON_ERR_STATE (dropped) while not joined.
 */
baton_status_t baton_session_telemetry_number(baton_session_t *sm, const char *channel, double value, baton_actions_t *actions);

/** Reports job progress (0..1) with an optional message. Dropped silently while offline. */
baton_status_t baton_session_job_progress(baton_session_t *sm, const char *run_id, double progress,
                                          const char *message, uint64_t now_ms, baton_actions_t *actions);

/**
 * The job finished; `output` is an encoded msgpack map. The report is held (and STOREd)
 * until acknowledged. BATON_ERR_STATE if `run_id` is not the active job (e.g. cancelled).
 */
baton_status_t baton_session_job_result(baton_session_t *sm, const char *run_id, const uint8_t *output,
                                        size_t output_len, uint64_t now_ms, baton_actions_t *actions);

/** The job failed with a stable `code` (e.g. BATON_ERROR_CODE_DEVICE_FAILED) and a message. Held like a result. */
baton_status_t baton_session_job_failed(baton_session_t *sm, const char *run_id, const char *code,
                                        const char *message, uint64_t now_ms, baton_actions_t *actions);

/**
 * Leaves on purpose (PROTOCOL §7.8): sends LEAVE_ROOM (0x0C) if joined, closes the socket,
 * and stops (BATON_STOP_LEFT). A held report stays held (and persisted) for the next start.
 */
void baton_session_leave(baton_session_t *sm, uint64_t now_ms, baton_actions_t *actions);

/** The instrument is physically reset and ready for the next user: sends `ready`. BATON_ERR_STATE while offline. */
baton_status_t baton_session_device_ready(baton_session_t *sm, uint64_t now_ms, baton_actions_t *actions);

/**
 * The stack high-water marks the next heartbeats report as `stackFree { main, ota? }` (bytes;
 * `main` 0 = none reported, `ota` 0 = the OTA task has not run). Values above
 * BATON_STACK_FREE_MAX are clamped (the server refuses larger ones).
 */
void baton_session_set_stack_free(baton_session_t *sm, uint32_t main_free, uint32_t ota_free);

/** The largest stackFree value the server accepts (shared/messages.ts Limits.stackBytes). */
#define BATON_STACK_FREE_MAX (1u << 20)

/** The earliest time on_tick has something to do (for ports that sleep between events). */
uint64_t baton_session_next_deadline(const baton_session_t *sm);

/** Short stable name of a connection state ("online", ...). */
const char *baton_conn_state_name(baton_conn_state_t state);

#ifdef __cplusplus
}
#endif

#endif /* BATON_SESSION_H */
