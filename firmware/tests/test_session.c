/**
 * @file test_session.c
 * @brief The device session state machine: joining, fencing, nothing lost, resuming,
 *        liveness, backoff, and malformed frames. No sockets: frames and time are fed in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "baton_frame.h"
#include "baton_ota.h"
#include "baton_protocol.h"
#include "test_support.h"

static fixture_t fx; /* static: the session and action arena are several KB */

static const uint8_t OUTPUT[] = {0x81, 0xa6, 'w', 'e', 'i', 'g', 'h', 't', 0xcb, 0x40, 0x52, 0x80, 0, 0, 0, 0, 0}; /* {weight: 74.0} */

/* Starts run `run_id` at `epoch` and checks the job and `accepted` actions. */
static void start_run(uint64_t epoch, const char *run_id)
{
    fx_frame(&fx, make_start(epoch, run_id, "weighing"));
    const baton_action_t *job = fx_action(&fx, BATON_ACTION_JOB_START, 0);
    assert_non_null(job);
    assert_string_equal(job->run_id, run_id);
    assert_string_equal(job->session_type, "weighing");
    assert_int_equal(job->number, 20000); /* deadlineMs shorter than the declared 30 s */
    msgpack_unpacked accepted;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_ACCEPTED, 0, &accepted));
    assert_int_equal(map_get(&accepted.data, "epoch")->via.u64, epoch);
    assert_true(obj_str_eq(map_get(&accepted.data, "runId"), run_id));
    msgpack_unpacked_destroy(&accepted);
}

static void finish_run(const char *run_id)
{
    fx_reset(&fx);
    assert_int_equal(baton_session_job_result(&fx.sm, run_id, OUTPUT, sizeof OUTPUT, fx.now, &fx.actions), BATON_OK);
}

/* Drops the socket and reconnects up to AWAIT_WELCOME. */
static void reconnect(void)
{
    fx_reset(&fx);
    baton_session_on_ws_closed(&fx.sm, 1006, fx.now, &fx.actions);
    assert_int_equal(fx.sm.state, BATON_CONN_WAITING);
    fx_connect(&fx);
}

static int setup(void **state)
{
    (void)state;
    fx_init(&fx, 0);
    return 0;
}

/* ---------------------------------------------------------------- joining */

static void join_acknowledges_then_says_hello(void **state)
{
    (void)state;
    fx_reset(&fx);
    baton_session_start(&fx.sm, fx.now, &fx.actions);
    const baton_action_t *post = fx_action(&fx, BATON_ACTION_HTTP_POST, 0);
    assert_string_equal(post->text, "http://127.0.0.1:2567/matchmake/joinOrCreate/device");
    assert_memory_equal(post->data, "{\"deviceId\":\"scale-1\",\"role\":\"device\"}", post->len);

    static const char seat[] = "{\"name\":\"device\",\"sessionId\":\"S1\",\"roomId\":\"scale-1\",\"processId\":\"P1\",\"devMode\":true}";
    fx_reset(&fx);
    baton_session_on_matchmake_response(&fx.sm, 200, seat, strlen(seat), fx.now, &fx.actions);
    assert_string_equal(fx_action(&fx, BATON_ACTION_WS_OPEN, 0)->text, "ws://127.0.0.1:2567/P1/scale-1?sessionId=S1&skipHandshake=1");
    fx_reset(&fx);
    baton_session_on_ws_open(&fx.sm, fx.now, &fx.actions);
    fx_frame(&fx, make_join_room("tok"));

    /* First the one-byte JOIN_ROOM acknowledgement, then hello. */
    const baton_action_t *ack = fx_action(&fx, BATON_ACTION_WS_SEND, 0);
    assert_int_equal(ack->len, 1);
    assert_int_equal(ack->data[0], BATON_COLYSEUS_JOIN_ROOM);
    msgpack_unpacked hello;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_HELLO, 0, &hello));
    assert_true(obj_str_eq(map_get(&hello.data, "firmware"), "test/1"));
    const msgpack_object *types = map_get(&hello.data, "sessionTypes");
    assert_int_equal(types->type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal(types->via.array.size, 2);
    assert_null(map_get(&hello.data, "heldRunId"));
    msgpack_unpacked_destroy(&hello);
    assert_string_equal(fx.sm.reconnection_token, "tok");

    fx_frame(&fx, make_welcome(3, "idle", NULL));
    assert_int_equal(fx.sm.state, BATON_CONN_ONLINE);
    assert_non_null(fx_event(&fx, BATON_EVENT_JOINED));
    assert_int_equal(fx.sm.highest_epoch, 3);
}

static void public_address_picks_the_ws_host(void **state)
{
    (void)state;
    static const char seat[] = "{\"sessionId\":\"S\",\"roomId\":\"scale-1\",\"processId\":\"P\",\"publicAddress\":\"10.0.0.2:2601\"}";
    fx_reset(&fx);
    baton_session_start(&fx.sm, fx.now, &fx.actions);
    fx_reset(&fx);
    baton_session_on_matchmake_response(&fx.sm, 200, seat, strlen(seat), fx.now, &fx.actions);
    assert_string_equal(fx_action(&fx, BATON_ACTION_WS_OPEN, 0)->text, "ws://10.0.0.2:2601/P/scale-1?sessionId=S&skipHandshake=1");
}

static void matchmaking_refusal_is_retried_with_backoff(void **state)
{
    (void)state;
    static const char body[] = "{\"code\":503,\"error\":\"ROOM_FULL: try later\"}";
    fx_reset(&fx);
    baton_session_start(&fx.sm, fx.now, &fx.actions);
    fx_reset(&fx);
    baton_session_on_matchmake_response(&fx.sm, 503, body, strlen(body), fx.now, &fx.actions);
    const baton_action_t *failed = fx_event(&fx, BATON_EVENT_MATCHMAKE_FAILED);
    assert_string_equal(failed->text, "ROOM_FULL: try later");
    assert_int_equal(failed->number, 503);
    assert_int_equal(fx.sm.state, BATON_CONN_WAITING);
    /* random 0 → the lower half of the first delay (1000 ms nominal). */
    assert_int_equal(fx_event(&fx, BATON_EVENT_RECONNECT_SCHEDULED)->number, 500);
    fx_tick(&fx, 499);
    assert_int_equal(fx_count(&fx, BATON_ACTION_HTTP_POST), 0);
    fx_tick(&fx, 1);
    assert_int_equal(fx_count(&fx, BATON_ACTION_HTTP_POST), 1);
}

static void wrong_secret_or_unknown_device_is_not_retried(void **state)
{
    (void)state;
    static const char unauthorized[] = "{\"code\":401,\"error\":\"UNAUTHORIZED: the secret is wrong.\"}";
    static const char unknown[] = "{\"code\":525,\"error\":\"UNKNOWN_DEVICE: no device \\\"x\\\" is registered.\"}";
    fx_reset(&fx);
    baton_session_start(&fx.sm, fx.now, &fx.actions);
    fx_reset(&fx);
    baton_session_on_matchmake_response(&fx.sm, 401, unauthorized, strlen(unauthorized), fx.now, &fx.actions);
    assert_non_null(fx_event(&fx, BATON_EVENT_GAVE_UP));
    assert_int_equal(fx.sm.state, BATON_CONN_STOPPED);
    assert_int_equal(fx.sm.stop_reason, BATON_STOP_REFUSED);
    /* Recognised by the code prefix even under another status (Colyseus' 525 for onAuth). */
    fx_reset(&fx);
    baton_session_start(&fx.sm, fx.now, &fx.actions);
    fx_reset(&fx);
    baton_session_on_matchmake_response(&fx.sm, 525, unknown, strlen(unknown), fx.now, &fx.actions);
    assert_int_equal(fx.sm.stop_reason, BATON_STOP_REFUSED);
    fx_tick(&fx, 600000);
    assert_int_equal(fx_count(&fx, BATON_ACTION_HTTP_POST), 0);
}

/* Issue 19: the refusal's code travels as `errorCode`; the firmware reads it, not the prose. */
static void join_refusal_code_is_read_from_the_field(void **state)
{
    (void)state;
    /* No prefix in the text, a status the firmware does not know: only the field says it. */
    static const char unknown[] = "{\"code\":525,\"error\":\"no such device\",\"errorCode\":\"UNKNOWN_DEVICE\"}";
    fx_reset(&fx);
    baton_session_start(&fx.sm, fx.now, &fx.actions);
    fx_reset(&fx);
    baton_session_on_matchmake_response(&fx.sm, 525, unknown, strlen(unknown), fx.now, &fx.actions);
    assert_int_equal(fx.sm.state, BATON_CONN_STOPPED);
    assert_int_equal(fx.sm.stop_reason, BATON_STOP_REFUSED);
}

/* ... and a code that retrying can fix is retried. */
static void join_refusal_that_can_pass_is_retried(void **state)
{
    (void)state;
    static const char busy[] = "{\"code\":503,\"error\":\"SERVER_BUSY: too many device secrets are being checked.\",\"errorCode\":\"SERVER_BUSY\"}";
    fx_reset(&fx);
    baton_session_start(&fx.sm, fx.now, &fx.actions);
    fx_reset(&fx);
    baton_session_on_matchmake_response(&fx.sm, 503, busy, strlen(busy), fx.now, &fx.actions);
    assert_int_equal(fx.sm.state, BATON_CONN_WAITING);
}

static void unreadable_seat_is_retried(void **state)
{
    (void)state;
    static const char seat[] = "{\"sessionId\":\"S 1\",\"roomId\":\"r\",\"processId\":\"p\"}"; /* space: not URL-safe */
    fx_reset(&fx);
    baton_session_start(&fx.sm, fx.now, &fx.actions);
    fx_reset(&fx);
    baton_session_on_matchmake_response(&fx.sm, 200, seat, strlen(seat), fx.now, &fx.actions);
    assert_int_equal(fx_count(&fx, BATON_ACTION_WS_OPEN), 0);
    assert_int_equal(fx.sm.state, BATON_CONN_WAITING);
}

static void every_joining_step_times_out(void **state)
{
    (void)state;
    /* No JOIN_ROOM within the step timeout: close and back off. */
    static const char seat[] = "{\"sessionId\":\"S\",\"roomId\":\"scale-1\",\"processId\":\"P\"}";
    fx_reset(&fx);
    baton_session_start(&fx.sm, fx.now, &fx.actions);
    fx_reset(&fx);
    baton_session_on_matchmake_response(&fx.sm, 200, seat, strlen(seat), fx.now, &fx.actions);
    fx_reset(&fx);
    baton_session_on_ws_open(&fx.sm, fx.now, &fx.actions);
    fx_tick(&fx, 9999);
    assert_int_equal(fx.sm.state, BATON_CONN_JOINING);
    fx_tick(&fx, 1);
    assert_int_equal(fx_count(&fx, BATON_ACTION_WS_CLOSE), 1);
    assert_int_equal(fx.sm.state, BATON_CONN_WAITING);

    /* No welcome after hello: the same. */
    fx_connect(&fx);
    fx_tick(&fx, 10000);
    assert_int_equal(fx_count(&fx, BATON_ACTION_WS_CLOSE), 1);
    assert_int_equal(fx.sm.state, BATON_CONN_WAITING);
}

/* ---------------------------------------------------------------- fencing */

static void commands_with_an_older_epoch_are_refused(void **state)
{
    (void)state;
    fx_join(&fx, 5);
    fx_frame(&fx, make_start(4, "old-run", "weighing"));
    assert_int_equal(fx_count(&fx, BATON_ACTION_JOB_START), 0);
    assert_int_equal(fx_count(&fx, BATON_ACTION_WS_SEND), 0);
    assert_int_equal(fx_event(&fx, BATON_EVENT_STALE_COMMAND)->number, 4);

    start_run(6, "r6");
    assert_int_equal(fx.sm.highest_epoch, 6);
    fx_frame(&fx, make_cancel(5, "r6")); /* a cancel from the previous holder */
    assert_int_equal(fx_count(&fx, BATON_ACTION_JOB_CANCEL), 0);
    assert_true(fx.sm.job.active);
    fx_frame(&fx, make_cancel(6, "r6"));
    assert_string_equal(fx_action(&fx, BATON_ACTION_JOB_CANCEL, 0)->run_id, "r6");
    assert_non_null(fx_event(&fx, BATON_EVENT_CANCELLED));
    assert_false(fx.sm.job.active);
    /* The cancelled job's late completion is refused. */
    fx_reset(&fx);
    assert_int_equal(baton_session_job_result(&fx.sm, "r6", OUTPUT, sizeof OUTPUT, fx.now, &fx.actions), BATON_ERR_STATE);
}

static void epochs_sent_as_floats_are_understood(void **state)
{
    (void)state;
    fx_connect(&fx);
    fx_frame(&fx, make_room_data("welcome", "epoch", 'd', 7.0, "phase", 's', "idle", NULL));
    assert_int_equal(fx.sm.highest_epoch, 7);
    fx_frame(&fx, make_room_data("start", "epoch", 'd', 7.5, "runId", 's', "x", "sessionType", 's', "weighing", NULL));
    assert_int_equal(fx_count(&fx, BATON_ACTION_JOB_START), 0); /* 7.5 is not an epoch */
    assert_non_null(fx_event(&fx, BATON_EVENT_PROTOCOL_ERROR));
}

static void duplicate_start_is_confirmed_not_restarted(void **state)
{
    (void)state;
    fx_join(&fx, 1);
    start_run(1, "r1");
    fx_frame(&fx, make_start(1, "r1", "weighing"));
    assert_int_equal(fx_count(&fx, BATON_ACTION_JOB_START), 0);
    msgpack_unpacked accepted;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_ACCEPTED, 0, &accepted));
    msgpack_unpacked_destroy(&accepted);
}

static void a_new_start_replaces_the_running_job(void **state)
{
    (void)state;
    fx_join(&fx, 1);
    start_run(1, "r1");
    fx_frame(&fx, make_start(2, "r2", "weighing"));
    assert_string_equal(fx_action(&fx, BATON_ACTION_JOB_CANCEL, 0)->run_id, "r1");
    assert_string_equal(fx_action(&fx, BATON_ACTION_JOB_START, 0)->run_id, "r2");
}

static void undeclared_session_type_is_reported_failed(void **state)
{
    (void)state;
    fx_join(&fx, 1);
    fx_frame(&fx, make_start(1, "r1", "toasting"));
    assert_int_equal(fx_count(&fx, BATON_ACTION_JOB_START), 0);
    msgpack_unpacked failed;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_FAILED, 0, &failed));
    assert_true(obj_str_eq(map_get(&failed.data, "code"), BATON_ERROR_CODE_UNKNOWN_SESSION_TYPE));
    assert_true(obj_str_eq(map_get(&failed.data, "runId"), "r1"));
    msgpack_unpacked_destroy(&failed);
}

/* ---------------------------------------------------------------- nothing lost */

static void result_is_held_until_its_ack(void **state)
{
    (void)state;
    fx_join(&fx, 2);
    start_run(2, "r1");
    finish_run("r1");
    msgpack_unpacked result;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_RESULT, 0, &result));
    assert_int_equal(map_get(&result.data, "epoch")->via.u64, 2);
    assert_true(obj_str_eq(map_get(&result.data, "runId"), "r1"));
    assert_true(map_get(map_get(&result.data, "output"), "weight")->via.f64 == 74.0);
    msgpack_unpacked_destroy(&result);
    const baton_action_t *store = fx_action(&fx, BATON_ACTION_STORE, 0);
    assert_string_equal(store->text, BATON_KV_KEY_HELD_REPORT);
    assert_true(store->len > 0);
    assert_true(fx.sm.held[0].present);

    fx_frame(&fx, make_ack("someone-else"));
    assert_true(fx.sm.held[0].present);
    fx_frame(&fx, make_ack("r1"));
    assert_false(fx.sm.held[0].present);
    assert_non_null(fx_event(&fx, BATON_EVENT_RESULT_ACKED));
    assert_int_equal(fx_action(&fx, BATON_ACTION_STORE, 0)->len, 0); /* erased */
}

static void result_is_resent_after_a_lost_ack(void **state)
{
    (void)state;
    fx_join(&fx, 2);
    start_run(2, "r1");
    finish_run("r1");
    const baton_action_t *first = fx_action(&fx, BATON_ACTION_WS_SEND, 0);
    uint8_t sent[256];
    size_t sent_len = first->len;
    memcpy(sent, first->data, sent_len);

    reconnect(); /* the ack never came */
    msgpack_unpacked hello;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_HELLO, 0, &hello));
    assert_true(obj_str_eq(map_get(&hello.data, "heldRunId"), "r1"));
    msgpack_unpacked_destroy(&hello);

    fx_frame(&fx, make_welcome(2, "running", "r1"));
    const baton_action_t *again = fx_action(&fx, BATON_ACTION_WS_SEND, 0);
    assert_non_null(again);
    assert_int_equal(again->len, sent_len);
    assert_memory_equal(again->data, sent, sent_len); /* byte-identical: the room dedups by run id */
    assert_int_equal(fx_event(&fx, BATON_EVENT_RESULT_SENT)->number, 1);
    assert_int_equal(fx_count(&fx, BATON_ACTION_JOB_START), 0); /* the held report answers "running r1" */
    fx_frame(&fx, make_ack("r1"));
    assert_false(fx.sm.held[0].present);
}

static void result_finished_offline_goes_out_after_welcome(void **state)
{
    (void)state;
    fx_join(&fx, 1);
    start_run(1, "r1");
    fx_reset(&fx);
    baton_session_on_ws_closed(&fx.sm, 1006, fx.now, &fx.actions);
    finish_run("r1");
    assert_int_equal(fx_count(&fx, BATON_ACTION_WS_SEND), 0); /* offline: held and stored only */
    assert_int_equal(fx_count(&fx, BATON_ACTION_STORE), 1);
    fx_connect(&fx);
    fx_frame(&fx, make_welcome(1, "running", "r1"));
    msgpack_unpacked result;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_RESULT, 0, &result));
    msgpack_unpacked_destroy(&result);
}

static void held_result_survives_a_reboot(void **state)
{
    (void)state;
    fx_join(&fx, 4);
    start_run(4, "r9");
    finish_run("r9");
    const baton_action_t *store = fx_action(&fx, BATON_ACTION_STORE, 0);
    uint8_t blob[2048];
    size_t blob_len = store->len;
    memcpy(blob, store->data, blob_len);

    fx_init(&fx, 0); /* a fresh session: the device rebooted */
    assert_int_equal(baton_session_restore(&fx.sm, blob, blob_len), BATON_OK);
    fx_connect(&fx);
    msgpack_unpacked hello;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_HELLO, 0, &hello));
    assert_true(obj_str_eq(map_get(&hello.data, "heldRunId"), "r9"));
    msgpack_unpacked_destroy(&hello);
    fx_frame(&fx, make_welcome(4, "running", "r9"));
    msgpack_unpacked result;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_RESULT, 0, &result));
    assert_int_equal(map_get(&result.data, "epoch")->via.u64, 4);
    msgpack_unpacked_destroy(&result);

    /* Every truncation of the blob is refused, never half-restored. */
    for (size_t n = 0; n < blob_len; n++) {
        fx_init(&fx, 0);
        assert_int_not_equal(baton_session_restore(&fx.sm, blob, n), BATON_OK);
        assert_false(fx.sm.held[0].present);
    }
}

static void final_refusal_of_a_held_report_drops_it(void **state)
{
    (void)state;
    fx_join(&fx, 1);
    start_run(1, "r1");
    finish_run("r1");
    fx_frame(&fx, make_room_data("error", "code", 's', "RATE_LIMITED", "message", 's', "slow down", "request", 's', "result", NULL));
    assert_true(fx.sm.held[0].present); /* transient: keep it */
    fx_frame(&fx, make_room_data("error", "code", 's', "STALE_EPOCH", "message", 's', "old", "request", 's', "result", NULL));
    assert_false(fx.sm.held[0].present);
    assert_non_null(fx_event(&fx, BATON_EVENT_RESULT_DROPPED));
}

static void job_failure_is_held_like_a_result(void **state)
{
    (void)state;
    fx_join(&fx, 1);
    start_run(1, "r1");
    fx_reset(&fx);
    assert_int_equal(baton_session_job_failed(&fx.sm, "r1", BATON_ERROR_CODE_DEVICE_FAILED, "load cell unplugged", fx.now,
                                              &fx.actions),
                     BATON_OK);
    msgpack_unpacked failed;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_FAILED, 0, &failed));
    assert_true(obj_str_eq(map_get(&failed.data, "message"), "load cell unplugged"));
    msgpack_unpacked_destroy(&failed);
    assert_true(fx.sm.held[0].present && fx.sm.held[0].is_failure);
    assert_int_equal(fx_count(&fx, BATON_ACTION_STORE), 1); /* persisted: the link may drop before it arrives */

    /* Failures are never acknowledged: hello does not name them... */
    reconnect();
    msgpack_unpacked hello;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_HELLO, 0, &hello));
    assert_null(map_get(&hello.data, "heldRunId"));
    msgpack_unpacked_destroy(&hello);
    /* ...it is re-sent while the room still runs that run (it did not hear)... */
    fx_frame(&fx, make_welcome(1, "running", "r1"));
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_FAILED, 0, &failed));
    msgpack_unpacked_destroy(&failed);
    assert_int_equal(fx_count(&fx, BATON_ACTION_JOB_START), 0);
    /* ...and forgotten once a welcome shows the room moved on. */
    reconnect();
    fx_frame(&fx, make_welcome(1, "failed", NULL));
    assert_false(fx.sm.held[0].present);
    assert_int_equal(fx_count(&fx, BATON_ACTION_WS_SEND), 0);
    assert_int_equal(fx_action(&fx, BATON_ACTION_STORE, 0)->len, 0);
}

static void ack_of_a_held_failure_forgets_it(void **state)
{
    (void)state;
    fx_join(&fx, 1);
    start_run(1, "r1");
    fx_reset(&fx);
    assert_int_equal(baton_session_job_failed(&fx.sm, "r1", "FILAMENT_JAM", "jammed", fx.now, &fx.actions), BATON_OK);
    assert_true(fx.sm.held[0].present && fx.sm.held[0].is_failure);
    fx_frame(&fx, make_ack("r0")); /* an ack for a run the device does not hold: ignored */
    assert_true(fx.sm.held[0].present);
    assert_int_equal(fx_count(&fx, BATON_ACTION_STORE), 0);
    assert_null(fx_event(&fx, BATON_EVENT_FAILURE_ACKED));
    fx_frame(&fx, make_ack("r1")); /* the room accepted the failure */
    assert_false(fx.sm.held[0].present);
    assert_string_equal(fx_event(&fx, BATON_EVENT_FAILURE_ACKED)->run_id, "r1");
    assert_null(fx_event(&fx, BATON_EVENT_RESULT_ACKED));
    assert_int_equal(fx_action(&fx, BATON_ACTION_STORE, 0)->len, 0); /* erased */
    /* Nothing is re-sent after a reconnect, even if a (slow) welcome still says running. */
    reconnect();
    fx_frame(&fx, make_welcome(1, "running", "r1"));
    assert_int_equal(fx_count(&fx, BATON_ACTION_WS_SEND), 1); /* only the cannot-resume report below */
    msgpack_unpacked failed;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_FAILED, 0, &failed));
    assert_true(obj_str_eq(map_get(&failed.data, "code"), BATON_ERROR_CODE_DEVICE_FAILED));
    msgpack_unpacked_destroy(&failed);
}

static void resent_failure_is_forgotten_at_its_ack(void **state)
{
    (void)state;
    fx_join(&fx, 1);
    start_run(1, "r1");
    fx_reset(&fx);
    assert_int_equal(baton_session_job_failed(&fx.sm, "r1", BATON_ERROR_CODE_DEVICE_FAILED, "x", fx.now, &fx.actions), BATON_OK);
    reconnect(); /* the failure (and its ack) were lost with the link */
    fx_frame(&fx, make_welcome(1, "running", "r1"));
    msgpack_unpacked failed;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_FAILED, 0, &failed));
    msgpack_unpacked_destroy(&failed);
    assert_int_equal(fx_event(&fx, BATON_EVENT_FAILED_SENT)->number, 1);
    fx_frame(&fx, make_ack("r1"));
    assert_false(fx.sm.held[0].present);
    assert_non_null(fx_event(&fx, BATON_EVENT_FAILURE_ACKED));
}

static void output_must_be_one_map(void **state)
{
    (void)state;
    static const uint8_t not_a_map[] = {0x92, 0x01, 0x02};
    static const uint8_t two_values[] = {0x80, 0x80};
    fx_join(&fx, 1);
    start_run(1, "r1");
    fx_reset(&fx);
    assert_int_equal(baton_session_job_result(&fx.sm, "r1", not_a_map, sizeof not_a_map, fx.now, &fx.actions), BATON_ERR_INVALID_ARG);
    assert_int_equal(baton_session_job_result(&fx.sm, "r1", two_values, sizeof two_values, fx.now, &fx.actions), BATON_ERR_INVALID_ARG);
    assert_true(fx.sm.job.active);
}

/* ---------------------------------------------------------------- resuming after welcome */

static void welcome_for_the_running_job_resumes_it(void **state)
{
    (void)state;
    fx_join(&fx, 1);
    start_run(1, "r1");
    fx_reset(&fx);
    assert_int_equal(baton_session_job_progress(&fx.sm, "r1", 0.4, "halfway", fx.now, &fx.actions), BATON_OK);
    reconnect();
    fx_frame(&fx, make_welcome(1, "running", "r1"));
    assert_int_equal(fx_count(&fx, BATON_ACTION_JOB_CANCEL), 0);
    assert_non_null(fx_event(&fx, BATON_EVENT_RESUMED));
    msgpack_unpacked progress;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_PROGRESS, 0, &progress)); /* restarts the room's step timer */
    assert_true(map_get(&progress.data, "progress")->via.f64 == 0.4);
    msgpack_unpacked_destroy(&progress);
    assert_true(fx.sm.job.active);
}

static void welcome_for_another_run_abandons_the_job(void **state)
{
    (void)state;
    fx_join(&fx, 1);
    start_run(1, "r1");
    reconnect();
    fx_frame(&fx, make_welcome(2, "claimed", NULL));
    assert_string_equal(fx_action(&fx, BATON_ACTION_JOB_CANCEL, 0)->run_id, "r1");
    assert_non_null(fx_event(&fx, BATON_EVENT_ABANDONED));
    assert_false(fx.sm.job.active);
}

static void welcome_for_an_unknown_run_with_input_starts_it(void **state)
{
    (void)state;
    fx_connect(&fx); /* a rebooted device: no job, no held report */
    fx_frame(&fx, make_room_data("welcome", "epoch", 'u', (uint64_t)3, "phase", 's', "running", "runId", 's', "r3",
                                 "sessionType", 's', "weighing", "input", 'm', "userGender", "male", NULL, NULL));
    const baton_action_t *job = fx_action(&fx, BATON_ACTION_JOB_START, 0);
    assert_non_null(job);
    assert_string_equal(job->run_id, "r3");
    msgpack_unpacked accepted;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_ACCEPTED, 0, &accepted));
    msgpack_unpacked_destroy(&accepted);
}

static void welcome_for_an_unknown_run_without_input_reports_failed(void **state)
{
    (void)state;
    fx_connect(&fx);
    fx_frame(&fx, make_welcome(3, "running", "r3"));
    assert_int_equal(fx_count(&fx, BATON_ACTION_JOB_START), 0);
    msgpack_unpacked failed;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_FAILED, 0, &failed));
    assert_true(obj_str_eq(map_get(&failed.data, "code"), BATON_ERROR_CODE_DEVICE_FAILED));
    assert_int_equal(map_get(&failed.data, "epoch")->via.u64, 3);
    msgpack_unpacked_destroy(&failed);
}

static void payloads_as_msgpackr_writes_them_are_understood(void **state)
{
    (void)state;
    /* msgpackr writes every map as map16 ("de 00 02") and the type as a header fixstr. */
    fx_connect(&fx);
    const uint8_t welcome[] = {0x0d, 0xa7, 'w', 'e', 'l', 'c', 'o', 'm', 'e', 0xde, 0x00, 0x02, 0xa5, 'e', 'p', 'o', 'c', 'h',
                               0xcd, 0x01, 0x00, /* 256, big-endian inside the payload */
                               0xa5, 'p', 'h', 'a', 's', 'e', 0xa4, 'i', 'd', 'l', 'e'};
    fx_reset(&fx);
    baton_session_on_frame(&fx.sm, welcome, sizeof welcome, fx.now, &fx.actions);
    assert_int_equal(fx.sm.state, BATON_CONN_ONLINE);
    assert_int_equal(fx.sm.highest_epoch, 256);
}

static void lower_welcome_epoch_is_refused_keeping_job_and_held_report(void **state)
{
    (void)state;
    /* A server that does not know epoch 9 (a stale process, a store from an old backup)
     * welcomes the device with epoch 2: the device refuses, leaves, and keeps its work. */
    fx_join(&fx, 9);
    start_run(9, "r-new");
    reconnect();
    fx_frame(&fx, make_welcome(2, "idle", NULL));
    const baton_action_t *refused = fx_event(&fx, BATON_EVENT_EPOCH_REFUSED);
    assert_non_null(refused);
    assert_int_equal(refused->number, 2);
    assert_int_equal(fx.sm.highest_epoch, 9);
    assert_int_equal(fx.sm.state, BATON_CONN_WAITING); /* left; retries with backoff */
    assert_int_equal(fx_count(&fx, BATON_ACTION_WS_CLOSE), 1);
    assert_null(fx_event(&fx, BATON_EVENT_JOINED));
    assert_int_equal(fx_count(&fx, BATON_ACTION_JOB_CANCEL), 0); /* the job goes on */
    assert_true(fx.sm.job.active);

    /* The next hello says which epoch the device has seen, so a current server can catch up… */
    fx_connect(&fx);
    msgpack_unpacked hello;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_HELLO, 0, &hello));
    assert_int_equal(map_get(&hello.data, "epoch")->via.u64, 9);
    msgpack_unpacked_destroy(&hello);
    /* …and a welcome at that epoch naming the job resumes it. */
    fx_frame(&fx, make_welcome(9, "running", "r-new"));
    assert_non_null(fx_event(&fx, BATON_EVENT_RESUMED));
    assert_null(fx_event(&fx, BATON_EVENT_EPOCH_REFUSED));
    assert_true(fx.sm.job.active);
}

static void lower_welcome_epoch_keeps_the_held_result_for_a_server_that_knows(void **state)
{
    (void)state;
    fx_join(&fx, 9);
    start_run(9, "r9");
    finish_run("r9");
    reconnect(); /* the ack was lost, and the server that answers knows less than the device */
    fx_frame(&fx, make_welcome(0, "idle", NULL));
    assert_non_null(fx_event(&fx, BATON_EVENT_EPOCH_REFUSED));
    /* Not re-sent to it (it would orphan the result), not forgotten. */
    assert_false(fx_sent(&fx, BATON_DEVICE_TO_ROOM_RESULT, 0, NULL));
    assert_true(fx.sm.held[0].present);
    fx_connect(&fx);
    fx_frame(&fx, make_welcome(9, "idle", NULL)); /* a server that knows epoch 9 */
    msgpack_unpacked result;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_RESULT, 0, &result));
    assert_int_equal(map_get(&result.data, "epoch")->via.u64, 9);
    assert_true(obj_str_eq(map_get(&result.data, "runId"), "r9"));
    msgpack_unpacked_destroy(&result);
    fx_frame(&fx, make_ack("r9"));
    assert_false(fx.sm.held[0].present);
}

static void hello_without_a_known_epoch_names_none(void **state)
{
    (void)state;
    fx_connect(&fx); /* fresh boot: no epoch seen yet */
    msgpack_unpacked hello;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_HELLO, 0, &hello));
    assert_null(map_get(&hello.data, "epoch"));
    msgpack_unpacked_destroy(&hello);
    /* A second, older welcome on one connection is still a stale duplicate, not a refusal. */
    fx_frame(&fx, make_welcome(5, "idle", NULL));
    fx_frame(&fx, make_welcome(4, "idle", NULL));
    assert_non_null(fx_event(&fx, BATON_EVENT_STALE_COMMAND));
    assert_null(fx_event(&fx, BATON_EVENT_EPOCH_REFUSED));
    assert_int_equal(fx.sm.state, BATON_CONN_ONLINE);
}

static void resume_needs_the_same_run_and_epoch(void **state)
{
    (void)state;
    fx_join(&fx, 3);
    start_run(3, "r1");
    reconnect();
    fx_frame(&fx, make_welcome(4, "running", "r1")); /* same id, another epoch: not our run */
    assert_string_equal(fx_action(&fx, BATON_ACTION_JOB_CANCEL, 0)->run_id, "r1");
    assert_null(fx_event(&fx, BATON_EVENT_RESUMED));
}

static void commands_before_welcome_are_ignored(void **state)
{
    (void)state;
    fx_connect(&fx);
    fx_frame(&fx, make_start(1, "r1", "weighing"));
    assert_int_equal(fx_count(&fx, BATON_ACTION_JOB_START), 0);
    assert_non_null(fx_event(&fx, BATON_EVENT_PROTOCOL_ERROR));
}

/* ---------------------------------------------------------------- firmware updates (issue 23) */

#define OFFER_URL "https://fw.lab/scale-1.2.0.bin"
#define OFFER_SHA "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

/* The offer the application received, parsed as app_ota.c / posix_ota.c parse it. */
static void assert_offer_handed_over(const char *version)
{
    assert_int_equal(fx_count(&fx, BATON_ACTION_UPDATE_OFFER), 1);
    const baton_action_t *a = fx_action(&fx, BATON_ACTION_UPDATE_OFFER, 0);
    baton_ota_offer_t offer;
    assert_int_equal(baton_ota_parse_offer_msgpack(a->data, a->len, &offer), BATON_OK);
    assert_string_equal(offer.url, OFFER_URL);
    assert_string_equal(offer.version, version);
    assert_int_equal(offer.sha256[1], 0x11);
}

static void update_message_is_handed_to_the_application(void **state)
{
    (void)state;
    fx_join(&fx, 1);
    fx_reset(&fx);
    fx_frame(&fx, make_room_data(BATON_ROOM_TO_DEVICE_UPDATE, "url", 's', OFFER_URL, "version", 's', "1.2.0", "sha256", 's', OFFER_SHA, NULL));
    assert_offer_handed_over("1.2.0");
    assert_null(fx_event(&fx, BATON_EVENT_PROTOCOL_ERROR));
    assert_int_equal(fx_count(&fx, BATON_ACTION_WS_SEND), 0); /* not answered: the next hello tells */
}

static void welcome_update_field_is_handed_to_the_application(void **state)
{
    (void)state;
    fx_connect(&fx);
    fx_frame(&fx, make_room_data(BATON_ROOM_TO_DEVICE_WELCOME, "epoch", 'u', (uint64_t)1, "phase", 's', BATON_PHASE_IDLE, "update", 'm',
                                 "url", OFFER_URL, "version", "1.3.0", "sha256", OFFER_SHA, NULL, NULL));
    assert_non_null(fx_event(&fx, BATON_EVENT_JOINED));
    assert_int_equal(fx.sm.state, BATON_CONN_ONLINE);
    assert_offer_handed_over("1.3.0");
}

static void update_offers_that_make_no_sense_are_ignored(void **state)
{
    (void)state;
    fx_connect(&fx); /* before welcome: like any command */
    fx_frame(&fx, make_room_data(BATON_ROOM_TO_DEVICE_UPDATE, "url", 's', OFFER_URL, "version", 's', "1.2.0", "sha256", 's', OFFER_SHA, NULL));
    assert_int_equal(fx_count(&fx, BATON_ACTION_UPDATE_OFFER), 0);
    assert_non_null(fx_event(&fx, BATON_EVENT_PROTOCOL_ERROR));
    fx_reset(&fx);
    /* A welcome whose `update` is not a map still joins; the offer is dropped and said. */
    fx_frame(&fx, make_room_data(BATON_ROOM_TO_DEVICE_WELCOME, "epoch", 'u', (uint64_t)1, "phase", 's', BATON_PHASE_IDLE, "update", 's', "now", NULL));
    assert_non_null(fx_event(&fx, BATON_EVENT_JOINED));
    assert_int_equal(fx_count(&fx, BATON_ACTION_UPDATE_OFFER), 0);
    assert_non_null(fx_event(&fx, BATON_EVENT_PROTOCOL_ERROR));
    /* Fields the device cannot use are the application's to refuse (baton_ota_parse_offer). */
    fx_reset(&fx);
    fx_frame(&fx, make_room_data(BATON_ROOM_TO_DEVICE_UPDATE, "url", 's', "ftp://fw.lab/x", "version", 's', "1", "sha256", 's', "zz", NULL));
    const baton_action_t *a = fx_action(&fx, BATON_ACTION_UPDATE_OFFER, 0);
    assert_non_null(a);
    baton_ota_offer_t offer;
    assert_int_not_equal(baton_ota_parse_offer_msgpack(a->data, a->len, &offer), BATON_OK);
}

static void heartbeat_reports_stack_high_water_marks(void **state)
{
    (void)state;
    fx_join(&fx, 1);
    baton_session_set_stack_free(&fx.sm, 3120, 0);
    fx_tick(&fx, 5000);
    msgpack_unpacked heartbeat;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_HEARTBEAT, 0, &heartbeat));
    const msgpack_object *stacks = map_get(&heartbeat.data, "stackFree");
    assert_non_null(stacks);
    assert_int_equal(map_get(stacks, "main")->via.u64, 3120);
    assert_null(map_get(stacks, "ota")); /* the OTA task never ran */
    msgpack_unpacked_destroy(&heartbeat);

    fx_reset(&fx);
    baton_session_set_stack_free(&fx.sm, UINT32_MAX, 5400); /* clamped to what the server accepts */
    fx_tick(&fx, 5000);
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_HEARTBEAT, 0, &heartbeat));
    stacks = map_get(&heartbeat.data, "stackFree");
    assert_int_equal(map_get(stacks, "main")->via.u64, BATON_STACK_FREE_MAX);
    assert_int_equal(map_get(stacks, "ota")->via.u64, 5400);
    msgpack_unpacked_destroy(&heartbeat);
}

/* ---------------------------------------------------------------- timers */

static void heartbeat_and_ping_every_interval(void **state)
{
    (void)state;
    fx_join(&fx, 1);
    fx_tick(&fx, 4999);
    assert_int_equal(fx_count(&fx, BATON_ACTION_WS_SEND), 0);
    fx_tick(&fx, 1);
    msgpack_unpacked heartbeat;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_HEARTBEAT, 0, &heartbeat));
    assert_non_null(map_get(&heartbeat.data, "uptimeMs"));
    msgpack_unpacked_destroy(&heartbeat);
    const baton_action_t *ping = fx_action(&fx, BATON_ACTION_WS_SEND, 1);
    assert_int_equal(ping->len, 1);
    assert_int_equal(ping->data[0], BATON_COLYSEUS_PING);
}

/* Kconfig allowed 60 s while the room drops a device silent for 15 s: the session bounds it itself. */
static void heartbeat_interval_is_clamped_below_the_silence_timeout(void **state)
{
    (void)state;
    baton_session_config_t config = fx.sm.config;
    config.heartbeat_interval_ms = 60000;
    config.liveness_timeout_ms = 0;
    assert_int_equal(baton_session_init(&fx.sm, &config), BATON_OK);
    assert_int_equal(fx.sm.config.heartbeat_interval_ms, BATON_HEARTBEAT_MAX_MS);
    assert_int_equal(fx.sm.config.liveness_timeout_ms, 3 * BATON_HEARTBEAT_MAX_MS);
    fx_join(&fx, 1);
    fx_tick(&fx, BATON_HEARTBEAT_MAX_MS);
    msgpack_unpacked heartbeat;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_HEARTBEAT, 0, &heartbeat));
    msgpack_unpacked_destroy(&heartbeat);
}

static void silence_past_the_liveness_timeout_closes(void **state)
{
    (void)state;
    fx_join(&fx, 1);
    fx_tick(&fx, 10000);
    const uint8_t pong[] = {BATON_COLYSEUS_PING};
    fx_reset(&fx);
    baton_session_on_frame(&fx.sm, pong, 1, fx.now, &fx.actions); /* the room answered: alive */
    fx_tick(&fx, 14999);
    assert_int_equal(fx.sm.state, BATON_CONN_ONLINE);
    fx_tick(&fx, 1);
    assert_int_equal(fx_count(&fx, BATON_ACTION_WS_CLOSE), 1);
    assert_int_equal(fx.sm.state, BATON_CONN_WAITING);
}

static void job_past_its_budget_is_stopped_and_reported(void **state)
{
    (void)state;
    fx_join(&fx, 1);
    start_run(1, "r1"); /* budget 20 s (deadlineMs) + 5 s grace */
    fx.sm.config.liveness_timeout_ms = UINT32_MAX; /* keep the link "alive" while time jumps */
    fx_tick(&fx, 24999);
    assert_true(fx.sm.job.active);
    fx_tick(&fx, 1);
    assert_int_equal(fx_count(&fx, BATON_ACTION_JOB_CANCEL), 1);
    msgpack_unpacked failed;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_FAILED, 0, &failed));
    assert_true(obj_str_eq(map_get(&failed.data, "code"), BATON_ERROR_CODE_RUN_TIMEOUT));
    msgpack_unpacked_destroy(&failed);
}

static void backoff_gives_up_after_max_attempts(void **state)
{
    (void)state;
    fx_init(&fx, 3);
    fx.random_value = UINT32_MAX;
    fx_reset(&fx);
    baton_session_start(&fx.sm, fx.now, &fx.actions);
    uint64_t expected_max[] = {1000, 2000, 4000};
    for (int i = 0; i < 3; i++) {
        fx_reset(&fx);
        baton_session_on_matchmake_response(&fx.sm, 0, "", 0, fx.now, &fx.actions);
        uint64_t delay = fx_event(&fx, BATON_EVENT_RECONNECT_SCHEDULED)->number;
        assert_true(delay >= expected_max[i] / 2 && delay <= expected_max[i]);
        fx_tick(&fx, delay);
        assert_int_equal(fx_count(&fx, BATON_ACTION_HTTP_POST), 1);
    }
    fx_reset(&fx);
    baton_session_on_matchmake_response(&fx.sm, 0, "", 0, fx.now, &fx.actions);
    assert_non_null(fx_event(&fx, BATON_EVENT_GAVE_UP));
    assert_int_equal(fx.sm.state, BATON_CONN_STOPPED);
    fx_tick(&fx, 1000000);
    assert_int_equal(fx.actions.count, 0);
}

/* Issue 18 finding 18: a throttled join's 429 says how long to wait; the device waits at least that. */
static void a_throttled_join_waits_its_retry_after(void **state)
{
    (void)state;
    fx_init(&fx, 5);
    fx.random_value = UINT32_MAX;
    fx_reset(&fx);
    baton_session_start(&fx.sm, fx.now, &fx.actions);
    fx_reset(&fx);
    static const char throttled[] =
        "{\"code\":429,\"error\":\"RATE_LIMITED: too many wrong device secrets from your address; try again in 30 s.\"}";
    baton_session_on_matchmake_answer(&fx.sm, 429, throttled, strlen(throttled), 30, fx.now, &fx.actions);
    /* The back-off alone would say 1 s. */
    assert_int_equal(fx_event(&fx, BATON_EVENT_RECONNECT_SCHEDULED)->number, 30000);
    fx_reset(&fx);
    baton_session_on_tick(&fx.sm, fx.now + 29999, &fx.actions);
    assert_int_equal(fx_count(&fx, BATON_ACTION_HTTP_POST), 0);
    fx_reset(&fx);
    baton_session_on_tick(&fx.sm, fx.now + 30000, &fx.actions);
    assert_int_equal(fx_count(&fx, BATON_ACTION_HTTP_POST), 1);

    /* A Retry-After shorter than the back-off does not shorten it; none keeps the back-off. */
    fx.now += 30000;
    fx_reset(&fx);
    baton_session_on_matchmake_answer(&fx.sm, 429, throttled, strlen(throttled), 1, fx.now, &fx.actions);
    uint64_t second = fx_event(&fx, BATON_EVENT_RECONNECT_SCHEDULED)->number;
    assert_true(second >= 1000 && second <= 2000); /* the back-off's second step, 1 s ≤ it */
}

static void a_successful_join_resets_the_backoff(void **state)
{
    (void)state;
    fx_init(&fx, 2);
    fx_reset(&fx);
    baton_session_start(&fx.sm, fx.now, &fx.actions);
    fx_reset(&fx);
    baton_session_on_matchmake_response(&fx.sm, 503, "", 0, fx.now, &fx.actions);
    fx_connect(&fx);
    fx_frame(&fx, make_welcome(1, "idle", NULL));
    assert_int_equal(fx.sm.backoff.attempts, 0);
}

static void close_codes_decide_whether_to_come_back(void **state)
{
    (void)state;
    fx_join(&fx, 1);
    fx_reset(&fx);
    baton_session_on_ws_closed(&fx.sm, BATON_CLOSE_CODE_DEVICE_SILENT, fx.now, &fx.actions);
    assert_int_equal(fx_event(&fx, BATON_EVENT_RECONNECT_SCHEDULED)->number, 0); /* at once */
    fx_connect(&fx);
    fx_frame(&fx, make_welcome(1, "idle", NULL));
    fx_reset(&fx);
    baton_session_on_ws_closed(&fx.sm, BATON_CLOSE_CODE_DEVICE_REPLACED, fx.now, &fx.actions);
    assert_non_null(fx_event(&fx, BATON_EVENT_GAVE_UP)); /* another instance runs: do not fight it */
    assert_int_equal(fx.sm.stop_reason, BATON_STOP_REPLACED);
    fx_connect(&fx); /* an explicit start brings it back */
    fx_frame(&fx, make_welcome(1, "idle", NULL));
    fx_reset(&fx);
    baton_session_on_ws_closed(&fx.sm, BATON_CLOSE_CODE_DEVICE_REVOKED, fx.now, &fx.actions);
    assert_int_equal(fx.sm.state, BATON_CONN_STOPPED);
    assert_int_equal(fx.sm.stop_reason, BATON_STOP_REVOKED);
}

static void leaving_says_so_and_stops(void **state)
{
    (void)state;
    fx_join(&fx, 1);
    fx_reset(&fx);
    baton_session_leave(&fx.sm, fx.now, &fx.actions);
    const baton_action_t *leave = fx_action(&fx, BATON_ACTION_WS_SEND, 0);
    assert_int_equal(leave->len, 1);
    assert_int_equal(leave->data[0], BATON_COLYSEUS_LEAVE_ROOM);
    assert_int_equal(fx_count(&fx, BATON_ACTION_WS_CLOSE), 1);
    assert_int_equal(fx.sm.stop_reason, BATON_STOP_LEFT);
    assert_null(fx_event(&fx, BATON_EVENT_GAVE_UP)); /* leaving is not a failure */
    fx_tick(&fx, 600000);
    assert_int_equal(fx.actions.count, 0);
}

static void leave_frame_reconnects(void **state)
{
    (void)state;
    fx_join(&fx, 1);
    const uint8_t leave[] = {BATON_COLYSEUS_LEAVE_ROOM};
    fx_reset(&fx);
    baton_session_on_frame(&fx.sm, leave, 1, fx.now, &fx.actions);
    assert_int_equal(fx_count(&fx, BATON_ACTION_WS_CLOSE), 1);
    assert_int_equal(fx.sm.state, BATON_CONN_WAITING);
}

/* ---------------------------------------------------------------- malformed frames */

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static void malformed_frames_never_crash(void **state)
{
    (void)state;
    /* Valid frames, then every truncation and thousands of random mutations of each. */
    frame_t seeds[] = {
        make_welcome(3, "running", "r1"),
        make_start(3, "r2", "weighing"),
        make_cancel(3, "r2"),
        make_ack("r1"),
        make_room_data("error", "code", 's', "STALE_EPOCH", "message", 's', "m", "request", 's', "result", NULL),
        make_join_room("tok"),
    };
    uint32_t seed = 12345;
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
        for (size_t cut = 0; cut <= seeds[s].len; cut++) {
            fx_init(&fx, 0);
            fx_join(&fx, 3);
            fx_reset(&fx);
            baton_session_on_frame(&fx.sm, seeds[s].bytes, cut, fx.now, &fx.actions);
        }
        for (int round = 0; round < 2000; round++) {
            frame_t f = seeds[s];
            int flips = 1 + (int)(lcg(&seed) % 4);
            for (int k = 0; k < flips; k++) {
                f.bytes[lcg(&seed) % f.len] = (uint8_t)lcg(&seed);
            }
            if (round % 3 == 0) {
                f.len = 1 + lcg(&seed) % f.len;
            }
            if (round % 50 == 0) {
                fx_init(&fx, 0);
                fx_join(&fx, 3);
            }
            fx_reset(&fx);
            baton_session_on_frame(&fx.sm, f.bytes, f.len, fx.now, &fx.actions);
            assert_true(fx.actions.count <= BATON_MAX_ACTIONS);
            assert_true(fx.actions.arena_used <= BATON_ACTION_ARENA_MAX);
        }
    }
    /* Pure noise, including hostile container counts. */
    for (int round = 0; round < 20000; round++) {
        uint8_t noise[64];
        size_t len = lcg(&seed) % sizeof noise;
        for (size_t i = 0; i < len; i++) {
            noise[i] = (uint8_t)lcg(&seed);
        }
        if (len > 0) {
            noise[0] = (uint8_t)(10 + lcg(&seed) % 9); /* a plausible Colyseus code */
        }
        if (round % 100 == 0) {
            fx_init(&fx, 0);
            fx_join(&fx, 3);
        }
        fx_reset(&fx);
        baton_session_on_frame(&fx.sm, noise, len, fx.now, &fx.actions);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(join_acknowledges_then_says_hello, setup),
        cmocka_unit_test_setup(update_message_is_handed_to_the_application, setup),
        cmocka_unit_test_setup(welcome_update_field_is_handed_to_the_application, setup),
        cmocka_unit_test_setup(update_offers_that_make_no_sense_are_ignored, setup),
        cmocka_unit_test_setup(heartbeat_reports_stack_high_water_marks, setup),
        cmocka_unit_test_setup(public_address_picks_the_ws_host, setup),
        cmocka_unit_test_setup(matchmaking_refusal_is_retried_with_backoff, setup),
        cmocka_unit_test_setup(wrong_secret_or_unknown_device_is_not_retried, setup),
        cmocka_unit_test_setup(join_refusal_code_is_read_from_the_field, setup),
        cmocka_unit_test_setup(join_refusal_that_can_pass_is_retried, setup),
        cmocka_unit_test_setup(unreadable_seat_is_retried, setup),
        cmocka_unit_test_setup(every_joining_step_times_out, setup),
        cmocka_unit_test_setup(commands_with_an_older_epoch_are_refused, setup),
        cmocka_unit_test_setup(epochs_sent_as_floats_are_understood, setup),
        cmocka_unit_test_setup(duplicate_start_is_confirmed_not_restarted, setup),
        cmocka_unit_test_setup(a_new_start_replaces_the_running_job, setup),
        cmocka_unit_test_setup(undeclared_session_type_is_reported_failed, setup),
        cmocka_unit_test_setup(result_is_held_until_its_ack, setup),
        cmocka_unit_test_setup(result_is_resent_after_a_lost_ack, setup),
        cmocka_unit_test_setup(result_finished_offline_goes_out_after_welcome, setup),
        cmocka_unit_test_setup(held_result_survives_a_reboot, setup),
        cmocka_unit_test_setup(final_refusal_of_a_held_report_drops_it, setup),
        cmocka_unit_test_setup(job_failure_is_held_like_a_result, setup),
        cmocka_unit_test_setup(ack_of_a_held_failure_forgets_it, setup),
        cmocka_unit_test_setup(resent_failure_is_forgotten_at_its_ack, setup),
        cmocka_unit_test_setup(output_must_be_one_map, setup),
        cmocka_unit_test_setup(welcome_for_the_running_job_resumes_it, setup),
        cmocka_unit_test_setup(welcome_for_another_run_abandons_the_job, setup),
        cmocka_unit_test_setup(welcome_for_an_unknown_run_with_input_starts_it, setup),
        cmocka_unit_test_setup(welcome_for_an_unknown_run_without_input_reports_failed, setup),
        cmocka_unit_test_setup(payloads_as_msgpackr_writes_them_are_understood, setup),
        cmocka_unit_test_setup(lower_welcome_epoch_is_refused_keeping_job_and_held_report, setup),
        cmocka_unit_test_setup(lower_welcome_epoch_keeps_the_held_result_for_a_server_that_knows, setup),
        cmocka_unit_test_setup(hello_without_a_known_epoch_names_none, setup),
        cmocka_unit_test_setup(resume_needs_the_same_run_and_epoch, setup),
        cmocka_unit_test_setup(commands_before_welcome_are_ignored, setup),
        cmocka_unit_test_setup(heartbeat_and_ping_every_interval, setup),
        cmocka_unit_test_setup(heartbeat_interval_is_clamped_below_the_silence_timeout, setup),
        cmocka_unit_test_setup(silence_past_the_liveness_timeout_closes, setup),
        cmocka_unit_test_setup(job_past_its_budget_is_stopped_and_reported, setup),
        cmocka_unit_test_setup(backoff_gives_up_after_max_attempts, setup),
        cmocka_unit_test_setup(a_successful_join_resets_the_backoff, setup),
        cmocka_unit_test_setup(close_codes_decide_whether_to_come_back, setup),
        cmocka_unit_test_setup(leaving_says_so_and_stops, setup),
        cmocka_unit_test_setup(leave_frame_reconnects, setup),
        cmocka_unit_test_setup(malformed_frames_never_crash, setup),
        cmocka_unit_test_setup(a_throttled_join_waits_its_retry_after, setup),
    };
    return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
