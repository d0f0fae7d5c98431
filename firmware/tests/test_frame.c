/**
 * @file test_frame.c
 * @brief Colyseus framing: JOIN_ROOM, ERROR, LEAVE, ROOM_DATA, PING, ignored codes, bad frames.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "baton_frame.h"
#include "test_support.h"

static void join_room_exposes_token_and_serializer(void **state)
{
    (void)state;
    frame_t f = make_join_room("abc123");
    baton_frame_t frame;
    assert_int_equal(baton_frame_parse(f.bytes, f.len, &frame), BATON_OK);
    assert_int_equal(frame.kind, BATON_FRAME_JOIN_ROOM);
    assert_int_equal(frame.join.token_len, 6);
    assert_memory_equal(frame.join.token, "abc123", 6);
    assert_memory_equal(frame.join.serializer, "schema", 6);
    for (size_t n = 1; n < 1 + 1 + 6 + 1 + 6; n++) {
        assert_int_equal(baton_frame_parse(f.bytes, n, &frame), BATON_ERR_TRUNCATED);
    }
}

static void error_frame_carries_code_and_message(void **state)
{
    (void)state;
    /* Header numbers are little-endian (@colyseus/schema): 4217 is cd 79 10, not cd 10 79. */
    const uint8_t bytes[] = {BATON_COLYSEUS_ERROR, 0xcd, 0x79, 0x10, 0xa4, 'n', 'o', 'p', 'e'};
    baton_frame_t frame;
    assert_int_equal(baton_frame_parse(bytes, sizeof bytes, &frame), BATON_OK);
    assert_int_equal(frame.kind, BATON_FRAME_ERROR);
    assert_int_equal(frame.error.code, 4217);
    assert_int_equal(frame.error.message_len, 4);
    /* A message of 300 bytes comes as str16 with a little-endian length. */
    static uint8_t long_error[1 + 3 + 3 + 300];
    long_error[0] = BATON_COLYSEUS_ERROR;
    const uint8_t header[] = {0xcd, 0x0d, 0x02, /* 525 LE */ 0xda, 0x2c, 0x01 /* str16, 300 LE */};
    memcpy(long_error + 1, header, sizeof header);
    memset(long_error + 7, 'x', 300);
    assert_int_equal(baton_frame_parse(long_error, sizeof long_error, &frame), BATON_OK);
    assert_int_equal(frame.error.code, 525);
    assert_int_equal(frame.error.message_len, 300);
    assert_int_equal(baton_frame_parse(long_error, sizeof long_error - 1, &frame), BATON_ERR_TRUNCATED);
    const uint8_t negative[] = {BATON_COLYSEUS_ERROR, 0xd1, 0x00, 0xff}; /* int16 LE -256 */
    assert_int_equal(baton_frame_parse(negative, sizeof negative, &frame), BATON_OK);
    assert_int_equal(frame.error.code, -256);
    const uint8_t bad[] = {BATON_COLYSEUS_ERROR, 0xa1, 'x'}; /* code is a string */
    assert_int_equal(baton_frame_parse(bad, sizeof bad, &frame), BATON_ERR_MALFORMED);
}

static void room_data_exposes_type_and_payload(void **state)
{
    (void)state;
    frame_t f = make_ack("r1");
    baton_frame_t frame;
    assert_int_equal(baton_frame_parse(f.bytes, f.len, &frame), BATON_OK);
    assert_int_equal(frame.kind, BATON_FRAME_ROOM_DATA);
    assert_true(baton_frame_type_is(&frame, "ack"));
    assert_false(baton_frame_type_is(&frame, "ac"));
    assert_int_equal(frame.data.payload[0], 0x81);
    const uint8_t no_payload[] = {BATON_COLYSEUS_ROOM_DATA, 0xa3, 'a', 'c', 'k'};
    assert_int_equal(baton_frame_parse(no_payload, sizeof no_payload, &frame), BATON_OK);
    assert_int_equal(frame.data.payload_len, 0);
    const uint8_t numeric[] = {BATON_COLYSEUS_ROOM_DATA, 0x07, 0x80};
    assert_int_equal(baton_frame_parse(numeric, sizeof numeric, &frame), BATON_OK);
    assert_null(frame.data.type);
    assert_int_equal(frame.data.type_number, 7);
}

static void room_data_type_uses_header_encoding(void **state)
{
    (void)state;
    /* A 40-byte type (str8) and a map16 payload, as msgpackr writes maps. */
    uint8_t bytes[64];
    size_t n = 0;
    bytes[n++] = BATON_COLYSEUS_ROOM_DATA;
    bytes[n++] = 0xd9;
    bytes[n++] = 40;
    memset(bytes + n, 't', 40);
    n += 40;
    const uint8_t payload[] = {0xde, 0x00, 0x01, 0xa5, 'r', 'u', 'n', 'I', 'd', 0xa1, 'x'};
    memcpy(bytes + n, payload, sizeof payload);
    n += sizeof payload;
    baton_frame_t frame;
    assert_int_equal(baton_frame_parse(bytes, n, &frame), BATON_OK);
    assert_int_equal(frame.data.type_len, 40);
    assert_int_equal(frame.data.payload_len, sizeof payload);
    baton_mp_reader_t r;
    baton_mp_reader_init(&r, frame.data.payload, frame.data.payload_len);
    char run_id[4];
    assert_int_equal(baton_mp_map_get_str(&r, "runId", run_id, sizeof run_id), BATON_OK);

    /* And we write long types the same way (little-endian str16). */
    static char long_type[301];
    memset(long_type, 'y', 300);
    static uint8_t out[400];
    baton_mp_writer_t w;
    baton_mp_writer_init(&w, out, sizeof out);
    baton_frame_begin_room_data(&w, long_type);
    assert_int_equal(out[1], 0xda);
    assert_int_equal(out[2], 0x2c);
    assert_int_equal(out[3], 0x01);
    assert_int_equal(baton_frame_parse(out, w.len, &frame), BATON_OK);
    assert_int_equal(frame.data.type_len, 300);
}

static void single_byte_frames_and_ignored_codes(void **state)
{
    (void)state;
    baton_frame_t frame;
    const uint8_t leave[] = {BATON_COLYSEUS_LEAVE_ROOM}, ping[] = {BATON_COLYSEUS_PING},
                  patch[] = {BATON_COLYSEUS_ROOM_STATE_PATCH, 1, 2, 3}, odd[] = {200};
    assert_int_equal(baton_frame_parse(leave, 1, &frame), BATON_OK);
    assert_int_equal(frame.kind, BATON_FRAME_LEAVE);
    assert_int_equal(baton_frame_parse(ping, 1, &frame), BATON_OK);
    assert_int_equal(frame.kind, BATON_FRAME_PING);
    assert_int_equal(baton_frame_parse(patch, sizeof patch, &frame), BATON_OK);
    assert_int_equal(frame.kind, BATON_FRAME_IGNORED);
    assert_int_equal(baton_frame_parse(odd, 1, &frame), BATON_OK);
    assert_int_equal(frame.kind, BATON_FRAME_IGNORED);
    assert_int_equal(baton_frame_parse(NULL, 0, &frame), BATON_ERR_TRUNCATED);
}

static void outgoing_room_data_is_what_colyseus_expects(void **state)
{
    (void)state;
    uint8_t buf[32];
    baton_mp_writer_t w;
    baton_mp_writer_init(&w, buf, sizeof buf);
    baton_frame_begin_room_data(&w, "ready");
    baton_mp_write_map(&w, 0);
    const uint8_t expected[] = {0x0d, 0xa5, 'r', 'e', 'a', 'd', 'y', 0x80};
    assert_int_equal(w.len, sizeof expected);
    assert_memory_equal(buf, expected, sizeof expected);
}

/*
 * libFuzzer + UBSan reproducers (issue 10): a header number that is a float NaN, infinity or
 * beyond int64 used to be cast to an integer — undefined behaviour. Now the frame is malformed.
 */
static void float_header_numbers_that_are_not_integers_are_refused(void **state)
{
    (void)state;
    baton_frame_t frame;
    /* ROOM_DATA whose numeric type is float64 NaN */
    const uint8_t nan_type[] = {0x0d, 0xcb, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x7f};
    assert_int_equal(baton_frame_parse(nan_type, sizeof nan_type, &frame), BATON_ERR_MALFORMED);
    /* ERROR whose code is float32 +infinity */
    const uint8_t inf_code[] = {0x0b, 0xca, 0x00, 0x00, 0x80, 0x7f};
    assert_int_equal(baton_frame_parse(inf_code, sizeof inf_code, &frame), BATON_ERR_MALFORMED);
    /* ERROR whose code is float64 1e300 (finite, far beyond int64) */
    const uint8_t huge_code[] = {0x0b, 0xcb, 0x9c, 0x75, 0x00, 0x88, 0x3c, 0xe4, 0x37, 0x7e};
    assert_int_equal(baton_frame_parse(huge_code, sizeof huge_code, &frame), BATON_ERR_MALFORMED);
    /* float32 2^63 is just out of range; -2^63 is the last value in it */
    const uint8_t two_63[] = {0x0b, 0xca, 0x00, 0x00, 0x00, 0x5f, 0xa0};
    assert_int_equal(baton_frame_parse(two_63, sizeof two_63, &frame), BATON_ERR_MALFORMED);
    const uint8_t minus_two_63[] = {0x0b, 0xca, 0x00, 0x00, 0x00, 0xdf, 0xa0};
    assert_int_equal(baton_frame_parse(minus_two_63, sizeof minus_two_63, &frame), BATON_OK);
    assert_true(frame.error.code == INT64_MIN);
    /* an ordinary float code is still truncated */
    const uint8_t float_code[] = {0x0b, 0xca, 0x00, 0x00, 0x28, 0x42, 0xa0}; /* 42.0f */
    assert_int_equal(baton_frame_parse(float_code, sizeof float_code, &frame), BATON_OK);
    assert_int_equal(frame.error.code, 42);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(join_room_exposes_token_and_serializer),
        cmocka_unit_test(error_frame_carries_code_and_message),
        cmocka_unit_test(room_data_exposes_type_and_payload),
        cmocka_unit_test(room_data_type_uses_header_encoding),
        cmocka_unit_test(single_byte_frames_and_ignored_codes),
        cmocka_unit_test(outgoing_room_data_is_what_colyseus_expects),
        cmocka_unit_test(float_header_numbers_that_are_not_integers_are_refused),
    };
    return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
