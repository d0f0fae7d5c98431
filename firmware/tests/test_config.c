/**
 * @file test_config.c
 * @brief Where baton_config.h takes its sizes from (components/baton_core/Kconfig).
 *
 * Built twice by host/CMakeLists.txt:
 *  - test_config_defaults: no ESP_PLATFORM. Every size must be its Kconfig default
 *    (EXPECT_<NAME> is passed in from components/baton_core/Kconfig), so an unconfigured
 *    ESP-IDF build and the host tests use the same numbers.
 *  - test_config_kconfig: ESP_PLATFORM and tests/config_kconfig/sdkconfig.h (non-default
 *    CONFIG_BATON_CORE_* values), plus -DBATON_REPORT_MAX=640: the Kconfig values are taken,
 *    and a -D still wins over Kconfig.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "baton_config.h"

static void sizes_come_from_the_expected_place(void **state)
{
    (void)state;
    assert_int_equal(BATON_MAX_SESSION_TYPES, EXPECT_MAX_SESSION_TYPES);
    assert_int_equal(BATON_URL_MAX, EXPECT_URL_MAX);
    assert_int_equal(BATON_HTTP_RESPONSE_MAX, EXPECT_HTTP_RESPONSE_MAX);
    assert_int_equal(BATON_RX_FRAME_MAX, EXPECT_RX_FRAME_MAX);
    assert_int_equal(BATON_INPUT_MAX, EXPECT_INPUT_MAX);
    assert_int_equal(BATON_REPORT_MAX, EXPECT_REPORT_MAX);
    assert_int_equal(BATON_MAX_HELD_REPORTS, EXPECT_MAX_HELD_REPORTS);
    assert_int_equal(BATON_ACTION_ARENA_MAX, EXPECT_ACTION_ARENA_MAX);
    assert_int_equal(BATON_MAX_ACTIONS, EXPECT_MAX_ACTIONS);
}

static void protocol_limits_are_not_configurable(void **state)
{
    (void)state;
    /* Fixed by the server (shared/messages.ts Limits), whatever the Kconfig says. */
    assert_int_equal(BATON_RUN_ID_MAX, 64);
    assert_int_equal(BATON_SESSION_TYPE_MAX, 64);
    assert_int_equal(BATON_ID_MAX, 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes_come_from_the_expected_place),
        cmocka_unit_test(protocol_limits_are_not_configurable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
