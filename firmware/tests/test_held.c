/**
 * @file test_held.c
 * @brief The held-report slots (baton_session_held.c): keys, eviction past the bound, and the
 *        persisted form — what the contract vectors cannot see (storage).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "baton_frame.h"
#include "test_support.h"

static fixture_t fx;
static const uint8_t OUTPUT[] = {0x81, 0xa1, 'w', 0x05}; /* {w: 5} */

static void hold_result(uint64_t epoch, const char *run_id)
{
    fx_frame(&fx, make_start(epoch, run_id, "weighing"));
    fx_reset(&fx);
    assert_int_equal(baton_session_job_result(&fx.sm, run_id, OUTPUT, sizeof OUTPUT, fx.now, &fx.actions), BATON_OK);
}

static void keys_are_distinct_and_bounded(void **state)
{
    (void)state;
    assert_string_equal(baton_held_report_key(0), BATON_KV_KEY_HELD_REPORT);
    for (size_t i = 1; i < BATON_MAX_HELD_REPORTS; i++) {
        assert_non_null(baton_held_report_key(i));
        assert_true(strlen(baton_held_report_key(i)) <= 15); /* NVS key limit */
        assert_string_not_equal(baton_held_report_key(i), baton_held_report_key(i - 1));
    }
    assert_null(baton_held_report_key(BATON_MAX_HELD_REPORTS));
}

static void reports_fill_the_slots_then_the_oldest_is_evicted(void **state)
{
    (void)state;
    fx_init(&fx, 0);
    fx_join(&fx, 1);
    char run_id[8];
    for (int i = 0; i < BATON_MAX_HELD_REPORTS; i++) {
        snprintf(run_id, sizeof run_id, "r%d", i);
        hold_result(1, run_id);
        const baton_action_t *store = fx_action(&fx, BATON_ACTION_STORE, 0);
        assert_string_equal(store->text, baton_held_report_key((size_t)i)); /* each in its own key */
    }
    assert_int_equal(baton_session_held_count(&fx.sm), BATON_MAX_HELD_REPORTS);
    hold_result(1, "new");
    const baton_action_t *dropped = fx_event(&fx, BATON_EVENT_RESULT_DROPPED);
    assert_non_null(dropped);
    assert_string_equal(dropped->run_id, "r0");
    assert_string_equal(fx_action(&fx, BATON_ACTION_STORE, 0)->text, BATON_KV_KEY_HELD_REPORT); /* r0's key reused */
    assert_int_equal(baton_session_held_count(&fx.sm), BATON_MAX_HELD_REPORTS);
}

static void a_stored_slot_restores_with_its_order(void **state)
{
    (void)state;
    fx_init(&fx, 0);
    fx_join(&fx, 1);
    hold_result(1, "first");
    hold_result(1, "second");
    const baton_action_t *store = fx_action(&fx, BATON_ACTION_STORE, 0);
    uint8_t blob[BATON_REPORT_MAX + 96];
    assert_true(store->len <= sizeof blob);
    memcpy(blob, store->data, store->len);
    const size_t len = store->len;
    const char *key = store->text;
    assert_string_equal(key, baton_held_report_key(1));

    fixture_t fresh;
    fx_init(&fresh, 0);
    assert_int_equal(baton_session_restore_slot(&fresh.sm, 1, blob, len), BATON_OK);
    assert_true(fresh.sm.held[1].present);
    assert_string_equal(fresh.sm.held[1].run_id, "second");
    assert_int_equal(fresh.sm.held[1].seq, 1);
    assert_int_equal(fresh.sm.held_seq, 2); /* a new report sorts after it */
    assert_int_equal(baton_session_restore_slot(&fresh.sm, BATON_MAX_HELD_REPORTS, blob, len), BATON_ERR_INVALID_ARG);
}

static void a_version_1_blob_still_restores(void **state)
{
    (void)state;
    /* "BH", 1, result, epoch 7, run id "r1", then a ROOM_DATA frame "result" {} */
    const uint8_t blob[] = {'B', 'H', 1, 0, 7, 0, 0, 0, 0, 0, 0, 0, 2, 'r', '1', 9, 0,
                            0x0d, 0xa6, 'r', 'e', 's', 'u', 'l', 't', 0x80};
    fx_init(&fx, 0);
    assert_int_equal(baton_session_restore(&fx.sm, blob, sizeof blob), BATON_OK);
    assert_true(fx.sm.held[0].present);
    assert_int_equal(fx.sm.held[0].epoch, 7);
    assert_int_equal(fx.sm.held[0].seq, 0);
    assert_string_equal(fx.sm.held[0].run_id, "r1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_are_distinct_and_bounded),
        cmocka_unit_test(reports_fill_the_slots_then_the_oldest_is_evicted),
        cmocka_unit_test(a_stored_slot_restores_with_its_order),
        cmocka_unit_test(a_version_1_blob_still_restores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
