/**
 * @file test_scale_settle.c
 * @brief The empty scale (issue 10): a weighing needs a stable load of at least the minimum;
 *        it says it is waiting, and fails with NOTHING_TO_MEASURE when nobody stepped on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "baton_scale_settle.h"

static const baton_scale_settle_config_t CONFIG = {.min_load_grams = 2000, .stable_grams = 200, .timeout_ms = 20000};

static baton_scale_settle_t s;
static uint64_t now;
static double progress;
static int32_t grams;

static baton_scale_step_t feed(int32_t reading)
{
    now += 100; /* HX711 at 10 samples per second */
    return baton_scale_settle_feed(&s, now, true, reading, &progress, &grams);
}

static int setup(void **state)
{
    (void)state;
    now = 1000;
    progress = -1;
    grams = -1;
    baton_scale_settle_begin(&s, &CONFIG, now);
    return 0;
}

/* The review's bug: a run started before anyone stepped on settled on ≈0 kg and reported it. */
static void an_empty_platform_never_settles_into_a_result(void **state)
{
    (void)state;
    baton_scale_step_t step = BATON_SCALE_NOTHING;
    for (int i = 0; i < 199; i++) { /* 19.9 s of perfectly stable zero readings */
        step = feed(i % 2 == 0 ? 3 : -2);
        assert_true(step == BATON_SCALE_NOTHING || step == BATON_SCALE_PROGRESS);
    }
    assert_int_equal(feed(0), BATON_SCALE_NO_LOAD); /* 20 s: fail with the documented code */
    assert_int_equal(feed(70000), BATON_SCALE_NOTHING); /* finished: nothing more */
}

static void waiting_is_reported_at_once_and_then_every_few_seconds(void **state)
{
    (void)state;
    assert_int_equal(feed(0), BATON_SCALE_PROGRESS);
    assert_true(progress == 0.0);
    assert_string_equal(baton_scale_settle_message(&s), "waiting for a load");
    int reports = 0;
    for (int i = 0; i < 100; i++) { /* 10 s more */
        reports += feed(0) == BATON_SCALE_PROGRESS;
    }
    assert_int_equal(reports, 2); /* at 5 s and 10 s: the room's step timer keeps running */
}

static void a_person_stepping_on_late_is_weighed(void **state)
{
    (void)state;
    for (int i = 0; i < 50; i++) {
        (void)feed(0);
    }
    now += 1000;
    assert_int_equal(feed(71950), BATON_SCALE_PROGRESS); /* a load: settling */
    assert_true(progress == 0.5);
    assert_string_equal(baton_scale_settle_message(&s), "settling");
    const int32_t readings[] = {72010, 71990, 72040, 71960, 72000, 72020, 71980};
    baton_scale_step_t step = BATON_SCALE_NOTHING;
    for (size_t i = 0; i < sizeof readings / sizeof readings[0]; i++) {
        step = feed(readings[i]);
    }
    assert_int_equal(step, BATON_SCALE_DONE);
    assert_int_equal(grams, (71950 + 72010 + 71990 + 72040 + 71960 + 72000 + 72020 + 71980) / 8);
}

static void a_load_below_the_minimum_is_no_load(void **state)
{
    (void)state;
    baton_scale_step_t step = BATON_SCALE_NOTHING;
    for (int i = 0; i < 200 && step != BATON_SCALE_NO_LOAD; i++) {
        step = feed(1500); /* a bag, stable, but under 2 kg */
        assert_int_not_equal(step, BATON_SCALE_DONE);
    }
    assert_int_equal(step, BATON_SCALE_NO_LOAD);
}

static void stepping_off_empties_the_window(void **state)
{
    (void)state;
    for (int i = 0; i < 7; i++) {
        assert_int_not_equal(feed(60000), BATON_SCALE_DONE);
    }
    assert_int_not_equal(feed(0), BATON_SCALE_DONE); /* stepped off before the 8th reading */
    for (int i = 0; i < 7; i++) {
        assert_int_not_equal(feed(60000), BATON_SCALE_DONE); /* the window starts again */
    }
    assert_int_equal(feed(60000), BATON_SCALE_DONE);
    assert_int_equal(grams, 60000);
}

static void someone_moving_until_the_timeout_is_unstable(void **state)
{
    (void)state;
    baton_scale_step_t step = BATON_SCALE_NOTHING;
    for (int i = 0; i < 300 && (step == BATON_SCALE_NOTHING || step == BATON_SCALE_PROGRESS); i++) {
        step = feed(i % 2 == 0 ? 60000 : 61000); /* 1 kg swings: never within 200 g */
    }
    assert_int_equal(step, BATON_SCALE_UNSTABLE);
}

static void a_wobble_around_the_minimum_does_not_flood_progress(void **state)
{
    (void)state;
    int reports = 0;
    for (int i = 0; i < 50; i++) { /* 5 s, the phase flipping at every reading */
        reports += feed(i % 2 == 0 ? 1900 : 2100) == BATON_SCALE_PROGRESS;
    }
    assert_true(reports <= 6); /* at most one a second (plus the first) */
}

static void no_reading_still_times_out(void **state)
{
    (void)state;
    /* A scale whose converter stopped answering: the weighing still ends. */
    assert_int_equal(baton_scale_settle_feed(&s, now + 19999, false, 0, &progress, &grams), BATON_SCALE_PROGRESS);
    assert_int_equal(baton_scale_settle_feed(&s, now + 20000, false, 0, &progress, &grams), BATON_SCALE_NO_LOAD);
}

static void extreme_readings_do_not_overflow(void **state)
{
    (void)state;
    for (int i = 0; i < 8; i++) {
        assert_int_not_equal(feed(i % 2 == 0 ? INT32_MAX : CONFIG.min_load_grams), BATON_SCALE_DONE);
    }
    for (int i = 0; i < 8; i++) {
        (void)feed(INT32_MAX);
    }
    assert_int_equal(grams, INT32_MAX);
}

static void configurations_are_checked(void **state)
{
    (void)state;
    assert_true(baton_scale_settle_config_valid(&CONFIG));
    baton_scale_settle_config_t bad = CONFIG;
    bad.min_load_grams = 0;
    assert_false(baton_scale_settle_config_valid(&bad));
    bad = CONFIG;
    bad.timeout_ms = 0;
    assert_false(baton_scale_settle_config_valid(&bad));
    assert_false(baton_scale_settle_config_valid(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(an_empty_platform_never_settles_into_a_result, setup),
        cmocka_unit_test_setup(waiting_is_reported_at_once_and_then_every_few_seconds, setup),
        cmocka_unit_test_setup(a_person_stepping_on_late_is_weighed, setup),
        cmocka_unit_test_setup(a_load_below_the_minimum_is_no_load, setup),
        cmocka_unit_test_setup(stepping_off_empties_the_window, setup),
        cmocka_unit_test_setup(someone_moving_until_the_timeout_is_unstable, setup),
        cmocka_unit_test_setup(a_wobble_around_the_minimum_does_not_flood_progress, setup),
        cmocka_unit_test_setup(no_reading_still_times_out, setup),
        cmocka_unit_test_setup(extreme_readings_do_not_overflow, setup),
        cmocka_unit_test_setup(configurations_are_checked, setup),
    };
    return cmocka_run_group_tests_name("scale_settle", tests, NULL, NULL);
}
