/**
 * @file baton_runner.h
 * @brief Glue between the pure session, a platform port and the application's instrument.
 *
 * The runner owns the session and its action buffer, executes actions through the port
 * (the matchmaking POST, socket calls, storage) and hands job actions and events to the
 * application. A port's event loop feeds it socket events; the application's loop calls
 * baton_runner_tick() and reports job progress and outcomes.
 *
 * Everything is called from one task. Hooks must not call runner functions (they return
 * BATON_ERR_BUSY if they do): finish a job from your loop, not from inside `start`.
 */
#ifndef BATON_RUNNER_H
#define BATON_RUNNER_H

#include "baton_port.h"
#include "baton_session.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The application's side: the instrument. */
typedef struct baton_app {
    void *ctx;
    /** Begin the run. `input` (a msgpack map) stays valid until the job ends or is cancelled. */
    void (*job_start)(void *ctx, const char *run_id, const char *session_type, const uint8_t *input, size_t input_len,
                      uint64_t budget_ms);
    /** Stop the run now; its outcome will be refused. */
    void (*job_cancel)(void *ctx, const char *run_id);
    /** Optional: every session event (logging, a status LED, the vdevice's EVENT lines). */
    void (*on_event)(void *ctx, baton_event_t event, const char *run_id, const char *text, uint64_t number);
    /**
     * Optional: the server offers a firmware image (BATON_ACTION_UPDATE_OFFER): `offer` is the
     * msgpack map `{ url, version, sha256 }`, for baton_ota_parse_offer_msgpack(). Without this
     * hook offers are logged and ignored.
     */
    void (*update_offer)(void *ctx, const uint8_t *offer, size_t len);
} baton_app_t;

typedef struct baton_runner {
    baton_port_t port;
    baton_app_t app;
    /** The device secret, sent only as the matchmaking bearer token. */
    const char *secret;
    baton_session_t session;
    baton_actions_t actions;
    char http_response[BATON_HTTP_RESPONSE_MAX];
    bool busy;
} baton_runner_t;

/**
 * Initialises the session (the config's random source defaults to the port's) and loads a
 * held report from storage. A corrupt stored report is logged and erased.
 */
baton_status_t baton_runner_init(baton_runner_t *runner, const baton_port_t *port, const baton_app_t *app,
                                 const baton_session_config_t *config, const char *secret);

void baton_runner_start(baton_runner_t *runner);
/** Leaves on purpose (LEAVE_ROOM, close) and stops; see baton_session_leave(). */
void baton_runner_leave(baton_runner_t *runner);
void baton_runner_tick(baton_runner_t *runner);
void baton_runner_on_ws_open(baton_runner_t *runner);
void baton_runner_on_ws_message(baton_runner_t *runner, const uint8_t *data, size_t len);
void baton_runner_on_ws_closed(baton_runner_t *runner, uint16_t close_code);

baton_status_t baton_runner_job_progress(baton_runner_t *runner, const char *run_id, double progress, const char *message);
baton_status_t baton_runner_job_result(baton_runner_t *runner, const char *run_id, const uint8_t *output, size_t len);
baton_status_t baton_runner_job_failed(baton_runner_t *runner, const char *run_id, const char *code, const char *message);
baton_status_t baton_runner_device_ready(baton_runner_t *runner);
/** One live telemetry sample (baton_session_telemetry_number): dropped while offline. */
baton_status_t baton_runner_telemetry_number(baton_runner_t *runner, const char *channel, double value);

/** Milliseconds until the session next needs a tick (capped at `max_ms`). */
uint32_t baton_runner_idle_ms(const baton_runner_t *runner, uint32_t max_ms);

#ifdef __cplusplus
}
#endif

#endif /* BATON_RUNNER_H */
