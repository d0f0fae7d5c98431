/**
 * @file baton_actions.c
 * @brief The action list a session call returns, and the arena its bytes live in.
 *
 * Why an arena: a single call (the join) may have to send three frames and emit events;
 * the bytes must outlive the call until the runner has executed them, and the core may
 * not allocate. Everything goes into one fixed buffer that the caller resets per call.
 */
#include <string.h>

#include "baton_session_internal.h"

void baton_actions_reset(baton_actions_t *actions)
{
    actions->count = 0;
    actions->arena_used = 0;
    actions->dropped = 0;
}

baton_action_t *baton_act_push(baton_actions_t *actions, baton_action_type_t type)
{
    if (actions->count >= BATON_MAX_ACTIONS) {
        actions->dropped++;
        return NULL;
    }
    baton_action_t *a = &actions->items[actions->count++];
    memset(a, 0, sizeof *a);
    a->type = type;
    return a;
}

const uint8_t *baton_act_copy(baton_actions_t *actions, const uint8_t *data, size_t len)
{
    if (len > BATON_ACTION_ARENA_MAX - actions->arena_used) {
        return NULL;
    }
    uint8_t *p = actions->arena + actions->arena_used;
    if (len > 0) {
        memcpy(p, data, len);
    }
    actions->arena_used += len;
    return p;
}

const char *baton_act_str(baton_actions_t *actions, const char *str)
{
    if (str == NULL) {
        return NULL;
    }
    return (const char *)baton_act_copy(actions, (const uint8_t *)str, strlen(str) + 1);
}

void baton_act_event(baton_actions_t *actions, baton_event_t event, const char *run_id, const char *text, uint64_t number)
{
    baton_action_t *a = baton_act_push(actions, BATON_ACTION_EVENT);
    if (a == NULL) {
        return;
    }
    a->event = event;
    a->run_id = baton_act_str(actions, run_id);
    a->text = baton_act_str(actions, text);
    a->number = number;
}

void baton_act_frame_begin(baton_actions_t *actions, baton_mp_writer_t *w)
{
    baton_mp_writer_init(w, actions->arena + actions->arena_used, BATON_ACTION_ARENA_MAX - actions->arena_used);
}

bool baton_act_frame_send(baton_actions_t *actions, baton_mp_writer_t *w)
{
    if (w->status != BATON_OK) {
        actions->dropped++;
        baton_act_event(actions, BATON_EVENT_PROTOCOL_ERROR, NULL, "outgoing frame does not fit the action arena", 0);
        return false;
    }
    baton_action_t *a = baton_act_push(actions, BATON_ACTION_WS_SEND);
    if (a == NULL) {
        return false;
    }
    a->data = w->buf;
    a->len = w->len;
    actions->arena_used += w->len;
    return true;
}

void baton_act_simple(baton_actions_t *actions, baton_action_type_t type)
{
    (void)baton_act_push(actions, type);
}

const char *baton_event_name(baton_event_t event)
{
    switch (event) {
    case BATON_EVENT_JOINED: return "joined";
    case BATON_EVENT_DISCONNECTED: return "disconnected";
    case BATON_EVENT_RECONNECT_SCHEDULED: return "reconnect-scheduled";
    case BATON_EVENT_GAVE_UP: return "gave-up";
    case BATON_EVENT_MATCHMAKE_FAILED: return "matchmake-failed";
    case BATON_EVENT_START: return "start";
    case BATON_EVENT_RESUMED: return "resumed";
    case BATON_EVENT_CANCELLED: return "cancelled";
    case BATON_EVENT_ABANDONED: return "abandoned";
    case BATON_EVENT_TIMED_OUT: return "timed-out";
    case BATON_EVENT_RESULT_SENT: return "result-sent";
    case BATON_EVENT_FAILED_SENT: return "failed-sent";
    case BATON_EVENT_RESULT_ACKED: return "result-acked";
    case BATON_EVENT_FAILURE_ACKED: return "failure-acked";
    case BATON_EVENT_RESULT_DROPPED: return "result-dropped";
    case BATON_EVENT_RESEND_SCHEDULED: return "resend-scheduled";
    case BATON_EVENT_STALE_COMMAND: return "stale-command";
    case BATON_EVENT_EPOCH_REFUSED: return "epoch-refused";
    case BATON_EVENT_SERVER_ERROR: return "server-error";
    case BATON_EVENT_PROTOCOL_ERROR: return "protocol-error";
    }
    return "unknown";
}
