/**
 * @file test_telemetry.c
 * @brief Live telemetry (issue 24, PROTOCOL §16): `hello` declares the configured channels,
 *        a sample goes out as `telemetry {values: {<channel>: value}}` only while joined, and
 *        the scale sends its raw weight while — and only while — the load settles, at most
 *        every BATON_SCALE_TELEMETRY_EVERY_MS.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "baton_msgpack.h"
#include "baton_protocol.h"
#include "baton_scale_settle.h"
#include "test_support.h"

static fixture_t fx;
static uint8_t channels[128];
static size_t channels_len;

static void declare_weight(void)
{
    baton_mp_writer_t w;
    baton_mp_writer_init(&w, channels, sizeof channels);
    baton_mp_write_array(&w, 1);
    baton_mp_write_map(&w, 3);
    baton_mp_write_cstr(&w, "name");
    baton_mp_write_cstr(&w, "weight");
    baton_mp_write_cstr(&w, "unit");
    baton_mp_write_cstr(&w, "kg");
    baton_mp_write_cstr(&w, "visibility");
    baton_mp_write_cstr(&w, "owner");
    assert_int_equal(w.status, BATON_OK);
    channels_len = w.len;
}

static void hello_declares_the_channels_only_when_configured(void **state)
{
    (void)state;
    fx_init(&fx, 5);
    fx_connect(&fx);
    msgpack_unpacked hello;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_HELLO, 0, &hello));
    assert_null(map_get(&hello.data, "telemetry")); /* none configured: the hello of before */
    msgpack_unpacked_destroy(&hello);

    fx_init(&fx, 5);
    declare_weight();
    fx.sm.config.telemetry = channels;
    fx.sm.config.telemetry_len = channels_len;
    fx_connect(&fx);
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_HELLO, 0, &hello));
    const msgpack_object *declared = map_get(&hello.data, "telemetry");
    assert_non_null(declared);
    assert_int_equal(declared->type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal(declared->via.array.size, 1);
    assert_true(obj_str_eq(map_get(&declared->via.array.ptr[0], "name"), "weight"));
    assert_true(obj_str_eq(map_get(&declared->via.array.ptr[0], "visibility"), "owner"));
    assert_non_null(map_get(&hello.data, "sessionTypes")); /* the rest of hello is unchanged */
    msgpack_unpacked_destroy(&hello);
}

static void a_sample_goes_out_only_while_joined(void **state)
{
    (void)state;
    fx_init(&fx, 5);
    fx_reset(&fx);
    assert_int_equal(baton_session_telemetry_number(&fx.sm, "weight", 71.25, &fx.actions), BATON_ERR_STATE);
    assert_int_equal(fx_count(&fx, BATON_ACTION_WS_SEND), 0); /* offline: dropped, never held */

    fx_join(&fx, 1);
    fx_reset(&fx);
    assert_int_equal(baton_session_telemetry_number(&fx.sm, "weight", 71.25, &fx.actions), BATON_OK);
    msgpack_unpacked sample;
    assert_true(fx_sent(&fx, BATON_DEVICE_TO_ROOM_TELEMETRY, 0, &sample));
    const msgpack_object *values = map_get(&sample.data, "values");
    assert_non_null(values);
    assert_int_equal(values->via.map.size, 1);
    const msgpack_object *weight = map_get(values, "weight");
    assert_non_null(weight);
    assert_true(weight->type == MSGPACK_OBJECT_FLOAT64 || weight->type == MSGPACK_OBJECT_FLOAT32);
    assert_true(weight->via.f64 == 71.25);
    msgpack_unpacked_destroy(&sample);

    /* Channel names are bounded as the server bounds them (1–32 characters). */
    assert_int_equal(baton_session_telemetry_number(&fx.sm, "", 1, &fx.actions), BATON_ERR_INVALID_ARG);
    assert_int_equal(baton_session_telemetry_number(&fx.sm, "a-channel-name-longer-than-32-bytes", 1, &fx.actions), BATON_ERR_INVALID_ARG);
}

static const baton_scale_settle_config_t CONFIG = {.min_load_grams = 2000, .stable_grams = 200, .timeout_ms = 20000};

static void the_scale_sends_its_raw_weight_while_settling_and_not_otherwise(void **state)
{
    (void)state;
    baton_scale_settle_t s;
    uint64_t now = 1000;
    double progress = 0;
    int32_t grams = 0;
    baton_scale_settle_begin(&s, &CONFIG, now);
    int sent_while_empty = 0;
    for (int i = 0; i < 20; i++) { /* 2 s of an empty platform at 10 readings a second */
        now += 100;
        (void)baton_scale_settle_feed(&s, now, true, 5, &progress, &grams);
        sent_while_empty += baton_scale_settle_telemetry_due(&s, now, true);
    }
    assert_int_equal(sent_while_empty, 0);

    /* Someone steps on and sways: every other reading (200 ms) goes out, none in between. */
    int sent = 0;
    uint64_t last = 0;
    const int32_t swaying[] = {70000, 72500, 68400, 71600, 69200, 70900, 69700, 70400, 69900, 70300};
    for (int i = 0; i < 10; i++) {
        now += 100;
        baton_scale_step_t step = baton_scale_settle_feed(&s, now, true, swaying[i], &progress, &grams);
        assert_true(step != BATON_SCALE_DONE);
        if (baton_scale_settle_telemetry_due(&s, now, true)) {
            assert_true(last == 0 || now - last >= BATON_SCALE_TELEMETRY_EVERY_MS);
            last = now;
            sent++;
        }
    }
    assert_int_equal(sent, 5);
    assert_false(baton_scale_settle_telemetry_due(&s, now + 50, false)); /* no new reading: nothing to send */

    /* It settles: the result carries the weight, the telemetry stops. */
    baton_scale_step_t step = BATON_SCALE_NOTHING;
    for (int i = 0; i < 8 && step != BATON_SCALE_DONE; i++) {
        now += 100;
        step = baton_scale_settle_feed(&s, now, true, 70000 + (i % 2) * 50, &progress, &grams);
        if (step != BATON_SCALE_DONE) {
            (void)baton_scale_settle_telemetry_due(&s, now, true);
        }
    }
    assert_int_equal(step, BATON_SCALE_DONE);
    assert_false(baton_scale_settle_telemetry_due(&s, now + 1000, true));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hello_declares_the_channels_only_when_configured),
        cmocka_unit_test(a_sample_goes_out_only_while_joined),
        cmocka_unit_test(the_scale_sends_its_raw_weight_while_settling_and_not_otherwise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
