/**
 * @file baton_session_reports.c
 * @brief What the device tells the room: hello, accepted, progress, heartbeat, ready, and the
 * reports (result / failed) that baton_session_held.c keeps until acknowledged.
 *
 * A `failed` is forgotten when the room acknowledges it (`ack` with its run id, as for a
 * result); for rooms that predate that ack it is also re-sent only while a `welcome` still
 * says that run is running (the room did not hear it) and forgotten at the first welcome
 * that does not.
 */
#include <string.h>

#include "baton_protocol.h"
#include "baton_session_internal.h"

/* shared/messages.ts Limits.shortText: longer texts are cut (at a UTF-8 boundary). */
#define SHORT_TEXT_MAX 256

static bool joined(const baton_session_t *sm)
{
    return sm->state == BATON_CONN_ONLINE;
}

/* Length of `text` cut to SHORT_TEXT_MAX bytes without splitting a UTF-8 sequence. */
static size_t short_text_len(const char *text)
{
    size_t n = strlen(text);
    if (n <= SHORT_TEXT_MAX) {
        return n;
    }
    n = SHORT_TEXT_MAX;
    while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80) {
        n--; /* text[n] is a continuation byte: the cut would split its character */
    }
    return n;
}

void baton_session_send_hello(baton_session_t *sm, baton_actions_t *actions)
{
    baton_mp_writer_t w;
    baton_act_frame_begin(actions, &w);
    baton_frame_begin_room_data(&w, BATON_DEVICE_TO_ROOM_HELLO);
    /* heldRunId names an unacknowledged *result* (§5.3); a held failure is settled by welcome/ack. */
    const int latest = baton_held_latest_result(sm);
    const bool name_held = latest >= 0;
    const bool declare_telemetry = sm->config.telemetry != NULL && sm->config.telemetry_len > 0;
    baton_mp_write_map(&w, 2 + (name_held ? 1 : 0) + (sm->epoch_known ? 1 : 0) + (declare_telemetry ? 1 : 0));
    baton_mp_write_cstr(&w, "firmware");
    baton_mp_write_str(&w, sm->config.firmware, short_text_len(sm->config.firmware));
    baton_mp_write_cstr(&w, "sessionTypes");
    baton_mp_write_raw(&w, sm->config.session_types, sm->config.session_types_len);
    if (name_held) {
        baton_mp_write_cstr(&w, "heldRunId");
        baton_mp_write_cstr(&w, sm->held[latest].run_id);
    }
    if (sm->epoch_known) {
        /* The highest epoch seen: a server whose store lost it raises its own past it (§6). */
        baton_mp_write_cstr(&w, "epoch");
        baton_mp_write_uint(&w, sm->highest_epoch);
    }
    if (declare_telemetry) {
        /* Live telemetry channels (issue 24): the samples go out beside the session, never held. */
        baton_mp_write_cstr(&w, "telemetry");
        baton_mp_write_raw(&w, sm->config.telemetry, sm->config.telemetry_len);
    }
    baton_act_frame_send(actions, &w);
}

baton_status_t baton_session_telemetry_number(baton_session_t *sm, const char *channel, double value, baton_actions_t *actions)
{
    if (channel == NULL || channel[0] == '\0' || strlen(channel) > 32) {
        return BATON_ERR_INVALID_ARG; /* shared/telemetry.ts TelemetryLimits.channelName */
    }
    if (!joined(sm)) {
        return BATON_ERR_STATE; /* a sample is a glimpse, not a record: dropped while offline */
    }
    baton_mp_writer_t w;
    baton_act_frame_begin(actions, &w);
    baton_frame_begin_room_data(&w, BATON_DEVICE_TO_ROOM_TELEMETRY);
    baton_mp_write_map(&w, 1);
    baton_mp_write_cstr(&w, "values");
    baton_mp_write_map(&w, 1);
    baton_mp_write_cstr(&w, channel);
    baton_mp_write_double(&w, value);
    baton_act_frame_send(actions, &w);
    return BATON_OK;
}

/* `{epoch, runId}` of the active job: the start of accepted/progress payloads. */
static void write_run_ref(baton_mp_writer_t *w, const baton_job_t *job, uint32_t extra_fields)
{
    baton_mp_write_map(w, 2 + extra_fields);
    baton_mp_write_cstr(w, "epoch");
    baton_mp_write_uint(w, job->epoch);
    baton_mp_write_cstr(w, "runId");
    baton_mp_write_cstr(w, job->run_id);
}

void baton_session_send_accepted(baton_session_t *sm, baton_actions_t *actions)
{
    if (!joined(sm) || !sm->job.active) {
        return;
    }
    baton_mp_writer_t w;
    baton_act_frame_begin(actions, &w);
    baton_frame_begin_room_data(&w, BATON_DEVICE_TO_ROOM_ACCEPTED);
    write_run_ref(&w, &sm->job, 0);
    baton_act_frame_send(actions, &w);
}

void baton_session_send_progress(baton_session_t *sm, const char *message, baton_actions_t *actions)
{
    if (!joined(sm) || !sm->job.active) {
        return; /* progress is a hint, not a record: dropped while offline */
    }
    baton_mp_writer_t w;
    baton_act_frame_begin(actions, &w);
    baton_frame_begin_room_data(&w, BATON_DEVICE_TO_ROOM_PROGRESS);
    write_run_ref(&w, &sm->job, (message != NULL && message[0] != '\0') ? 2 : 1);
    baton_mp_write_cstr(&w, "progress");
    baton_mp_write_double(&w, sm->job.progress);
    if (message != NULL && message[0] != '\0') {
        baton_mp_write_cstr(&w, "message");
        baton_mp_write_str(&w, message, short_text_len(message));
    }
    baton_act_frame_send(actions, &w);
}

void baton_session_send_heartbeat(baton_session_t *sm, uint64_t now_ms, baton_actions_t *actions)
{
    baton_mp_writer_t w;
    baton_act_frame_begin(actions, &w);
    baton_frame_begin_room_data(&w, BATON_DEVICE_TO_ROOM_HEARTBEAT);
    const bool stacks = sm->stack_free_main > 0;
    baton_mp_write_map(&w, stacks ? 2 : 1);
    baton_mp_write_cstr(&w, "uptimeMs");
    baton_mp_write_uint(&w, now_ms - sm->started_ms);
    if (stacks) {
        /* stackFree { main, ota? }: the device's health, shown in its status (PROTOCOL.md). */
        baton_mp_write_cstr(&w, "stackFree");
        baton_mp_write_map(&w, sm->stack_free_ota > 0 ? 2 : 1);
        baton_mp_write_cstr(&w, "main");
        baton_mp_write_uint(&w, sm->stack_free_main);
        if (sm->stack_free_ota > 0) {
            baton_mp_write_cstr(&w, "ota");
            baton_mp_write_uint(&w, sm->stack_free_ota);
        }
    }
    baton_act_frame_send(actions, &w);
    /* A Colyseus PING is answered by the room: the answer is what proves the link alive. */
    baton_act_frame_begin(actions, &w);
    baton_frame_write_code(&w, BATON_COLYSEUS_PING);
    baton_act_frame_send(actions, &w);
}

/* Encodes a report into a held slot; the slot, or -1 if it does not fit. */
static int hold(baton_session_t *sm, bool is_failure, uint64_t epoch, const char *run_id, const uint8_t *output,
                size_t output_len, const char *code, const char *message, baton_actions_t *actions)
{
    if (strlen(run_id) > BATON_RUN_ID_MAX) {
        return -1;
    }
    const int slot = baton_held_claim_slot(sm, run_id, actions);
    baton_held_report_t *h = &sm->held[slot];
    baton_mp_writer_t w;
    baton_mp_writer_init(&w, h->frame, sizeof h->frame);
    baton_frame_begin_room_data(&w, is_failure ? BATON_DEVICE_TO_ROOM_FAILED : BATON_DEVICE_TO_ROOM_RESULT);
    baton_mp_write_map(&w, is_failure ? 4 : 3);
    baton_mp_write_cstr(&w, "epoch");
    baton_mp_write_uint(&w, epoch);
    baton_mp_write_cstr(&w, "runId");
    baton_mp_write_cstr(&w, run_id);
    if (is_failure) {
        baton_mp_write_cstr(&w, "code");
        baton_mp_write_cstr(&w, code);
        baton_mp_write_cstr(&w, "message");
        baton_mp_write_str(&w, message, short_text_len(message));
    } else {
        baton_mp_write_cstr(&w, "output");
        baton_mp_write_raw(&w, output, output_len);
    }
    if (w.status != BATON_OK || !baton_copy_str(h->run_id, sizeof h->run_id, run_id)) {
        memset(h, 0, sizeof *h);
        return -1;
    }
    h->present = true;
    h->seq = sm->held_seq++;
    h->in_flight = false;
    h->is_failure = is_failure;
    h->epoch = epoch;
    h->frame_len = w.len;
    return slot;
}

/* Persists and (if joined) sends a report just held. */
static void hold_and_send(baton_session_t *sm, int slot, baton_actions_t *actions)
{
    baton_session_persist_held(sm, slot, actions);
    if (joined(sm)) {
        baton_session_send_held(sm, slot, false, actions);
    }
}

void baton_session_report_failure(baton_session_t *sm, uint64_t epoch, const char *run_id, const char *code,
                                  const char *message, baton_actions_t *actions)
{
    if (message == NULL) {
        message = "";
    }
    const int slot = hold(sm, true, epoch, run_id, NULL, 0, code, message, actions);
    if (slot < 0) {
        /* Only an absurd run id gets here (the code and message are bounded above). */
        baton_act_event(actions, BATON_EVENT_PROTOCOL_ERROR, NULL, "failure report does not fit", epoch);
        return;
    }
    hold_and_send(sm, slot, actions);
}

void baton_session_stop_job(baton_session_t *sm, baton_event_t event, baton_actions_t *actions)
{
    if (!sm->job.active) {
        return;
    }
    baton_action_t *a = baton_act_push(actions, BATON_ACTION_JOB_CANCEL);
    if (a != NULL) {
        a->run_id = baton_act_str(actions, sm->job.run_id);
    }
    baton_act_event(actions, event, sm->job.run_id, NULL, sm->job.epoch);
    memset(&sm->job, 0, sizeof sm->job);
}

/* The public job calls refer to the job by run id so a late completion cannot hit a newer run. */
static bool is_active_job(const baton_session_t *sm, const char *run_id)
{
    return sm->job.active && run_id != NULL && strcmp(sm->job.run_id, run_id) == 0;
}

baton_status_t baton_session_job_progress(baton_session_t *sm, const char *run_id, double progress,
                                          const char *message, uint64_t now_ms, baton_actions_t *actions)
{
    (void)now_ms;
    if (sm == NULL || actions == NULL) {
        return BATON_ERR_INVALID_ARG;
    }
    if (!is_active_job(sm, run_id)) {
        return BATON_ERR_STATE;
    }
    if (!(progress >= 0.0)) {
        progress = 0.0; /* also catches NaN */
    }
    sm->job.progress = progress > 1.0 ? 1.0 : progress;
    sm->job.has_progress = true;
    baton_session_send_progress(sm, message, actions);
    return BATON_OK;
}

baton_status_t baton_session_job_result(baton_session_t *sm, const char *run_id, const uint8_t *output,
                                        size_t output_len, uint64_t now_ms, baton_actions_t *actions)
{
    (void)now_ms;
    if (sm == NULL || actions == NULL || output == NULL) {
        return BATON_ERR_INVALID_ARG;
    }
    if (!is_active_job(sm, run_id)) {
        return BATON_ERR_STATE;
    }
    /* The output must be exactly one msgpack map, or the room would reject the whole report. */
    baton_mp_reader_t r;
    baton_mp_value_t head;
    baton_mp_reader_init(&r, output, output_len);
    baton_mp_reader_t whole = r;
    if (baton_mp_read(&r, &head) != BATON_OK || head.type != BATON_MP_MAP || baton_mp_skip(&whole) != BATON_OK ||
        whole.pos != output_len) {
        return BATON_ERR_INVALID_ARG;
    }
    /* Only the job's identity is copied (not its input buffer): this may run on a small task stack. */
    const uint64_t epoch = sm->job.epoch;
    char job_run_id[BATON_RUN_ID_MAX + 1];
    memcpy(job_run_id, sm->job.run_id, sizeof job_run_id);
    memset(&sm->job, 0, sizeof sm->job);
    const int slot = hold(sm, false, epoch, job_run_id, output, output_len, NULL, NULL, actions);
    if (slot < 0) {
        /* Too large to hold: a failure the owner can read beats a result nobody receives. */
        baton_session_report_failure(sm, epoch, job_run_id, BATON_ERROR_CODE_DEVICE_FAILED,
                                     "the result is larger than the device can hold", actions);
        return BATON_ERR_NO_SPACE;
    }
    hold_and_send(sm, slot, actions);
    return BATON_OK;
}

baton_status_t baton_session_job_failed(baton_session_t *sm, const char *run_id, const char *code,
                                        const char *message, uint64_t now_ms, baton_actions_t *actions)
{
    (void)now_ms;
    if (sm == NULL || actions == NULL || code == NULL || code[0] == '\0' || strlen(code) > BATON_SESSION_TYPE_MAX) {
        return BATON_ERR_INVALID_ARG;
    }
    if (!is_active_job(sm, run_id)) {
        return BATON_ERR_STATE;
    }
    const uint64_t epoch = sm->job.epoch;
    char job_run_id[BATON_RUN_ID_MAX + 1];
    memcpy(job_run_id, sm->job.run_id, sizeof job_run_id);
    memset(&sm->job, 0, sizeof sm->job);
    baton_session_report_failure(sm, epoch, job_run_id, code, message, actions);
    return BATON_OK;
}

baton_status_t baton_session_device_ready(baton_session_t *sm, uint64_t now_ms, baton_actions_t *actions)
{
    (void)now_ms;
    if (sm == NULL || actions == NULL) {
        return BATON_ERR_INVALID_ARG;
    }
    if (!joined(sm)) {
        return BATON_ERR_STATE;
    }
    baton_mp_writer_t w;
    baton_act_frame_begin(actions, &w);
    baton_frame_begin_room_data(&w, BATON_DEVICE_TO_ROOM_READY);
    baton_mp_write_map(&w, 0);
    return baton_act_frame_send(actions, &w) ? BATON_OK : BATON_ERR_NO_SPACE;
}

void baton_session_set_stack_free(baton_session_t *sm, uint32_t main_free, uint32_t ota_free)
{
    sm->stack_free_main = main_free > BATON_STACK_FREE_MAX ? BATON_STACK_FREE_MAX : main_free;
    sm->stack_free_ota = ota_free > BATON_STACK_FREE_MAX ? BATON_STACK_FREE_MAX : ota_free;
}
