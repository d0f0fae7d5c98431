/**
 * @file baton_runner.c
 * @brief Executes the session's actions through the port and the application hooks.
 */
#include <stdio.h>
#include <string.h>

#include "baton_runner.h"

static void log_line(baton_runner_t *r, baton_log_level_t level, const char *message)
{
    if (r->port.log != NULL) {
        r->port.log(r->port.ctx, level, message);
    }
}

static baton_log_level_t event_level(baton_event_t event)
{
    switch (event) {
    case BATON_EVENT_GAVE_UP:
    case BATON_EVENT_PROTOCOL_ERROR:
    case BATON_EVENT_RESULT_DROPPED:
        return BATON_LOG_ERROR;
    case BATON_EVENT_DISCONNECTED:
    case BATON_EVENT_MATCHMAKE_FAILED:
    case BATON_EVENT_STALE_COMMAND:
    case BATON_EVENT_EPOCH_REFUSED:
    case BATON_EVENT_SERVER_ERROR:
    case BATON_EVENT_RESEND_SCHEDULED:
    case BATON_EVENT_TIMED_OUT:
    case BATON_EVENT_ABANDONED:
        return BATON_LOG_WARN;
    default:
        return BATON_LOG_INFO;
    }
}

static void report_event(baton_runner_t *r, const baton_action_t *a)
{
    char line[256];
    snprintf(line, sizeof line, "%s%s%s%s%s (%llu)", baton_event_name(a->event), a->run_id ? " run=" : "",
             a->run_id ? a->run_id : "", a->text ? " " : "", a->text ? a->text : "", (unsigned long long)a->number);
    log_line(r, event_level(a->event), line);
    if (r->app.on_event != NULL) {
        r->app.on_event(r->app.ctx, a->event, a->run_id, a->text, a->number);
    }
}

/* Executes one action; returns true and fills the response if it was the matchmaking POST. */
static bool execute(baton_runner_t *r, const baton_action_t *a, int *http_status, size_t *response_len,
                    uint32_t *retry_after_s)
{
    char line[BATON_URL_MAX + 48];
    baton_status_t st;
    switch (a->type) {
    case BATON_ACTION_HTTP_POST:
        snprintf(line, sizeof line, "matchmaking: POST %s", a->text);
        log_line(r, BATON_LOG_INFO, line);
        *response_len = 0;
        *http_status = 0;
        *retry_after_s = 0;
        st = r->port.http_post(r->port.ctx, a->text, r->secret, (const char *)a->data, a->len, r->http_response,
                               sizeof r->http_response, response_len, http_status, retry_after_s);
        if (st != BATON_OK) {
            *http_status = 0;
            *response_len = 0;
            *retry_after_s = 0;
        }
        return true;
    case BATON_ACTION_WS_OPEN:
        snprintf(line, sizeof line, "opening %s", a->text);
        log_line(r, BATON_LOG_INFO, line);
        if (r->port.ws_open(r->port.ctx, a->text) != BATON_OK) {
            log_line(r, BATON_LOG_WARN, "ws_open failed at once; waiting for the step timeout");
        }
        return false;
    case BATON_ACTION_WS_SEND:
        if (r->port.ws_send(r->port.ctx, a->data, a->len) != BATON_OK) {
            /* The liveness timeout or the close event will follow; reports stay held. */
            log_line(r, BATON_LOG_WARN, "ws_send failed");
        }
        return false;
    case BATON_ACTION_WS_CLOSE:
        r->port.ws_close(r->port.ctx);
        return false;
    case BATON_ACTION_JOB_START:
        r->app.job_start(r->app.ctx, a->run_id, a->session_type, a->data, a->len, a->number);
        return false;
    case BATON_ACTION_JOB_CANCEL:
        r->app.job_cancel(r->app.ctx, a->run_id);
        return false;
    case BATON_ACTION_STORE:
        if (r->port.kv_set(r->port.ctx, a->text, a->data, a->len) != BATON_OK) {
            log_line(r, BATON_LOG_ERROR, "could not persist the held report; it is kept in RAM only");
        }
        return false;
    case BATON_ACTION_EVENT:
        report_event(r, a);
        return false;
    case BATON_ACTION_UPDATE_OFFER:
        if (r->app.update_offer != NULL) {
            r->app.update_offer(r->app.ctx, a->data, a->len);
        } else {
            log_line(r, BATON_LOG_WARN, "a firmware update was offered; this build does not take updates");
        }
        return false;
    }
    return false;
}

/* Runs the current batch; a matchmaking answer is fed back and its batch run in turn. */
static void run(baton_runner_t *r)
{
    for (;;) {
        int http_status = 0;
        size_t response_len = 0;
        uint32_t retry_after_s = 0;
        bool answered = false;
        if (r->actions.dropped > 0) {
            log_line(r, BATON_LOG_ERROR, "actions dropped: BATON_MAX_ACTIONS or BATON_ACTION_ARENA_MAX is too small");
        }
        for (size_t i = 0; i < r->actions.count; i++) {
            if (execute(r, &r->actions.items[i], &http_status, &response_len, &retry_after_s)) {
                answered = true;
            }
        }
        baton_actions_reset(&r->actions);
        if (!answered) {
            return;
        }
        baton_session_on_matchmake_answer(&r->session, http_status, r->http_response, response_len, retry_after_s,
                                          r->port.now_ms(r->port.ctx), &r->actions);
    }
}

/* Enters the runner; false if called from inside a hook. */
static bool enter(baton_runner_t *r)
{
    if (r->busy) {
        log_line(r, BATON_LOG_ERROR, "runner called from inside a hook; call it from the main loop instead");
        return false;
    }
    r->busy = true;
    baton_actions_reset(&r->actions);
    return true;
}

static void leave(baton_runner_t *r)
{
    run(r);
    r->busy = false;
}

baton_status_t baton_runner_init(baton_runner_t *runner, const baton_port_t *port, const baton_app_t *app,
                                 const baton_session_config_t *config, const char *secret)
{
    if (runner == NULL || port == NULL || app == NULL || config == NULL || secret == NULL || port->http_post == NULL ||
        port->ws_open == NULL || port->ws_send == NULL || port->ws_close == NULL || port->now_ms == NULL ||
        port->kv_get == NULL || port->kv_set == NULL || app->job_start == NULL || app->job_cancel == NULL) {
        return BATON_ERR_INVALID_ARG;
    }
    memset(runner, 0, sizeof *runner);
    runner->port = *port;
    runner->app = *app;
    runner->secret = secret;
    baton_session_config_t cfg = *config;
    if (cfg.random == NULL) {
        cfg.random = port->random_u32;
        cfg.random_ctx = port->ctx;
    }
    baton_status_t st = baton_session_init(&runner->session, &cfg);
    if (st != BATON_OK) {
        return st;
    }
    /* The arena is free now: borrow it to read the stored reports, one key per slot. */
    for (size_t slot = 0; slot < BATON_MAX_HELD_REPORTS; slot++) {
        const char *key = baton_held_report_key(slot);
        size_t len = 0;
        st = port->kv_get(port->ctx, key, runner->actions.arena, sizeof runner->actions.arena, &len);
        if (st == BATON_OK) {
            if (baton_session_restore_slot(&runner->session, slot, runner->actions.arena, len) == BATON_OK) {
                char line[BATON_RUN_ID_MAX + 64];
                snprintf(line, sizeof line, "holding an unacknowledged report for run %s", runner->session.held[slot].run_id);
                log_line(runner, BATON_LOG_INFO, line);
            } else {
                log_line(runner, BATON_LOG_WARN, "stored report is corrupt; erasing it");
                (void)port->kv_set(port->ctx, key, NULL, 0);
            }
        } else if (st != BATON_ERR_NOT_FOUND) {
            log_line(runner, BATON_LOG_WARN, "could not read a stored report");
        }
    }
    baton_actions_reset(&runner->actions);
    return BATON_OK;
}

void baton_runner_start(baton_runner_t *r)
{
    if (enter(r)) {
        baton_session_start(&r->session, r->port.now_ms(r->port.ctx), &r->actions);
        leave(r);
    }
}

void baton_runner_leave(baton_runner_t *r)
{
    if (enter(r)) {
        baton_session_leave(&r->session, r->port.now_ms(r->port.ctx), &r->actions);
        leave(r);
    }
}

void baton_runner_tick(baton_runner_t *r)
{
    if (enter(r)) {
        baton_session_on_tick(&r->session, r->port.now_ms(r->port.ctx), &r->actions);
        leave(r);
    }
}

void baton_runner_on_ws_open(baton_runner_t *r)
{
    if (enter(r)) {
        baton_session_on_ws_open(&r->session, r->port.now_ms(r->port.ctx), &r->actions);
        leave(r);
    }
}

void baton_runner_on_ws_message(baton_runner_t *r, const uint8_t *data, size_t len)
{
    if (enter(r)) {
        baton_session_on_frame(&r->session, data, len, r->port.now_ms(r->port.ctx), &r->actions);
        leave(r);
    }
}

void baton_runner_on_ws_closed(baton_runner_t *r, uint16_t close_code)
{
    if (enter(r)) {
        baton_session_on_ws_closed(&r->session, close_code, r->port.now_ms(r->port.ctx), &r->actions);
        leave(r);
    }
}

baton_status_t baton_runner_job_progress(baton_runner_t *r, const char *run_id, double progress, const char *message)
{
    if (!enter(r)) {
        return BATON_ERR_BUSY;
    }
    baton_status_t st = baton_session_job_progress(&r->session, run_id, progress, message, r->port.now_ms(r->port.ctx),
                                                   &r->actions);
    leave(r);
    return st;
}

baton_status_t baton_runner_telemetry_number(baton_runner_t *r, const char *channel, double value)
{
    if (!enter(r)) {
        return BATON_ERR_BUSY;
    }
    baton_status_t st = baton_session_telemetry_number(&r->session, channel, value, &r->actions);
    leave(r);
    return st;
}

baton_status_t baton_runner_job_result(baton_runner_t *r, const char *run_id, const uint8_t *output, size_t len)
{
    if (!enter(r)) {
        return BATON_ERR_BUSY;
    }
    baton_status_t st = baton_session_job_result(&r->session, run_id, output, len, r->port.now_ms(r->port.ctx), &r->actions);
    leave(r);
    return st;
}

baton_status_t baton_runner_job_failed(baton_runner_t *r, const char *run_id, const char *code, const char *message)
{
    if (!enter(r)) {
        return BATON_ERR_BUSY;
    }
    baton_status_t st = baton_session_job_failed(&r->session, run_id, code, message, r->port.now_ms(r->port.ctx),
                                                 &r->actions);
    leave(r);
    return st;
}

baton_status_t baton_runner_device_ready(baton_runner_t *r)
{
    if (!enter(r)) {
        return BATON_ERR_BUSY;
    }
    baton_status_t st = baton_session_device_ready(&r->session, r->port.now_ms(r->port.ctx), &r->actions);
    leave(r);
    return st;
}

uint32_t baton_runner_idle_ms(const baton_runner_t *r, uint32_t max_ms)
{
    uint64_t now = r->port.now_ms(r->port.ctx);
    uint64_t next = baton_session_next_deadline(&r->session);
    if (next <= now) {
        return 0;
    }
    return (next - now) < max_ms ? (uint32_t)(next - now) : max_ms;
}
