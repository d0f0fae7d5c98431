/**
 * @file test_loop.c
 * @brief The main loop's waits: never zero ticks (a deadline in the past sleeps one tick),
 *        rounded up, clamped, no overflow; the wall-clock plausibility check for SNTP.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "baton_loop.h"

static void sub_tick_waits_become_one_tick(void **state)
{
    (void)state;
    /* pdMS_TO_TICKS(5) is 0 at 100 Hz: the busy loop of issue 23. */
    assert_int_equal(baton_wait_ticks(5, 100, 1000), 1);
    assert_int_equal(baton_wait_ticks(0, 100, 1000), 1);
    assert_int_equal(baton_wait_ticks(1, 100, 1000), 1);
    assert_int_equal(baton_wait_ticks(10, 100, 1000), 1);
    assert_int_equal(baton_wait_ticks(11, 100, 1000), 2);
    assert_int_equal(baton_wait_ticks(20, 100, 1000), 2);
    assert_int_equal(baton_wait_ticks(5, 1000, 1000), 5);
    assert_int_equal(baton_wait_ticks(0, 1000, 1000), 1);
    assert_int_equal(baton_wait_ticks(5, 0, 1000), 5); /* 0 Hz counts as 1 kHz */
}

static void long_waits_are_clamped_without_overflow(void **state)
{
    (void)state;
    assert_int_equal(baton_wait_ticks(UINT32_MAX, 1000, UINT32_MAX - 1u), UINT32_MAX - 1u);
    assert_int_equal(baton_wait_ticks(3600u * 1000u, 1000, UINT32_MAX - 1u), 3600u * 1000u);
    assert_int_equal(baton_wait_ticks(60000, 100, 50), 50);
    assert_int_equal(baton_wait_ticks(60000, 100, 0), 1);
}

/* A loop whose deadline stays in the past still blocks one tick per step, however long it runs. */
static void a_deadline_in_the_past_never_spins(void **state)
{
    (void)state;
    uint64_t now = 1000000;
    const uint64_t stuck_deadline = 10;
    for (int i = 0; i < 1000; i++) {
        baton_loop_step_t step = baton_loop_plan(now, stuck_deadline, 20, 100);
        assert_true(step.overdue);
        assert_int_equal(step.wait_ticks, 1);
        now += 10; /* the one tick it slept */
    }
    baton_loop_step_t due_now = baton_loop_plan(500, 500, 20, 100);
    assert_true(due_now.overdue);
    assert_int_equal(due_now.wait_ticks, 1);
}

static void future_deadlines_wait_up_to_the_cap(void **state)
{
    (void)state;
    baton_loop_step_t s = baton_loop_plan(1000, 1015, 20, 1000);
    assert_false(s.overdue);
    assert_int_equal(s.wait_ticks, 15);
    s = baton_loop_plan(1000, 999999, 20, 1000);
    assert_int_equal(s.wait_ticks, 20);
    s = baton_loop_plan(1000, 1003, 20, 100);
    assert_int_equal(s.wait_ticks, 1);
    s = baton_loop_plan(0, UINT64_MAX, 20, 100);
    assert_int_equal(s.wait_ticks, 2);
}

static void the_wall_clock_counts_as_set_after_2025(void **state)
{
    (void)state;
    assert_false(baton_wall_clock_is_set(0));
    assert_false(baton_wall_clock_is_set(-5));
    assert_false(baton_wall_clock_is_set(1735689599));
    assert_true(baton_wall_clock_is_set(1735689600));
    assert_true(baton_wall_clock_is_set(1798675200)); /* 2027 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sub_tick_waits_become_one_tick),
        cmocka_unit_test(long_waits_are_clamped_without_overflow),
        cmocka_unit_test(a_deadline_in_the_past_never_spins),
        cmocka_unit_test(future_deadlines_wait_up_to_the_cap),
        cmocka_unit_test(the_wall_clock_counts_as_set_after_2025),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
