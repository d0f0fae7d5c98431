/**
 * @file test_backoff.c
 * @brief Reconnect backoff: growth, cap, jitter range, bounded attempts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "baton_backoff.h"

static uint32_t random_value;
static uint32_t fixed(void *ctx)
{
    (void)ctx;
    return random_value;
}

static void delays_double_up_to_the_cap_within_the_jitter_band(void **state)
{
    (void)state;
    baton_backoff_config_t cfg = {.initial_delay_ms = 100, .max_delay_ms = 1000, .max_attempts = 0};
    const uint32_t randoms[] = {0, 1, 77, UINT32_MAX};
    for (size_t k = 0; k < sizeof randoms / sizeof randoms[0]; k++) {
        baton_backoff_t b;
        baton_backoff_init(&b, &cfg);
        random_value = randoms[k];
        uint32_t cap = 100;
        for (int i = 0; i < 100; i++) {
            uint32_t d;
            assert_int_equal(baton_backoff_next(&b, fixed, NULL, &d), BATON_OK);
            assert_true(d >= cap / 2 && d <= cap);
            cap = cap * 2 > 1000 ? 1000 : cap * 2;
        }
    }
}

static void attempts_are_bounded_and_reset(void **state)
{
    (void)state;
    baton_backoff_config_t cfg = {.initial_delay_ms = 10, .max_delay_ms = 20, .max_attempts = 2};
    baton_backoff_t b;
    baton_backoff_init(&b, &cfg);
    uint32_t d;
    assert_int_equal(baton_backoff_next(&b, fixed, NULL, &d), BATON_OK);
    assert_int_equal(baton_backoff_next(&b, fixed, NULL, &d), BATON_OK);
    assert_int_equal(baton_backoff_next(&b, fixed, NULL, &d), BATON_ERR_RETRIES_EXHAUSTED);
    baton_backoff_reset(&b);
    assert_int_equal(baton_backoff_next(&b, fixed, NULL, &d), BATON_OK);
}

static void defaults_and_odd_configs(void **state)
{
    (void)state;
    baton_backoff_t b;
    baton_backoff_init(&b, NULL);
    assert_int_equal(b.config.initial_delay_ms, 500);
    assert_int_equal(b.config.max_delay_ms, 30000);
    baton_backoff_config_t inverted = {.initial_delay_ms = 5000, .max_delay_ms = 100};
    baton_backoff_init(&b, &inverted);
    uint32_t d;
    random_value = UINT32_MAX;
    assert_int_equal(baton_backoff_next(&b, fixed, NULL, &d), BATON_OK);
    assert_true(d <= 100);
    /* Huge attempt counts neither overflow nor exceed the cap. */
    b.attempts = UINT32_MAX - 1;
    assert_int_equal(baton_backoff_next(&b, NULL, NULL, &d), BATON_OK);
    assert_true(d <= 100 && d >= 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(delays_double_up_to_the_cap_within_the_jitter_band),
        cmocka_unit_test(attempts_are_bounded_and_reset),
        cmocka_unit_test(defaults_and_odd_configs),
    };
    return cmocka_run_group_tests_name("backoff", tests, NULL, NULL);
}
