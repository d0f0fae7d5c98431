/**
 * @file baton_session_resend.c
 * @brief Re-sending the held reports after the room answered RATE_LIMITED (PROTOCOL §7.3).
 *
 * Why: the room's rate limit drops frames before it reads them. A dropped `result` or
 * `failed` is neither delivered nor acknowledged, so it stays held, but without this rule it
 * would only go out again after the next join — which a healthy connection never has. The
 * room answers a dropped report with RATE_LIMITED (other dropped frames with at most one a
 * second), so any RATE_LIMITED means "a report of yours may be lost": once the back-off has
 * passed, the device re-sends what it still holds. Re-sending is always safe: the room
 * recognises reports by run id and acknowledges every copy.
 *
 * Why a back-off, not at once: the room's bucket is empty at that moment; an immediate copy
 * would be dropped too and earn another RATE_LIMITED. One re-send per back-off period at
 * most (a RATE_LIMITED while one is pending changes nothing), the period doubling with
 * jitter (baton_backoff.h, never giving up) and back to the base at an `ack`. A connection
 * that ends drops the pending re-send: the next `welcome` re-sends the held reports anyway.
 * The TypeScript simulator has the same rule (client/src/simulator/resend.ts).
 */
#include "baton_session_internal.h"

void baton_session_resend_init(baton_session_t *sm)
{
    const baton_backoff_config_t config = {
        .initial_delay_ms = BATON_RESEND_INITIAL_DELAY_MS,
        .max_delay_ms = BATON_RESEND_MAX_DELAY_MS,
        .max_attempts = 0, /* never give up: the report is held until acknowledged */
    };
    baton_backoff_init(&sm->resend_backoff, &config);
    sm->resend_pending = false;
    sm->resend_due_ms = 0;
}

void baton_session_on_rate_limited(baton_session_t *sm, const char *request, uint64_t now_ms, baton_actions_t *actions)
{
    if (sm->resend_pending) {
        return; /* one re-send per back-off period */
    }
    uint32_t delay = 0;
    if (baton_backoff_next(&sm->resend_backoff, sm->config.random, sm->config.random_ctx, &delay) != BATON_OK) {
        return; /* cannot happen with max_attempts 0; the next join re-sends in any case */
    }
    /* Scheduled even when nothing is held yet: a report sent right after the refused frame
     * may be dropped too. What is held is looked at when the re-send is due. */
    sm->resend_pending = true;
    sm->resend_due_ms = now_ms + delay;
    const int oldest = baton_held_find_oldest(sm);
    baton_act_event(actions, BATON_EVENT_RESEND_SCHEDULED, oldest >= 0 ? sm->held[oldest].run_id : NULL, request, delay);
}

void baton_session_resend_tick(baton_session_t *sm, uint64_t now_ms, baton_actions_t *actions)
{
    if (!sm->resend_pending || now_ms < sm->resend_due_ms) {
        return;
    }
    sm->resend_pending = false;
    baton_session_resend_held(sm, actions); /* oldest first; nothing if all were acknowledged meanwhile */
}

void baton_session_resend_on_ack(baton_session_t *sm)
{
    baton_backoff_reset(&sm->resend_backoff); /* reports get through again: back to the base */
}

void baton_session_resend_cancel(baton_session_t *sm)
{
    sm->resend_pending = false;
}
