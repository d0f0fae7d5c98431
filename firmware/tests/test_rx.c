/**
 * @file test_rx.c
 * @brief WebSocket message reassembly in both delivery styles (esp_websocket_client frames
 *        with FIN and continuations, libwebsockets first/final pieces).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "baton_rx.h"

static uint8_t buf[16];
static baton_rx_t rx;

/* A piece of a single-frame binary message (FIN set), the common case. */
static baton_status_t feed_bin(size_t offset, size_t frame_len, const uint8_t *data, size_t len, const uint8_t **m,
                               size_t *n)
{
    return baton_rx_feed_frame(&rx, BATON_WS_OPCODE_BINARY, true, offset, frame_len, data, len, m, n);
}

/* A whole frame in one piece. */
static baton_status_t frame(uint8_t op_code, bool fin, const char *text, const uint8_t **m, size_t *n)
{
    const size_t len = strlen(text);
    return baton_rx_feed_frame(&rx, op_code, fin, 0, len, (const uint8_t *)text, len, m, n);
}

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
    assert_int_equal(feed_bin(0, 10, (const uint8_t *)"01234", 5, &m, &n), BATON_OK);
    assert_null(m);
    assert_int_equal(feed_bin(5, 10, (const uint8_t *)"56789", 5, &m, &n), BATON_OK);
    assert_int_equal(n, 10);
    assert_memory_equal(m, "0123456789", 10);
    /* A single-piece message. */
    assert_int_equal(feed_bin(0, 3, (const uint8_t *)"abc", 3, &m, &n), BATON_OK);
    assert_int_equal(n, 3);
}

static void oversized_message_is_dropped_whole(void **state)
{
    (void)state;
    const uint8_t *m;
    size_t n;
    uint8_t big[12] = {0};
    assert_int_equal(feed_bin(0, 24, big, 12, &m, &n), BATON_OK);
    assert_int_equal(feed_bin(12, 24, big, 12, &m, &n), BATON_ERR_NO_SPACE);
    assert_null(m);
    /* The next message is fine. */
    assert_int_equal(feed_bin(0, 2, (const uint8_t *)"ok", 2, &m, &n), BATON_OK);
    assert_int_equal(n, 2);
}

static void gaps_and_lies_are_refused(void **state)
{
    (void)state;
    const uint8_t *m;
    size_t n;
    assert_int_equal(feed_bin(0, 10, (const uint8_t *)"01", 2, &m, &n), BATON_OK);
    assert_int_equal(feed_bin(4, 10, (const uint8_t *)"456789", 6, &m, &n), BATON_ERR_MALFORMED);
    assert_int_equal(feed_bin(8, 10, (const uint8_t *)"xxxxx", 5, &m, &n), BATON_ERR_MALFORMED);
    assert_int_equal(feed_bin(0, 4, (const uint8_t *)"abcd", 4, &m, &n), BATON_OK);
    assert_memory_equal(m, "abcd", 4);
}

/* Issue 10: the first fragment of a fragmented message used to be delivered as the whole message. */
static void continuation_frames_are_joined_until_fin(void **state)
{
    (void)state;
    const uint8_t *m;
    size_t n;
    assert_int_equal(frame(BATON_WS_OPCODE_BINARY, false, "hel", &m, &n), BATON_OK);
    assert_null(m); /* no FIN yet: not a message */
    assert_int_equal(frame(0x9, true, "ping", &m, &n), BATON_OK); /* a control frame in between */
    assert_null(m);
    /* A continuation frame of 3 bytes delivered in two pieces (payload_offset 0, then 2). */
    assert_int_equal(baton_rx_feed_frame(&rx, BATON_WS_OPCODE_CONTINUATION, false, 0, 3, (const uint8_t *)"lo", 2, &m, &n),
                     BATON_OK);
    assert_int_equal(baton_rx_feed_frame(&rx, BATON_WS_OPCODE_CONTINUATION, false, 2, 3, (const uint8_t *)" ", 1, &m, &n),
                     BATON_OK);
    assert_null(m);
    assert_int_equal(frame(BATON_WS_OPCODE_CONTINUATION, true, "world", &m, &n), BATON_OK);
    assert_non_null(m);
    assert_int_equal(n, 11);
    assert_memory_equal(m, "hello world", 11);
    /* The state is clean for the next message. */
    assert_int_equal(frame(BATON_WS_OPCODE_BINARY, true, "next", &m, &n), BATON_OK);
    assert_int_equal(n, 4);
}

static void text_messages_and_their_continuations_are_skipped(void **state)
{
    (void)state;
    const uint8_t *m;
    size_t n;
    assert_int_equal(frame(BATON_WS_OPCODE_TEXT, false, "{\"a\":", &m, &n), BATON_OK);
    assert_null(m);
    assert_int_equal(frame(BATON_WS_OPCODE_CONTINUATION, true, "1}", &m, &n), BATON_OK);
    assert_null(m);
    assert_int_equal(frame(BATON_WS_OPCODE_BINARY, true, "bin", &m, &n), BATON_OK);
    assert_memory_equal(m, "bin", 3);
}

static void a_continuation_with_nothing_begun_is_malformed(void **state)
{
    (void)state;
    const uint8_t *m;
    size_t n;
    assert_int_equal(frame(BATON_WS_OPCODE_CONTINUATION, false, "orph", &m, &n), BATON_OK);
    assert_int_equal(frame(BATON_WS_OPCODE_CONTINUATION, true, "an", &m, &n), BATON_ERR_MALFORMED);
    assert_null(m);
    assert_int_equal(frame(BATON_WS_OPCODE_BINARY, true, "ok", &m, &n), BATON_OK);
    assert_memory_equal(m, "ok", 2);
}

static void a_new_message_replaces_an_unfinished_one(void **state)
{
    (void)state;
    const uint8_t *m;
    size_t n;
    assert_int_equal(frame(BATON_WS_OPCODE_BINARY, false, "lost", &m, &n), BATON_OK);
    assert_int_equal(frame(BATON_WS_OPCODE_BINARY, true, "kept", &m, &n), BATON_OK);
    assert_int_equal(n, 4);
    assert_memory_equal(m, "kept", 4);
}

static void a_fragmented_message_past_the_buffer_is_dropped_once(void **state)
{
    (void)state;
    const uint8_t *m;
    size_t n;
    assert_int_equal(frame(BATON_WS_OPCODE_BINARY, false, "0123456789", &m, &n), BATON_OK);
    assert_int_equal(frame(BATON_WS_OPCODE_CONTINUATION, false, "0123456789", &m, &n), BATON_OK); /* 20 > 16 */
    assert_null(m);
    assert_int_equal(frame(BATON_WS_OPCODE_CONTINUATION, true, "!", &m, &n), BATON_ERR_NO_SPACE);
    assert_null(m);
    assert_int_equal(frame(BATON_WS_OPCODE_BINARY, true, "fine", &m, &n), BATON_OK);
    assert_int_equal(n, 4);
}

static void a_piece_past_its_frame_end_is_refused(void **state)
{
    (void)state;
    const uint8_t *m;
    size_t n;
    assert_int_equal(frame(BATON_WS_OPCODE_BINARY, false, "ab", &m, &n), BATON_OK);
    assert_int_equal(baton_rx_feed_frame(&rx, BATON_WS_OPCODE_CONTINUATION, true, 2, 3, (const uint8_t *)"xy", 2, &m, &n),
                     BATON_ERR_MALFORMED);
    assert_null(m);
    /* The unfinished message went with it: a FIN continuation now has nothing to continue. */
    assert_int_equal(frame(BATON_WS_OPCODE_CONTINUATION, true, "c", &m, &n), BATON_ERR_MALFORMED);
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
        cmocka_unit_test_setup(continuation_frames_are_joined_until_fin, setup),
        cmocka_unit_test_setup(text_messages_and_their_continuations_are_skipped, setup),
        cmocka_unit_test_setup(a_continuation_with_nothing_begun_is_malformed, setup),
        cmocka_unit_test_setup(a_new_message_replaces_an_unfinished_one, setup),
        cmocka_unit_test_setup(a_fragmented_message_past_the_buffer_is_dropped_once, setup),
        cmocka_unit_test_setup(a_piece_past_its_frame_end_is_refused, setup),
        cmocka_unit_test_setup(flagged_pieces_assemble, setup),
    };
    return cmocka_run_group_tests_name("rx", tests, NULL, NULL);
}
