/**
 * @file test_rx.c
 * @brief WebSocket message reassembly in both delivery styles (esp_websocket_client, libwebsockets).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "baton_rx.h"

static uint8_t buf[16];
static baton_rx_t rx;

static int setup(void **state)
{
    (void)state;
    baton_rx_init(&rx, buf, sizeof buf);
    return 0;
}

static void offset_pieces_assemble(void **state)
{
    (void)state;
    const uint8_t *m;
    size_t n;
    assert_int_equal(baton_rx_feed_at(&rx, 0, 10, (const uint8_t *)"01234", 5, &m, &n), BATON_OK);
    assert_null(m);
    assert_int_equal(baton_rx_feed_at(&rx, 5, 10, (const uint8_t *)"56789", 5, &m, &n), BATON_OK);
    assert_int_equal(n, 10);
    assert_memory_equal(m, "0123456789", 10);
    /* A single-piece message. */
    assert_int_equal(baton_rx_feed_at(&rx, 0, 3, (const uint8_t *)"abc", 3, &m, &n), BATON_OK);
    assert_int_equal(n, 3);
}

static void oversized_message_is_dropped_whole(void **state)
{
    (void)state;
    const uint8_t *m;
    size_t n;
    uint8_t big[12] = {0};
    assert_int_equal(baton_rx_feed_at(&rx, 0, 24, big, 12, &m, &n), BATON_OK);
    assert_int_equal(baton_rx_feed_at(&rx, 12, 24, big, 12, &m, &n), BATON_ERR_NO_SPACE);
    assert_null(m);
    /* The next message is fine. */
    assert_int_equal(baton_rx_feed_at(&rx, 0, 2, (const uint8_t *)"ok", 2, &m, &n), BATON_OK);
    assert_int_equal(n, 2);
}

static void gaps_and_lies_are_refused(void **state)
{
    (void)state;
    const uint8_t *m;
    size_t n;
    assert_int_equal(baton_rx_feed_at(&rx, 0, 10, (const uint8_t *)"01", 2, &m, &n), BATON_OK);
    assert_int_equal(baton_rx_feed_at(&rx, 4, 10, (const uint8_t *)"456789", 6, &m, &n), BATON_ERR_MALFORMED);
    assert_int_equal(baton_rx_feed_at(&rx, 8, 10, (const uint8_t *)"xxxxx", 5, &m, &n), BATON_ERR_MALFORMED);
    assert_int_equal(baton_rx_feed_at(&rx, 0, 4, (const uint8_t *)"abcd", 4, &m, &n), BATON_OK);
    assert_memory_equal(m, "abcd", 4);
}

static void flagged_pieces_assemble(void **state)
{
    (void)state;
    const uint8_t *m;
    size_t n;
    assert_int_equal(baton_rx_feed(&rx, true, false, (const uint8_t *)"he", 2, &m, &n), BATON_OK);
    assert_null(m);
    assert_int_equal(baton_rx_feed(&rx, false, true, (const uint8_t *)"llo", 3, &m, &n), BATON_OK);
    assert_memory_equal(m, "hello", 5);
    uint8_t big[10] = {0};
    assert_int_equal(baton_rx_feed(&rx, true, false, big, 10, &m, &n), BATON_OK);
    assert_int_equal(baton_rx_feed(&rx, false, true, big, 10, &m, &n), BATON_ERR_NO_SPACE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(offset_pieces_assemble, setup),
        cmocka_unit_test_setup(oversized_message_is_dropped_whole, setup),
        cmocka_unit_test_setup(gaps_and_lies_are_refused, setup),
        cmocka_unit_test_setup(flagged_pieces_assemble, setup),
    };
    return cmocka_run_group_tests_name("rx", tests, NULL, NULL);
}
