/**
 * @file baton_session.c
 * @brief Session lifecycle: configuration, joining steps, timers, reconnect scheduling.
 */
#include <stdio.h>
#include <string.h>

#include "baton_protocol.h"
#include "baton_session_internal.h"

#define DEFAULT_HEARTBEAT_MS BATON_HEARTBEAT_MAX_MS
#define DEFAULT_STEP_TIMEOUT_MS 10000u
#define DEFAULT_JOB_GRACE_MS 5000u

baton_status_t baton_session_init(baton_session_t *sm, const baton_session_config_t *config)
{
    if (sm == NULL || config == NULL || config->server_url == NULL || config->device_id == NULL ||
        config->session_types == NULL) {
        return BATON_ERR_INVALID_ARG;
    }
    memset(sm, 0, sizeof *sm);
    sm->config = *config;
    if (sm->config.firmware == NULL) {
        sm->config.firmware = "";
    }
    if (sm->config.heartbeat_interval_ms == 0) {
        sm->config.heartbeat_interval_ms = DEFAULT_HEARTBEAT_MS;
    }
    /* A slower heartbeat would let the room's silence timeout drop a healthy device. */
    if (sm->config.heartbeat_interval_ms > BATON_HEARTBEAT_MAX_MS) {
        sm->config.heartbeat_interval_ms = BATON_HEARTBEAT_MAX_MS;
    }
    if (sm->config.liveness_timeout_ms == 0) {
        sm->config.liveness_timeout_ms = 3 * sm->config.heartbeat_interval_ms;
    }
    if (sm->config.step_timeout_ms == 0) {
        sm->config.step_timeout_ms = DEFAULT_STEP_TIMEOUT_MS;
    }
    if (sm->config.job_grace_ms == 0) {
        sm->config.job_grace_ms = DEFAULT_JOB_GRACE_MS;
    }
    if (!baton_id_is_safe(config->device_id)) {
        return BATON_ERR_CONFIG;
    }
    /* Fail at start-up, not at the first connection, if the URLs cannot be built. */
    char url[BATON_URL_MAX];
    baton_seat_t probe;
    memset(&probe, 'x', sizeof probe);
    probe.session_id[BATON_ID_MAX] = probe.room_id[BATON_ID_MAX] = probe.process_id[BATON_ID_MAX] = '\0';
    probe.public_address[0] = '\0';
    if (baton_matchmake_url(config->server_url, url, sizeof url) != BATON_OK ||
        baton_ws_url(config->server_url, &probe, url, sizeof url) != BATON_OK) {
        return BATON_ERR_CONFIG;
    }
    if (baton_session_read_types(sm) != BATON_OK) {
        return BATON_ERR_CONFIG;
    }
    baton_backoff_init(&sm->backoff, &config->backoff);
    baton_session_resend_init(sm);
    sm->state = BATON_CONN_STOPPED;
    return BATON_OK;
}

/* Sends the matchmaking POST: the first step of every attempt. */
static void begin_attempt(baton_session_t *sm, uint64_t now_ms, baton_actions_t *actions)
{
    char url[BATON_URL_MAX];
    char body[BATON_ID_MAX + 64];
    baton_action_t *a = NULL;
    if (baton_matchmake_url(sm->config.server_url, url, sizeof url) == BATON_OK &&
        baton_matchmake_body(sm->config.device_id, body, sizeof body) == BATON_OK &&
        (a = baton_act_push(actions, BATON_ACTION_HTTP_POST)) != NULL) {
        a->text = baton_act_str(actions, url);
        a->data = baton_act_copy(actions, (const uint8_t *)body, strlen(body));
        a->len = strlen(body);
    }
    if (a == NULL || a->text == NULL || a->data == NULL) {
        /* Only a too-small arena gets here (init checked the config): retry later rather than spin. */
        if (a != NULL) {
            actions->count--;
        }
        baton_session_fail(sm, now_ms, actions, "cannot build the matchmaking request", false);
        return;
    }
    sm->state = BATON_CONN_MATCHMAKING;
    sm->step_deadline_ms = now_ms + sm->config.step_timeout_ms;
}

void baton_session_start(baton_session_t *sm, uint64_t now_ms, baton_actions_t *actions)
{
    if (sm->state != BATON_CONN_STOPPED && sm->state != BATON_CONN_WAITING) {
        return; /* already connecting or connected */
    }
    if (sm->started_ms == 0) {
        sm->started_ms = now_ms;
    }
    sm->stop_reason = BATON_STOP_NONE;
    baton_backoff_reset(&sm->backoff);
    begin_attempt(sm, now_ms, actions);
}

static bool socket_state(baton_conn_state_t s)
{
    return s == BATON_CONN_WS_CONNECTING || s == BATON_CONN_JOINING || s == BATON_CONN_AWAIT_WELCOME || s == BATON_CONN_ONLINE;
}

void baton_session_on_tick(baton_session_t *sm, uint64_t now_ms, baton_actions_t *actions)
{
    /* The job budget runs whether or not the device is connected. */
    if (sm->job.active && now_ms >= sm->job.deadline_ms) {
        char run_id[BATON_RUN_ID_MAX + 1];
        uint64_t epoch = sm->job.epoch;
        memcpy(run_id, sm->job.run_id, sizeof run_id);
        baton_session_stop_job(sm, BATON_EVENT_TIMED_OUT, actions);
        baton_session_report_failure(sm, epoch, run_id, BATON_ERROR_CODE_RUN_TIMEOUT,
                                     "the device stopped the job: it ran past its time budget", actions);
    }

    switch (sm->state) {
    case BATON_CONN_WAITING:
        if (now_ms >= sm->step_deadline_ms) {
            begin_attempt(sm, now_ms, actions);
        }
        break;
    case BATON_CONN_MATCHMAKING:
    case BATON_CONN_WS_CONNECTING:
    case BATON_CONN_JOINING:
    case BATON_CONN_AWAIT_WELCOME:
        if (now_ms >= sm->step_deadline_ms) {
            char reason[48] = "timeout while ";
            strncat(reason, baton_conn_state_name(sm->state), sizeof reason - strlen(reason) - 1);
            baton_session_fail(sm, now_ms, actions, reason, socket_state(sm->state));
        }
        break;
    case BATON_CONN_ONLINE:
        if (now_ms - sm->last_rx_ms >= sm->config.liveness_timeout_ms) {
            baton_session_fail(sm, now_ms, actions, "no frame from the server within the liveness timeout", true);
        } else {
            if (now_ms >= sm->next_heartbeat_ms) {
                baton_session_send_heartbeat(sm, now_ms, actions);
                sm->next_heartbeat_ms = now_ms + sm->config.heartbeat_interval_ms;
            }
            baton_session_resend_tick(sm, now_ms, actions);
        }
        break;
    case BATON_CONN_STOPPED:
        break;
    }
}

void baton_session_on_matchmake_response(baton_session_t *sm, int http_status, const char *body, size_t len,
                                         uint64_t now_ms, baton_actions_t *actions)
{
    baton_session_on_matchmake_answer(sm, http_status, body, len, 0, now_ms, actions);
}

void baton_session_on_matchmake_answer(baton_session_t *sm, int http_status, const char *body, size_t len,
                                       uint32_t retry_after_s, uint64_t now_ms, baton_actions_t *actions)
{
    if (sm->state != BATON_CONN_MATCHMAKING) {
        return; /* a late answer to an attempt that already timed out */
    }
    if (http_status == 200) {
        baton_seat_t seat;
        char url[BATON_URL_MAX];
        if (baton_matchmake_parse_seat(body, len, &seat) != BATON_OK ||
            baton_ws_url(sm->config.server_url, &seat, url, sizeof url) != BATON_OK) {
            baton_act_event(actions, BATON_EVENT_MATCHMAKE_FAILED, NULL, "unreadable seat reservation", 200);
            baton_session_schedule_reconnect(sm, now_ms, actions);
            return;
        }
        baton_action_t *a = baton_act_push(actions, BATON_ACTION_WS_OPEN);
        if (a != NULL) {
            a->text = baton_act_str(actions, url);
        }
        sm->state = BATON_CONN_WS_CONNECTING;
        sm->step_deadline_ms = now_ms + sm->config.step_timeout_ms;
        return;
    }
    int64_t code = 0;
    char message[128];
    baton_matchmake_parse_error(body, len, &code, message, sizeof message);
    if (message[0] == '\0') {
        baton_copy_str(message, sizeof message, http_status == 0 ? "no answer from the server" : "no error message");
    }
    baton_act_event(actions, BATON_EVENT_MATCHMAKE_FAILED, NULL, message, (uint64_t)(http_status < 0 ? 0 : http_status));
    /* The answer's `errorCode` names the Baton code (docs/PROTOCOL.md "Join refusals"); 401/404
     * are the statuses the server uses for the two that retrying cannot fix. */
    char error_code[BATON_ERROR_CODE_MAX];
    (void)baton_matchmake_parse_error_code(body, len, error_code, sizeof error_code);
    const bool refused = http_status == 401 || http_status == 404 ||
                         strcmp(error_code, BATON_ERROR_CODE_UNAUTHORIZED) == 0 ||
                         strcmp(error_code, BATON_ERROR_CODE_UNKNOWN_DEVICE) == 0;
    if (refused) {
        baton_session_stop(sm, BATON_STOP_REFUSED, actions); /* retrying cannot fix a wrong secret or an unknown id */
        return;
    }
    /* Never sooner than the server asked (a throttled device secret's 429 says how long). */
    baton_session_schedule_reconnect_after(sm, now_ms, retry_after_s > BATON_RETRY_AFTER_MAX_S ? BATON_RETRY_AFTER_MAX_S * 1000u : retry_after_s * 1000u, actions);
}

void baton_session_on_ws_open(baton_session_t *sm, uint64_t now_ms, baton_actions_t *actions)
{
    (void)actions;
    if (sm->state != BATON_CONN_WS_CONNECTING) {
        return;
    }
    sm->state = BATON_CONN_JOINING;
    sm->last_rx_ms = now_ms;
    sm->step_deadline_ms = now_ms + sm->config.step_timeout_ms;
}

void baton_session_on_ws_closed(baton_session_t *sm, uint16_t close_code, uint64_t now_ms, baton_actions_t *actions)
{
    if (!socket_state(sm->state)) {
        return;
    }
    char reason[40];
    if (close_code != 0) {
        snprintf(reason, sizeof reason, "socket closed (code %u)", (unsigned)close_code);
    } else {
        snprintf(reason, sizeof reason, "socket closed");
    }
    baton_session_held_offline(sm);
    baton_session_resend_cancel(sm);
    baton_act_event(actions, BATON_EVENT_DISCONNECTED, NULL, reason, close_code);
    switch (close_code) {
    case BATON_CLOSE_CODE_DEVICE_REPLACED:
        baton_session_stop(sm, BATON_STOP_REPLACED, actions); /* another instance runs: do not fight it */
        break;
    case BATON_CLOSE_CODE_DEVICE_REVOKED:
        baton_session_stop(sm, BATON_STOP_REVOKED, actions);
        break;
    case BATON_CLOSE_CODE_DEVICE_SILENT:
        /* The room judged the link half-open; nothing is wrong with the server: come straight back. */
        baton_session_wait_then_retry(sm, now_ms, 0, actions);
        break;
    default:
        baton_session_schedule_reconnect(sm, now_ms, actions);
        break;
    }
}

void baton_session_leave(baton_session_t *sm, uint64_t now_ms, baton_actions_t *actions)
{
    (void)now_ms;
    if (sm->state == BATON_CONN_STOPPED) {
        return;
    }
    if (sm->state == BATON_CONN_AWAIT_WELCOME || sm->state == BATON_CONN_ONLINE) {
        baton_mp_writer_t w;
        baton_act_frame_begin(actions, &w);
        baton_frame_write_code(&w, BATON_COLYSEUS_LEAVE_ROOM); /* the room marks the device offline at once */
        baton_act_frame_send(actions, &w);
    }
    if (socket_state(sm->state)) {
        baton_act_simple(actions, BATON_ACTION_WS_CLOSE);
    }
    baton_session_stop(sm, BATON_STOP_LEFT, actions);
}

static void handle_join_room(baton_session_t *sm, const baton_frame_t *frame, uint64_t now_ms, baton_actions_t *actions)
{
    if (sm->state != BATON_CONN_JOINING) {
        baton_act_event(actions, BATON_EVENT_PROTOCOL_ERROR, NULL, "JOIN_ROOM outside of joining", 0);
        return;
    }
    size_t n = frame->join.token_len < BATON_ID_MAX ? frame->join.token_len : BATON_ID_MAX;
    memcpy(sm->reconnection_token, frame->join.token, n);
    sm->reconnection_token[n] = '\0';

    baton_mp_writer_t w;
    baton_act_frame_begin(actions, &w);
    baton_frame_write_code(&w, BATON_COLYSEUS_JOIN_ROOM);
    baton_act_frame_send(actions, &w);
    baton_session_send_hello(sm, actions);
    sm->state = BATON_CONN_AWAIT_WELCOME;
    sm->step_deadline_ms = now_ms + sm->config.step_timeout_ms;
}

void baton_session_on_frame(baton_session_t *sm, const uint8_t *bytes, size_t len, uint64_t now_ms,
                            baton_actions_t *actions)
{
    if (sm->state != BATON_CONN_JOINING && sm->state != BATON_CONN_AWAIT_WELCOME && sm->state != BATON_CONN_ONLINE) {
        return; /* no socket the session believes in */
    }
    sm->last_rx_ms = now_ms;
    baton_frame_t frame;
    baton_status_t st = baton_frame_parse(bytes, len, &frame);
    if (st != BATON_OK) {
        baton_act_event(actions, BATON_EVENT_PROTOCOL_ERROR, NULL, baton_status_str(st), len > 0 ? bytes[0] : 0);
        return;
    }
    switch (frame.kind) {
    case BATON_FRAME_JOIN_ROOM:
        handle_join_room(sm, &frame, now_ms, actions);
        break;
    case BATON_FRAME_ROOM_DATA:
        baton_session_handle_room_data(sm, &frame, now_ms, actions);
        break;
    case BATON_FRAME_ERROR: {
        char message[96];
        size_t n = frame.error.message_len < sizeof message - 1 ? frame.error.message_len : sizeof message - 1;
        if (n > 0) {
            memcpy(message, frame.error.message, n);
        }
        message[n] = '\0';
        baton_act_event(actions, BATON_EVENT_SERVER_ERROR, NULL, message, (uint64_t)frame.error.code);
        break;
    }
    case BATON_FRAME_LEAVE:
        baton_session_fail(sm, now_ms, actions, "the room asked the device to leave", true);
        break;
    case BATON_FRAME_PING:
    case BATON_FRAME_IGNORED:
        break; /* liveness was recorded above; state frames are not for the device */
    }
}

uint64_t baton_session_next_deadline(const baton_session_t *sm)
{
    uint64_t next = UINT64_MAX;
    switch (sm->state) {
    case BATON_CONN_WAITING:
    case BATON_CONN_MATCHMAKING:
    case BATON_CONN_WS_CONNECTING:
    case BATON_CONN_JOINING:
    case BATON_CONN_AWAIT_WELCOME:
        next = sm->step_deadline_ms;
        break;
    case BATON_CONN_ONLINE: {
        uint64_t silent = sm->last_rx_ms + sm->config.liveness_timeout_ms;
        next = sm->next_heartbeat_ms < silent ? sm->next_heartbeat_ms : silent;
        if (sm->resend_pending && sm->resend_due_ms < next) {
            next = sm->resend_due_ms;
        }
        break;
    }
    case BATON_CONN_STOPPED:
        break;
    }
    if (sm->job.active && sm->job.deadline_ms < next) {
        next = sm->job.deadline_ms;
    }
    return next;
}

const char *baton_conn_state_name(baton_conn_state_t state)
{
    switch (state) {
    case BATON_CONN_WAITING: return "waiting";
    case BATON_CONN_MATCHMAKING: return "matchmaking";
    case BATON_CONN_WS_CONNECTING: return "ws-connecting";
    case BATON_CONN_JOINING: return "joining";
    case BATON_CONN_AWAIT_WELCOME: return "awaiting-welcome";
    case BATON_CONN_ONLINE: return "online";
    case BATON_CONN_STOPPED: return "stopped";
    }
    return "unknown";
}
