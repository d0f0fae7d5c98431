/**
 * @file test_resend.c
 * @brief Re-sending the held report after RATE_LIMITED (docs/PROTOCOL.md §7.3): after the
 *        back-off, once per period, doubling while refused, back to the base at an ack,
 *        dropped with the connection. Time is fed in; no sockets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "baton_frame.h"
#include "baton_protocol.h"
#include "test_support.h"

static fixture_t fx; /* static: the session and action arena are several KB */

static const uint8_t OUTPUT[] = {0x81, 0xa1, 'w', 0x05}; /* {w: 5} */

/* With the fixture's random source at 0 every wait is the floor of [c/2, c]. */
#define FIRST_DELAY (BATON_RESEND_INITIAL_DELAY_MS / 2)

static int setup(void **state)
{
    (void)state;
    fx_init(&fx, 0);
    fx_join(&fx, 1);
    return 0;
}

static void run_to_result(const char *run_id)
{
    fx_frame(&fx, make_start(1, run_id, "weighing"));
    assert_non_null(fx_action(&fx, BATON_ACTION_JOB_START, 0));
    fx_reset(&fx);
    assert_int_equal(baton_session_job_result(&fx.sm, run_id, OUTPUT, sizeof OUTPUT, fx.now, &fx.actions), BATON_OK);
    msgpack_unpacked result;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_RESULT, 0, &result));
    msgpack_unpacked_destroy(&result);
}

static void rate_limited(const char *request)
{
    fx_frame(&fx, make_room_data("error", "code", 's', BATON_ERROR_CODE_RATE_LIMITED, "message", 's', "dropped", "request", 's',
                                 request, NULL));
}

/* Number of `type` reports in the actions of the last call. */
static int sent_count(const char *type)
{
    int n = 0;
    msgpack_unpacked out;
    while (fx_sent(&fx, type, n, &out)) {
        msgpack_unpacked_destroy(&out);
        n++;
    }
    return n;
}

/* Advances to the due re-send and returns how many results went out at that tick. */
static int tick_to_due(void)
{
    assert_true(fx.sm.resend_pending);
    fx_tick(&fx, fx.sm.resend_due_ms - fx.now);
    return sent_count(BATON_DEVICE_TO_ROOM_RESULT);
}

static void held_result_is_resent_after_the_backoff(void **state)
{
    (void)state;
    run_to_result("r1");
    rate_limited("result");
    const baton_action_t *scheduled = fx_event(&fx, BATON_EVENT_RESEND_SCHEDULED);
    assert_non_null(scheduled);
    assert_int_equal(scheduled->number, FIRST_DELAY);
    assert_string_equal(scheduled->text, "result");
    assert_string_equal(scheduled->run_id, "r1");
    assert_int_equal(fx_count(&fx, BATON_ACTION_WS_SEND), 0); /* never at once: the room's bucket is empty */
    assert_int_equal(baton_session_next_deadline(&fx.sm), fx.now + FIRST_DELAY);

    fx_tick(&fx, FIRST_DELAY - 1);
    assert_int_equal(sent_count(BATON_DEVICE_TO_ROOM_RESULT), 0);
    fx_tick(&fx, 1);
    assert_int_equal(sent_count(BATON_DEVICE_TO_ROOM_RESULT), 1);
    assert_int_equal(fx_event(&fx, BATON_EVENT_RESULT_SENT)->number, 1); /* a re-send */
    assert_true(fx.sm.held[0].present); /* still held until the ack */

    fx_tick(&fx, 4000); /* no second copy without a second RATE_LIMITED */
    assert_int_equal(sent_count(BATON_DEVICE_TO_ROOM_RESULT), 0);
    fx_frame(&fx, make_ack("r1"));
    assert_false(fx.sm.held[0].present);
}

static void one_resend_per_period_and_the_period_doubles(void **state)
{
    (void)state;
    run_to_result("r1");
    rate_limited("result");
    const uint64_t due = fx.sm.resend_due_ms;
    rate_limited("result"); /* a second refusal while one is pending changes nothing */
    assert_null(fx_event(&fx, BATON_EVENT_RESEND_SCHEDULED));
    assert_int_equal(fx.sm.resend_due_ms, due);
    assert_int_equal(tick_to_due(), 1);

    /* The re-send was refused too: wait twice as long, then four times. */
    rate_limited("result");
    assert_int_equal(fx_event(&fx, BATON_EVENT_RESEND_SCHEDULED)->number, 2 * FIRST_DELAY);
    assert_int_equal(tick_to_due(), 1);
    rate_limited("result");
    assert_int_equal(fx_event(&fx, BATON_EVENT_RESEND_SCHEDULED)->number, 4 * FIRST_DELAY);
    assert_int_equal(tick_to_due(), 1);

    /* An ack shows reports get through again: the next RATE_LIMITED starts from the base. */
    fx_frame(&fx, make_ack("r1"));
    run_to_result("r2");
    rate_limited("result");
    assert_int_equal(fx_event(&fx, BATON_EVENT_RESEND_SCHEDULED)->number, FIRST_DELAY);
}

static void the_backoff_is_capped(void **state)
{
    (void)state;
    run_to_result("r1");
    uint64_t last = 0;
    const frame_t ping = {.bytes = {BATON_COLYSEUS_PING}, .len = 1};
    for (int i = 0; i < 12; i++) {
        rate_limited("result");
        last = fx_event(&fx, BATON_EVENT_RESEND_SCHEDULED)->number;
        int results = 0;
        while (fx.sm.resend_pending) { /* a second at a time, the room's PING answers keeping the link alive */
            fx_frame(&fx, ping);
            const uint64_t left = fx.sm.resend_due_ms - fx.now;
            fx_tick(&fx, left < 1000 ? left : 1000);
            results += sent_count(BATON_DEVICE_TO_ROOM_RESULT);
        }
        assert_int_equal(results, 1);
    }
    assert_int_equal(last, BATON_RESEND_MAX_DELAY_MS / 2);
}

static void refusal_of_another_frame_also_resends_what_is_held(void **state)
{
    (void)state;
    /* The room tells of dropped frames once a second: a result dropped right after a refused
     * progress gets no RATE_LIMITED of its own from an older room. */
    fx_frame(&fx, make_start(1, "r1", "weighing"));
    rate_limited("progress");
    assert_non_null(fx_event(&fx, BATON_EVENT_RESEND_SCHEDULED));
    fx_reset(&fx);
    assert_int_equal(baton_session_job_result(&fx.sm, "r1", OUTPUT, sizeof OUTPUT, fx.now, &fx.actions), BATON_OK);
    assert_int_equal(tick_to_due(), 1);
}

static void nothing_is_sent_when_the_report_was_acknowledged_meanwhile(void **state)
{
    (void)state;
    rate_limited("heartbeat"); /* nothing held: scheduled, but there is nothing to send when due */
    assert_int_equal(tick_to_due(), 0);
    assert_false(fx.sm.resend_pending);

    run_to_result("r1");
    rate_limited("result");
    fx_frame(&fx, make_ack("r1"));
    assert_int_equal(tick_to_due(), 0);
}

static void held_failure_is_resent_too(void **state)
{
    (void)state;
    fx_frame(&fx, make_start(1, "r1", "weighing"));
    fx_reset(&fx);
    assert_int_equal(baton_session_job_failed(&fx.sm, "r1", "FILAMENT_JAM", "jammed", fx.now, &fx.actions), BATON_OK);
    rate_limited("failed");
    fx_tick(&fx, fx.sm.resend_due_ms - fx.now);
    assert_int_equal(sent_count(BATON_DEVICE_TO_ROOM_FAILED), 1);
    assert_int_equal(fx_event(&fx, BATON_EVENT_FAILED_SENT)->number, 1);
}

static void a_lost_connection_drops_the_pending_resend(void **state)
{
    (void)state;
    run_to_result("r1");
    rate_limited("result");
    const uint64_t due = fx.sm.resend_due_ms;
    fx_reset(&fx);
    baton_session_on_ws_closed(&fx.sm, 1006, fx.now, &fx.actions);
    assert_false(fx.sm.resend_pending);
    fx_connect(&fx);
    fx_frame(&fx, make_welcome(1, "running", "r1"));
    assert_int_equal(sent_count(BATON_DEVICE_TO_ROOM_RESULT), 1); /* the welcome re-sends it */
    fx_tick(&fx, due > fx.now ? due - fx.now : 1);
    assert_int_equal(sent_count(BATON_DEVICE_TO_ROOM_RESULT), 0); /* and only the welcome */
}

static void rate_limited_on_hello_is_honoured_once_online(void **state)
{
    (void)state;
    run_to_result("r1");
    fx_reset(&fx);
    baton_session_on_ws_closed(&fx.sm, 1006, fx.now, &fx.actions);
    fx_connect(&fx);
    rate_limited("hello"); /* before the welcome */
    assert_true(fx.sm.resend_pending);
    fx_frame(&fx, make_welcome(1, "completed", NULL));
    assert_int_equal(sent_count(BATON_DEVICE_TO_ROOM_RESULT), 1);
    assert_int_equal(tick_to_due(), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(held_result_is_resent_after_the_backoff, setup),
        cmocka_unit_test_setup(one_resend_per_period_and_the_period_doubles, setup),
        cmocka_unit_test_setup(the_backoff_is_capped, setup),
        cmocka_unit_test_setup(refusal_of_another_frame_also_resends_what_is_held, setup),
        cmocka_unit_test_setup(nothing_is_sent_when_the_report_was_acknowledged_meanwhile, setup),
        cmocka_unit_test_setup(held_failure_is_resent_too, setup),
        cmocka_unit_test_setup(a_lost_connection_drops_the_pending_resend, setup),
        cmocka_unit_test_setup(rate_limited_on_hello_is_honoured_once_online, setup),
    };
    return cmocka_run_group_tests_name("resend", tests, NULL, NULL);
}
