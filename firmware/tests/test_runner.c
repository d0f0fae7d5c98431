/**
 * @file test_runner.c
 * @brief The runner over a fake port: matchmaking answer fed back at once, storage used,
 *        hooks called, re-entrant calls refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "baton_frame.h"
#include "baton_runner.h"
#include "test_support.h"

typedef struct {
    uint64_t now;
    char last_url[256];
    char last_bearer[64];
    int posts;
    int opens;
    int sends;
    int closes;
    uint8_t store[2048];
    size_t store_len;
    bool stored;
    int starts;
    char started_run[65];
    baton_runner_t *runner;
    baton_status_t reentrant_status;
} fake_t;

static fake_t fake;
static baton_runner_t runner;

static baton_status_t http_post(void *ctx, const char *url, const char *bearer, const char *body, size_t body_len,
                                char *response, size_t cap, size_t *len, int *status, uint32_t *retry_after_s)
{
    fake_t *f = ctx;
    *retry_after_s = 0;
    (void)body;
    (void)body_len;
    f->posts++;
    snprintf(f->last_url, sizeof f->last_url, "%s", url);
    snprintf(f->last_bearer, sizeof f->last_bearer, "%s", bearer);
    *len = (size_t)snprintf(response, cap, "{\"sessionId\":\"S\",\"roomId\":\"scale-1\",\"processId\":\"P\"}");
    *status = 200;
    return BATON_OK;
}
static baton_status_t ws_open(void *ctx, const char *url)
{
    fake_t *f = ctx;
    f->opens++;
    snprintf(f->last_url, sizeof f->last_url, "%s", url);
    return BATON_OK;
}
static baton_status_t ws_send(void *ctx, const uint8_t *data, size_t len)
{
    (void)data;
    (void)len;
    ((fake_t *)ctx)->sends++;
    return BATON_OK;
}
static void ws_close(void *ctx)
{
    ((fake_t *)ctx)->closes++;
}
static uint64_t now_ms(void *ctx)
{
    return ((fake_t *)ctx)->now;
}
static baton_status_t kv_get(void *ctx, const char *key, uint8_t *buf, size_t cap, size_t *len)
{
    fake_t *f = ctx;
    (void)key;
    if (!f->stored) {
        return BATON_ERR_NOT_FOUND;
    }
    if (f->store_len > cap) {
        return BATON_ERR_NO_SPACE;
    }
    memcpy(buf, f->store, f->store_len);
    *len = f->store_len;
    return BATON_OK;
}
static baton_status_t kv_set(void *ctx, const char *key, const uint8_t *data, size_t len)
{
    fake_t *f = ctx;
    (void)key;
    f->stored = len > 0;
    if (len > 0) {
        memcpy(f->store, data, len);
    }
    f->store_len = len;
    return BATON_OK;
}
static uint32_t random_u32(void *ctx)
{
    (void)ctx;
    return 0;
}
static void job_start(void *ctx, const char *run_id, const char *type, const uint8_t *input, size_t len, uint64_t budget)
{
    fake_t *f = ctx;
    (void)type;
    (void)input;
    (void)len;
    (void)budget;
    f->starts++;
    snprintf(f->started_run, sizeof f->started_run, "%s", run_id);
    /* Finishing from inside the hook is not allowed: it must be refused, not corrupt the batch. */
    f->reentrant_status = baton_runner_job_result(f->runner, run_id, (const uint8_t *)"\x80", 1);
}
static void job_cancel(void *ctx, const char *run_id)
{
    (void)ctx;
    (void)run_id;
}

static void init_runner(void)
{
    static uint8_t types[] = {0x91, 0x82, 0xa4, 'n', 'a', 'm', 'e', 0xa8, 'w', 'e', 'i', 'g', 'h', 'i', 'n', 'g',
                              0xad, 'm', 'a', 'x', 'D', 'u', 'r', 'a', 't', 'i', 'o', 'n', 'M', 's', 0xcd, 0x75, 0x30};
    baton_port_t port = {.ctx = &fake, .http_post = http_post, .ws_open = ws_open, .ws_send = ws_send, .ws_close = ws_close,
                         .now_ms = now_ms, .kv_get = kv_get, .kv_set = kv_set, .random_u32 = random_u32};
    baton_app_t app = {.ctx = &fake, .job_start = job_start, .job_cancel = job_cancel};
    baton_session_config_t config = {.server_url = "http://127.0.0.1:2567", .device_id = "scale-1",
                                     .session_types = types, .session_types_len = sizeof types};
    fake.runner = &runner;
    assert_int_equal(baton_runner_init(&runner, &port, &app, &config, "s3cret"), BATON_OK);
}

static void deliver(frame_t f)
{
    baton_runner_on_ws_message(&runner, f.bytes, f.len);
}

static void full_cycle_over_a_fake_port(void **state)
{
    (void)state;
    memset(&fake, 0, sizeof fake);
    fake.now = 100;
    init_runner();
    baton_runner_start(&runner);
    assert_int_equal(fake.posts, 1);
    assert_string_equal(fake.last_bearer, "s3cret");
    assert_int_equal(fake.opens, 1); /* the answer was fed back in the same call */
    assert_string_equal(fake.last_url, "ws://127.0.0.1:2567/P/scale-1?sessionId=S&skipHandshake=1");
    baton_runner_on_ws_open(&runner);
    deliver(make_join_room("t"));
    assert_int_equal(fake.sends, 2); /* JOIN ack + hello */
    deliver(make_welcome(1, "idle", NULL));
    deliver(make_start(1, "r1", "weighing"));
    assert_int_equal(fake.starts, 1);
    assert_int_equal(fake.reentrant_status, BATON_ERR_BUSY);
    assert_int_equal(baton_runner_job_result(&runner, "r1", (const uint8_t *)"\x80", 1), BATON_OK);
    assert_true(fake.stored);

    /* Reboot: a new runner finds the held result in storage. */
    init_runner();
    assert_true(runner.session.held[0].present);
    assert_string_equal(runner.session.held[0].run_id, "r1");
    deliver(make_ack("r1")); /* not joined yet: ignored */
    assert_true(fake.stored);
    baton_runner_start(&runner);
    baton_runner_on_ws_open(&runner);
    deliver(make_join_room("t"));
    deliver(make_welcome(1, "running", "r1"));
    deliver(make_ack("r1"));
    assert_false(fake.stored);
}

static void corrupt_storage_is_erased(void **state)
{
    (void)state;
    memset(&fake, 0, sizeof fake);
    fake.stored = true;
    fake.store_len = 5;
    memcpy(fake.store, "junk!", 5);
    init_runner();
    assert_false(runner.session.held[0].present);
    assert_false(fake.stored);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_cycle_over_a_fake_port),
        cmocka_unit_test(corrupt_storage_is_erased),
    };
    return cmocka_run_group_tests_name("runner", tests, NULL, NULL);
}
