/**
 * @file test_json_matchmake.c
 * @brief The matchmaking request, the seat reservation parser and its tiny JSON reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "baton_json.h"

/* A literal and its length. */
#define J(s) s, strlen(s)
#include "baton_matchmake.h"

static void request_url_and_body(void **state)
{
    (void)state;
    char out[256];
    assert_int_equal(baton_matchmake_url("http://h:1/", out, sizeof out), BATON_OK);
    assert_string_equal(out, "http://h:1/matchmake/joinOrCreate/device");
    assert_int_equal(baton_matchmake_body("lab-7", out, sizeof out), BATON_OK);
    assert_string_equal(out, "{\"deviceId\":\"lab-7\",\"role\":\"device\"}");
    assert_int_equal(baton_matchmake_body("bad\"id", out, sizeof out), BATON_ERR_CONFIG);
    assert_int_equal(baton_matchmake_url("http://h:1", out, 10), BATON_ERR_NO_SPACE);
}

static void seat_with_extra_fields_and_escapes(void **state)
{
    (void)state;
    const char body[] = " { \"name\" : \"device\", \"extra\": {\"deep\": [1, {\"x\": \"}]\"}], \"s\": \"\\\"\"},"
                        " \"sessionId\":\"a_b-C\", \"roomId\":\"scale-1\", \"processId\":\"p\\u0031\", \"devMode\": true,"
                        " \"aVeryLongKeyThatIsLongerThanAnyKeyWeCompareAgainst\": 1e3 }";
    baton_seat_t seat;
    assert_int_equal(baton_matchmake_parse_seat(body, strlen(body), &seat), BATON_OK);
    assert_string_equal(seat.session_id, "a_b-C");
    assert_string_equal(seat.process_id, "p1");
    assert_string_equal(seat.public_address, "");
    char url[256];
    assert_int_equal(baton_ws_url("https://baton.example/", &seat, url, sizeof url), BATON_OK);
    assert_string_equal(url, "wss://baton.example/p1/scale-1?sessionId=a_b-C&skipHandshake=1");
}

static void seats_that_could_break_the_url_are_refused(void **state)
{
    (void)state;
    const char *bodies[] = {
        "{\"sessionId\":\"a&b\",\"roomId\":\"r\",\"processId\":\"p\"}",
        "{\"sessionId\":\"a\",\"roomId\":\"r/../x\",\"processId\":\"p\"}",
        "{\"sessionId\":\"a\",\"roomId\":\"r\"}",
        "{\"sessionId\":1,\"roomId\":\"r\",\"processId\":\"p\"}",
        "{\"sessionId\":\"a\",\"roomId\":\"r\",\"processId\":\"p\",\"publicAddress\":\"h?x=1\"}",
        "<html>502 Bad Gateway</html>",
        "",
    };
    baton_seat_t seat;
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        assert_int_not_equal(baton_matchmake_parse_seat(bodies[i], strlen(bodies[i]), &seat), BATON_OK);
    }
}

static void error_bodies_never_fail(void **state)
{
    (void)state;
    int64_t code;
    char message[64];
    const char body[] = "{\"code\":4217,\"error\":\"UNKNOWN_DEVICE: no device \\\"x\\\"\"}";
    baton_matchmake_parse_error(body, strlen(body), &code, message, sizeof message);
    assert_int_equal(code, 4217);
    assert_string_equal(message, "UNKNOWN_DEVICE: no device \"x\"");
    baton_matchmake_parse_error("Bad Gateway", 11, &code, message, sizeof message);
    assert_int_equal(code, 0);
    assert_string_equal(message, "");
}

static void json_reader_edge_cases(void **state)
{
    (void)state;
    char out[16];
    double n;
    assert_int_equal(baton_json_get_string(J("{\"a\":\"\\u00e9\\ud83d\\ude00\"}"), "a", out, sizeof out), BATON_OK);
    assert_string_equal(out, "\xc3\xa9\xf0\x9f\x98\x80");
    assert_int_equal(baton_json_get_string(J("{\"a\":\"\\ud83d\"}"), "a", out, sizeof out), BATON_ERR_MALFORMED);
    assert_int_equal(baton_json_get_number(J("{\"a\":-1.5e2}"), "a", &n), BATON_OK);
    assert_true(n == -150.0);
    assert_int_equal(baton_json_get_number(J("{\"a\":\"1\"}"), "a", &n), BATON_ERR_WRONG_TYPE);
    assert_int_equal(baton_json_get_string(J("{\"a\":\"x"), "a", out, sizeof out), BATON_ERR_TRUNCATED);
    assert_int_equal(baton_json_get_string(J("[1]"), "a", out, sizeof out), BATON_ERR_MALFORMED);
    assert_int_equal(baton_json_get_string(J("{\"b\":1}"), "a", out, sizeof out), BATON_ERR_NOT_FOUND);
    /* Every prefix that cuts the value fails cleanly (no read past the given length). */
    const char doc[] = "{\"x\":[{\"y\":\"z\"}],\"a\":\"value\"}";
    for (size_t len = 0; len + 1 < strlen(doc); len++) { /* up to the value's closing quote */
        char copy[64];
        memcpy(copy, doc, len); /* an exact-size copy lets ASan catch any overread */
        assert_int_not_equal(baton_json_get_string(copy, len, "a", out, sizeof out), BATON_OK);
    }
    size_t written;
    assert_int_equal(baton_json_write_string("a\"b\\\n", out, sizeof out, &written), BATON_OK);
    assert_string_equal(out, "\"a\\\"b\\\\\\u000a\"");
}

/* libFuzzer + UBSan reproducer (issue 10): {"code":1e300} used to be cast to int64 — undefined. */
static void error_codes_that_are_not_integers_read_as_none(void **state)
{
    (void)state;
    int64_t code = 7;
    char message[32];
    const char *huge = "{\"code\":1e300,\"error\":\"x\"}";
    baton_matchmake_parse_error(huge, strlen(huge), &code, message, sizeof message);
    assert_int_equal(code, 0);
    assert_string_equal(message, "x");
    const char *negative = "{\"code\":-1e19}";
    baton_matchmake_parse_error(negative, strlen(negative), &code, message, sizeof message);
    assert_int_equal(code, 0);
    const char *fractional = "{\"code\":522.9}";
    baton_matchmake_parse_error(fractional, strlen(fractional), &code, message, sizeof message);
    assert_int_equal(code, 522);
}

/* Issue 19: a join refusal's code is the answer's `errorCode` field; the prefix only for older servers. */
static void error_code_is_read_from_the_field(void **state)
{
    (void)state;
    char code[BATON_ERROR_CODE_MAX];
    const char *both = "{\"code\":401,\"error\":\"UNAUTHORIZED: the secret for device \\\"x\\\" is wrong.\",\"errorCode\":\"UNAUTHORIZED\"}";
    assert_int_equal(baton_matchmake_parse_error_code(both, strlen(both), code, sizeof code), BATON_OK);
    assert_string_equal(code, "UNAUTHORIZED");
    /* The field decides, whatever the text says. */
    const char *field_only = "{\"code\":525,\"error\":\"no such device\",\"errorCode\":\"UNKNOWN_DEVICE\"}";
    assert_int_equal(baton_matchmake_parse_error_code(field_only, strlen(field_only), code, sizeof code), BATON_OK);
    assert_string_equal(code, "UNKNOWN_DEVICE");
    const char *field_wins = "{\"error\":\"UNAUTHORIZED: quoted\",\"errorCode\":\"SERVER_BUSY\"}";
    assert_int_equal(baton_matchmake_parse_error_code(field_wins, strlen(field_wins), code, sizeof code), BATON_OK);
    assert_string_equal(code, "SERVER_BUSY");
    /* A server that predates the field: the long sentence's prefix. */
    const char *old = "{\"code\":404,\"error\":\"UNKNOWN_DEVICE: no device \\\"x\\\" is registered, and this sentence is long.\"}";
    assert_int_equal(baton_matchmake_parse_error_code(old, strlen(old), code, sizeof code), BATON_OK);
    assert_string_equal(code, "UNKNOWN_DEVICE");
    /* No code at all: a proxy's page, a sentence, a field that is not a code. */
    assert_int_equal(baton_matchmake_parse_error_code("Bad Gateway", 11, code, sizeof code), BATON_ERR_NOT_FOUND);
    assert_string_equal(code, "");
    const char *prose = "{\"code\":500,\"error\":\"Seat reservation expired.\"}";
    assert_int_equal(baton_matchmake_parse_error_code(prose, strlen(prose), code, sizeof code), BATON_ERR_NOT_FOUND);
    const char *bogus = "{\"error\":\"x\",\"errorCode\":\"not a code\"}";
    assert_int_equal(baton_matchmake_parse_error_code(bogus, strlen(bogus), code, sizeof code), BATON_ERR_NOT_FOUND);
    assert_string_equal(code, "");
    assert_int_equal(baton_matchmake_parse_error_code(both, strlen(both), NULL, 8), BATON_ERR_INVALID_ARG);
    char tiny[4];
    assert_int_equal(baton_matchmake_parse_error_code(old, strlen(old), tiny, sizeof tiny), BATON_ERR_NOT_FOUND);
}

/* Issue 18 finding 18: the throttled join's Retry-After, as the ports hand it over. */
static void retry_after_is_read_as_seconds(void **state)
{
    (void)state;
    assert_int_equal(baton_parse_retry_after("4"), 4);
    assert_int_equal(baton_parse_retry_after(" 120\r\n"), 120);
    assert_int_equal(baton_parse_retry_after("0"), 0);
    assert_int_equal(baton_parse_retry_after("999999999999"), BATON_RETRY_AFTER_MAX_S);
    assert_int_equal(baton_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), 0); /* no wall clock: not honoured */
    assert_int_equal(baton_parse_retry_after("4s"), 0);
    assert_int_equal(baton_parse_retry_after("-4"), 0);
    assert_int_equal(baton_parse_retry_after(""), 0);
    assert_int_equal(baton_parse_retry_after(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_url_and_body),
        cmocka_unit_test(seat_with_extra_fields_and_escapes),
        cmocka_unit_test(seats_that_could_break_the_url_are_refused),
        cmocka_unit_test(error_bodies_never_fail),
        cmocka_unit_test(json_reader_edge_cases),
        cmocka_unit_test(error_codes_that_are_not_integers_read_as_none),
        cmocka_unit_test(retry_after_is_read_as_seconds),
        cmocka_unit_test(error_code_is_read_from_the_field),
    };
    return cmocka_run_group_tests_name("json_matchmake", tests, NULL, NULL);
}
