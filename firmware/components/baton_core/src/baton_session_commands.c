/**
 * @file baton_session_commands.c
 * @brief What the room sends the device: welcome, start, cancel, ack, error.
 *
 * Fencing rule (docs/PROTOCOL.md §6, §7): `start` and `cancel` carry the holder's epoch; one
 * below the highest epoch seen comes from a session that has already ended (delayed on this
 * connection) and changes nothing. `welcome` is different: it is the first message of a
 * fresh connection, so it cannot be a delayed one, but one with a lower epoch comes from a
 * server that does not know what the device has seen: the device refuses it, leaves and
 * retries (the simulator's `refuseEpoch`); its `hello.epoch` lets a current server catch up.
 */
#include <string.h>

#include "baton_protocol.h"
#include "baton_session_internal.h"

/* 7 days: shared/messages.ts MAX_DURATION_MS, the largest maxDurationMs it accepts; anything larger is a
 * timestamp. test/contract/deviceLimits.test.ts checks the two agree. */
#define MAX_RELATIVE_BUDGET_MS (7ull * 24 * 3600 * 1000)

/* An empty msgpack map, for runs sent without input. */
static const uint8_t EMPTY_MAP[1] = {0x80};

static void protocol_error(baton_actions_t *actions, const char *what)
{
    baton_act_event(actions, BATON_EVENT_PROTOCOL_ERROR, NULL, what, 0);
}

/* True (and an event) if `epoch` is older than what the device has seen. Otherwise records it. */
static bool is_stale(baton_session_t *sm, uint64_t epoch, const char *run_id, baton_actions_t *actions)
{
    if (sm->epoch_known && epoch < sm->highest_epoch) {
        baton_act_event(actions, BATON_EVENT_STALE_COMMAND, run_id, NULL, epoch);
        return true;
    }
    sm->epoch_known = true;
    sm->highest_epoch = epoch;
    return false;
}

/* Reads an optional `input` map (raw bytes) from a payload; false if present but not a map. */
static bool read_input(const baton_mp_reader_t *payload, const uint8_t **input, size_t *input_len)
{
    baton_status_t st = baton_mp_map_get_raw(payload, "input", input, input_len);
    if (st == BATON_ERR_NOT_FOUND) {
        *input = EMPTY_MAP;
        *input_len = sizeof EMPTY_MAP;
        return true;
    }
    if (st != BATON_OK) {
        return false;
    }
    baton_mp_reader_t r;
    baton_mp_value_t v;
    baton_mp_reader_init(&r, *input, *input_len);
    if (baton_mp_read(&r, &v) != BATON_OK) {
        return false;
    }
    if (v.type == BATON_MP_NIL) {
        *input = EMPTY_MAP;
        *input_len = sizeof EMPTY_MAP;
        return true;
    }
    return v.type == BATON_MP_MAP;
}

/*
 * The time budget of a run: the declared maximum, shortened by the command's deadlineMs when
 * that reads as a duration. An absolute server timestamp cannot be used (the device has no
 * synchronised clock) and is ignored; the room enforces its own deadline in any case.
 */
static uint64_t run_budget(const baton_declared_type_t *type, const baton_mp_reader_t *payload)
{
    uint64_t budget = type->max_duration_ms;
    uint64_t deadline = 0;
    if (baton_mp_map_get_u64(payload, "deadlineMs", &deadline) == BATON_OK && deadline > 0 &&
        deadline <= MAX_RELATIVE_BUDGET_MS && deadline < budget) {
        budget = deadline;
    }
    return budget;
}

/* Starts a run the room asked for (by `start`, or by `welcome` after a device restart). */
static void start_run(baton_session_t *sm, uint64_t epoch, const char *run_id, const char *session_type,
                      const baton_mp_reader_t *payload, uint64_t now_ms, baton_actions_t *actions)
{
    const baton_declared_type_t *type = baton_session_find_type(sm, session_type);
    if (type == NULL) {
        baton_session_report_failure(sm, epoch, run_id, BATON_ERROR_CODE_UNKNOWN_SESSION_TYPE,
                                     "this device does not declare that session type", actions);
        return;
    }
    const uint8_t *input = NULL;
    size_t input_len = 0;
    if (!read_input(payload, &input, &input_len)) {
        baton_session_report_failure(sm, epoch, run_id, BATON_ERROR_CODE_INVALID_INPUT, "input is not a map", actions);
        return;
    }
    if (input_len > sizeof sm->job.input) {
        baton_session_report_failure(sm, epoch, run_id, BATON_ERROR_CODE_INVALID_INPUT,
                                     "input is larger than the device can hold", actions);
        return;
    }
    baton_job_t *job = &sm->job;
    memset(job, 0, sizeof *job);
    job->active = true;
    baton_copy_str(job->run_id, sizeof job->run_id, run_id);
    baton_copy_str(job->session_type, sizeof job->session_type, session_type);
    job->epoch = epoch;
    job->started_ms = now_ms;
    uint64_t budget = run_budget(type, payload);
    job->deadline_ms = now_ms + budget + sm->config.job_grace_ms;
    memcpy(job->input, input, input_len);
    job->input_len = input_len;

    baton_action_t *a = baton_act_push(actions, BATON_ACTION_JOB_START);
    if (a != NULL) {
        /* Points into the session, not the arena: the input must outlive this batch. */
        a->run_id = job->run_id;
        a->session_type = job->session_type;
        a->data = job->input;
        a->len = job->input_len;
        a->number = budget;
    }
    baton_act_event(actions, BATON_EVENT_START, run_id, session_type, epoch);
    baton_session_send_accepted(sm, actions);
}

/* Fields common to start/cancel/welcome. */
typedef struct {
    uint64_t epoch;
    char run_id[BATON_RUN_ID_MAX + 1];
    bool has_run_id;
    char session_type[BATON_SESSION_TYPE_MAX + 1];
    bool has_session_type;
} command_fields_t;

static bool read_fields(const baton_mp_reader_t *payload, command_fields_t *f)
{
    memset(f, 0, sizeof *f);
    if (baton_mp_map_get_u64(payload, "epoch", &f->epoch) != BATON_OK) {
        return false;
    }
    baton_status_t st = baton_mp_map_get_str(payload, "runId", f->run_id, sizeof f->run_id);
    if (st == BATON_OK) {
        f->has_run_id = f->run_id[0] != '\0';
    } else {
        baton_mp_value_t v;
        baton_mp_reader_t vr;
        /* Absent or nil is fine (welcome when idle); anything else is not a run id we can hold. */
        if (st != BATON_ERR_NOT_FOUND &&
            !(baton_mp_map_find(payload, "runId", &vr) == BATON_OK && baton_mp_read(&vr, &v) == BATON_OK &&
              v.type == BATON_MP_NIL)) {
            return false;
        }
    }
    st = baton_mp_map_get_str(payload, "sessionType", f->session_type, sizeof f->session_type);
    f->has_session_type = (st == BATON_OK && f->session_type[0] != '\0');
    return true;
}

/*
 * docs/PROTOCOL.md §7.1, in order: (1) a welcome with a lower epoch than the highest seen is
 * refused: the server does not know what the device knows (a stale process, or a store
 * restored from an old backup) — leave, keep the job and any held report, and try again
 * with backoff (a current server learns the device's epoch from `hello.epoch` and answers
 * at or above it); (2) held reports are re-sent; (3) the job in progress is resumed only for
 * the same run and epoch, otherwise abandoned; (4) a running run the device does not know is
 * answered by its held failure, started from the welcome's type + input, or reported failed.
 */
/*
 * A firmware offer (the `update` message's payload, or `welcome.update`) goes to the
 * application as it came: its fields are checked there (baton_ota_parse_offer_msgpack), and
 * whether to take it is the OTA machine's decision (baton_ota.h), not the session's.
 */
static void offer_update(const uint8_t *offer, size_t len, baton_actions_t *actions)
{
    baton_mp_reader_t r;
    baton_mp_value_t head;
    baton_mp_reader_init(&r, offer, len);
    if (baton_mp_read(&r, &head) != BATON_OK || head.type != BATON_MP_MAP) {
        protocol_error(actions, "update offer is not a map");
        return;
    }
    baton_action_t *a = baton_act_push(actions, BATON_ACTION_UPDATE_OFFER);
    if (a == NULL) {
        return;
    }
    a->data = baton_act_copy(actions, offer, len);
    a->len = a->data != NULL ? len : 0;
    if (a->data == NULL) {
        a->type = BATON_ACTION_EVENT; /* no room to carry it: said rather than lost silently */
        a->event = BATON_EVENT_PROTOCOL_ERROR;
        a->text = "update offer dropped: action arena full";
    }
}

static void handle_welcome(baton_session_t *sm, const baton_mp_reader_t *payload, uint64_t now_ms, baton_actions_t *actions)
{
    command_fields_t f;
    char phase[24];
    if (!read_fields(payload, &f) || baton_mp_map_get_str(payload, "phase", phase, sizeof phase) != BATON_OK) {
        protocol_error(actions, "welcome without epoch/phase");
        return;
    }
    const bool first_welcome = (sm->state == BATON_CONN_AWAIT_WELCOME);
    if (sm->epoch_known && f.epoch < sm->highest_epoch) {
        if (!first_welcome) {
            /* The room answers each hello once: a second, older welcome on this connection is a
             * delayed duplicate, fenced like any other command. */
            baton_act_event(actions, BATON_EVENT_STALE_COMMAND, f.has_run_id ? f.run_id : NULL, "welcome", f.epoch);
            return;
        }
        /* (1) Refused. The backoff is not reset (no welcome was accepted), so a server that
         * stays behind is retried ever more slowly, never in a tight loop. */
        baton_act_event(actions, BATON_EVENT_EPOCH_REFUSED, f.has_run_id ? f.run_id : NULL, "welcome below the highest epoch seen",
                        f.epoch);
        baton_session_fail(sm, now_ms, actions, "refused a welcome with a lower epoch", true);
        return;
    }
    sm->epoch_known = true;
    sm->highest_epoch = f.epoch;

    sm->state = BATON_CONN_ONLINE;
    baton_backoff_reset(&sm->backoff);
    sm->next_heartbeat_ms = now_ms + sm->config.heartbeat_interval_ms;
    if (first_welcome) {
        baton_act_event(actions, BATON_EVENT_JOINED, NULL, phase, f.epoch);
    }
    const uint8_t *update = NULL;
    size_t update_len = 0;
    if (baton_mp_map_get_raw(payload, "update", &update, &update_len) == BATON_OK) {
        offer_update(update, update_len, actions); /* kept until the device is idle (baton_ota_poll) */
    }

    const bool running = strcmp(phase, BATON_PHASE_RUNNING) == 0 && f.has_run_id;
    const bool held_is_this_run = running && baton_held_find(sm, f.run_id) >= 0;
    /* (2) Results are re-sent whatever the phase (they are fenced on arrival, orphaned and
     * acknowledged). A failure is acknowledged by current rooms, but an older room never
     * acknowledged one: re-send it only while the room still runs that run, else it was heard. */
    for (int slot = 0; slot < BATON_MAX_HELD_REPORTS; slot++) {
        const baton_held_report_t *h = &sm->held[slot];
        if (h->present && h->is_failure && !(running && strcmp(f.run_id, h->run_id) == 0)) {
            baton_session_forget_held(sm, slot, actions);
        }
    }
    baton_session_resend_held(sm, actions); /* oldest first */

    /* (3) */
    if (sm->job.active) {
        if (running && strcmp(f.run_id, sm->job.run_id) == 0 && f.epoch == sm->job.epoch) {
            baton_act_event(actions, BATON_EVENT_RESUMED, sm->job.run_id, NULL, sm->job.epoch);
            baton_session_send_progress(sm, NULL, actions); /* proves the job alive, restarts the step timer */
            return;
        }
        baton_session_stop_job(sm, BATON_EVENT_ABANDONED, actions);
    }
    /* (4) */
    if (!running || held_is_this_run) {
        return; /* idle, or the held report answers it */
    }
    const uint8_t *input = NULL;
    size_t input_len = 0;
    if (f.has_session_type && baton_mp_map_get_raw(payload, "input", &input, &input_len) == BATON_OK) {
        start_run(sm, f.epoch, f.run_id, f.session_type, payload, now_ms, actions);
    } else {
        baton_session_report_failure(sm, f.epoch, f.run_id, BATON_ERROR_CODE_DEVICE_FAILED,
                                     "the device restarted and lost the run", actions);
    }
}

static void handle_start(baton_session_t *sm, const baton_mp_reader_t *payload, uint64_t now_ms, baton_actions_t *actions)
{
    command_fields_t f;
    if (!read_fields(payload, &f) || !f.has_run_id || !f.has_session_type) {
        protocol_error(actions, "start without epoch/runId/sessionType");
        return;
    }
    if (is_stale(sm, f.epoch, f.run_id, actions)) {
        return;
    }
    if (sm->job.active && strcmp(sm->job.run_id, f.run_id) == 0) {
        baton_session_send_accepted(sm, actions); /* a duplicate: confirm again, do not restart */
        return;
    }
    const int held = baton_held_find(sm, f.run_id);
    if (held >= 0) {
        baton_session_send_held(sm, held, true, actions); /* already finished: the answer is the held report */
        return;
    }
    if (sm->job.active) {
        baton_session_stop_job(sm, BATON_EVENT_ABANDONED, actions);
    }
    start_run(sm, f.epoch, f.run_id, f.session_type, payload, now_ms, actions);
}

static void handle_cancel(baton_session_t *sm, const baton_mp_reader_t *payload, baton_actions_t *actions)
{
    command_fields_t f;
    if (!read_fields(payload, &f) || !f.has_run_id) {
        protocol_error(actions, "cancel without epoch/runId");
        return;
    }
    if (is_stale(sm, f.epoch, f.run_id, actions)) {
        return;
    }
    if (sm->job.active && strcmp(sm->job.run_id, f.run_id) == 0) {
        baton_session_stop_job(sm, BATON_EVENT_CANCELLED, actions);
    }
}

static void handle_ack(baton_session_t *sm, const baton_mp_reader_t *payload, baton_actions_t *actions)
{
    char run_id[BATON_RUN_ID_MAX + 1];
    if (baton_mp_map_get_str(payload, "runId", run_id, sizeof run_id) != BATON_OK) {
        protocol_error(actions, "ack without runId");
        return;
    }
    baton_session_resend_on_ack(sm);
    /* The room acknowledges an accepted `failed` like a `result`; an ack for any other run is
     * a late duplicate (or not ours) and changes nothing. */
    const int slot = baton_held_find(sm, run_id);
    if (slot >= 0) {
        baton_act_event(actions, sm->held[slot].is_failure ? BATON_EVENT_FAILURE_ACKED : BATON_EVENT_RESULT_ACKED, run_id,
                        NULL, sm->held[slot].epoch);
        baton_session_forget_held(sm, slot, actions);
    }
}

static void handle_error(baton_session_t *sm, const baton_mp_reader_t *payload, uint64_t now_ms, baton_actions_t *actions)
{
    char code[BATON_SESSION_TYPE_MAX + 1] = "";
    char message[128] = "";
    char request[24] = "";
    char text[sizeof code + sizeof message + 4];
    (void)baton_mp_map_get_str(payload, "code", code, sizeof code);
    (void)baton_mp_map_get_str(payload, "message", message, sizeof message);
    (void)baton_mp_map_get_str(payload, "request", request, sizeof request);
    text[0] = '\0';
    strncat(text, code, sizeof text - 1);
    strncat(text, ": ", sizeof text - strlen(text) - 1);
    strncat(text, message, sizeof text - strlen(text) - 1);
    baton_act_event(actions, BATON_EVENT_SERVER_ERROR, NULL, text, 0);

    if (strcmp(code, BATON_ERROR_CODE_RATE_LIMITED) == 0) {
        baton_session_on_rate_limited(sm, request, now_ms, actions); /* the report may have been dropped unread */
        return;
    }
    /*
     * A held report the room refuses for good would otherwise be re-sent after every
     * reconnect for ever. Only these two codes are final; anything else (rate limiting, a
     * server bug) keeps the report. The error names no run: it answers the oldest report sent
     * on this connection and not yet answered, since the room answers a connection's frames
     * in order.
     */
    const bool about_report = strcmp(request, BATON_DEVICE_TO_ROOM_RESULT) == 0 || strcmp(request, BATON_DEVICE_TO_ROOM_FAILED) == 0;
    const bool final = strcmp(code, BATON_ERROR_CODE_STALE_EPOCH) == 0 || strcmp(code, BATON_ERROR_CODE_UNKNOWN_RUN) == 0;
    const int slot = baton_held_oldest_in_flight(sm);
    if (slot >= 0 && about_report && final) {
        baton_act_event(actions, BATON_EVENT_RESULT_DROPPED, sm->held[slot].run_id, code, sm->held[slot].epoch);
        baton_session_forget_held(sm, slot, actions);
    }
}

void baton_session_handle_room_data(baton_session_t *sm, const baton_frame_t *frame, uint64_t now_ms,
                                    baton_actions_t *actions)
{
    if (frame->data.type == NULL) {
        protocol_error(actions, "numeric message type");
        return;
    }
    baton_mp_reader_t payload;
    baton_mp_reader_init(&payload, frame->data.payload, frame->data.payload_len);
    /* Validate the whole payload once so handlers can trust its structure. */
    baton_mp_reader_t check = payload;
    baton_mp_value_t head;
    if (frame->data.payload_len == 0 || baton_mp_skip(&check) != BATON_OK || check.pos != check.len) {
        if (frame->data.payload_len != 0) {
            protocol_error(actions, "undecodable payload");
            return;
        }
        baton_mp_reader_init(&payload, EMPTY_MAP, sizeof EMPTY_MAP);
    } else {
        baton_mp_reader_t peek = payload;
        if (baton_mp_read(&peek, &head) != BATON_OK || head.type != BATON_MP_MAP) {
            protocol_error(actions, "payload is not a map");
            return;
        }
    }

    if (baton_frame_type_is(frame, BATON_ROOM_TO_DEVICE_WELCOME)) {
        if (sm->state == BATON_CONN_AWAIT_WELCOME || sm->state == BATON_CONN_ONLINE) {
            handle_welcome(sm, &payload, now_ms, actions);
        }
        return;
    }
    if (baton_frame_type_is(frame, BATON_ROOM_TO_DEVICE_ERROR)) {
        handle_error(sm, &payload, now_ms, actions);
        return;
    }
    if (sm->state != BATON_CONN_ONLINE) {
        protocol_error(actions, "command before welcome");
        return;
    }
    if (baton_frame_type_is(frame, BATON_ROOM_TO_DEVICE_START)) {
        handle_start(sm, &payload, now_ms, actions);
    } else if (baton_frame_type_is(frame, BATON_ROOM_TO_DEVICE_CANCEL)) {
        handle_cancel(sm, &payload, actions);
    } else if (baton_frame_type_is(frame, BATON_ROOM_TO_DEVICE_ACK)) {
        handle_ack(sm, &payload, actions);
    } else if (baton_frame_type_is(frame, BATON_ROOM_TO_DEVICE_UPDATE)) {
        offer_update(payload.buf + payload.pos, payload.len - payload.pos, actions);
    } else {
        protocol_error(actions, "unknown message type");
    }
}
