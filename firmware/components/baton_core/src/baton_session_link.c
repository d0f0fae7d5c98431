/**
 * @file baton_session_link.c
 * @brief Ending a connection or an attempt: stop for good, wait and retry, back off.
 *
 * Shared by the lifecycle (baton_session.c) and the room commands (a refused welcome leaves
 * and reconnects); it calls only the held-report and re-send helpers, never back into them.
 */
#include "baton_session_internal.h"

static const char *stop_reason_text(baton_stop_reason_t reason)
{
    switch (reason) {
    case BATON_STOP_RETRIES_EXHAUSTED: return "reconnect attempts exhausted";
    case BATON_STOP_REFUSED: return "the server refused this device (UNAUTHORIZED / UNKNOWN_DEVICE)";
    case BATON_STOP_REPLACED: return "another connection of this device id replaced this one (4101)";
    case BATON_STOP_REVOKED: return "the device was revoked (4102)";
    case BATON_STOP_LEFT: return "left on request";
    case BATON_STOP_NONE: break;
    }
    return "stopped";
}

/* Stops connecting for good (until baton_session_start). */
void baton_session_stop(baton_session_t *sm, baton_stop_reason_t reason, baton_actions_t *actions)
{
    sm->state = BATON_CONN_STOPPED;
    sm->stop_reason = reason;
    baton_session_held_offline(sm);
    baton_session_resend_cancel(sm);
    /* Leaving on request is not giving up: tests and apps wait for gave-up as a failure. */
    baton_act_event(actions, reason == BATON_STOP_LEFT ? BATON_EVENT_DISCONNECTED : BATON_EVENT_GAVE_UP, NULL,
                    stop_reason_text(reason), (uint64_t)reason);
}

/* Waits `delay` before the next attempt (0: at the next tick). */
void baton_session_wait_then_retry(baton_session_t *sm, uint64_t now_ms, uint32_t delay, baton_actions_t *actions)
{
    sm->state = BATON_CONN_WAITING;
    sm->step_deadline_ms = now_ms + delay;
    baton_act_event(actions, BATON_EVENT_RECONNECT_SCHEDULED, NULL, NULL, delay);
}

void baton_session_schedule_reconnect(baton_session_t *sm, uint64_t now_ms, baton_actions_t *actions)
{
    baton_session_schedule_reconnect_after(sm, now_ms, 0, actions);
}

void baton_session_schedule_reconnect_after(baton_session_t *sm, uint64_t now_ms, uint32_t at_least_ms, baton_actions_t *actions)
{
    uint32_t delay = 0;
    if (baton_backoff_next(&sm->backoff, sm->config.random, sm->config.random_ctx, &delay) != BATON_OK) {
        baton_session_stop(sm, BATON_STOP_RETRIES_EXHAUSTED, actions);
        return;
    }
    baton_session_wait_then_retry(sm, now_ms, delay > at_least_ms ? delay : at_least_ms, actions);
}

void baton_session_fail(baton_session_t *sm, uint64_t now_ms, baton_actions_t *actions, const char *reason,
                        bool close_socket)
{
    if (close_socket) {
        baton_act_simple(actions, BATON_ACTION_WS_CLOSE);
    }
    baton_session_held_offline(sm);
    baton_session_resend_cancel(sm);
    baton_act_event(actions, BATON_EVENT_DISCONNECTED, NULL, reason, 0);
    baton_session_schedule_reconnect(sm, now_ms, actions);
}
