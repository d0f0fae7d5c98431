/**
 * @file test_posix_ota.c
 * @brief The virtual device's OTA port (ports/posix/src/posix_ota.c): the boot record says
 *        which version runs and whether it is on probation; a version on probation is
 *        confirmed by the first welcome or rolled back at its deadline; offers are checked
 *        (fields, URL policy) before the state machine takes them. Downloads are covered by
 *        test/e2e/firmwareUpdate.e2e.test.ts against a real http server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <msgpack.h>

#include "baton_posix_ota.h"

static char dir[64];
static char last_event[32];
static int events;

static void on_event(void *ctx, const char *name, const char *version, const char *detail)
{
    (void)ctx;
    (void)version;
    (void)detail;
    snprintf(last_event, sizeof last_event, "%s", name);
    events++;
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/baton-ota-XXXXXX");
    assert_non_null(mkdtemp(dir));
    last_event[0] = '\0';
    events = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/firmware", dir);
    unlink(path);
    rmdir(dir);
    return 0;
}

static void write_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void read_record(char *out, size_t cap)
{
    char path[128];
    snprintf(path, sizeof path, "%s/firmware", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(out, (int)cap, f));
    fclose(f);
}

static void init(baton_posix_ota_t *o, const char *ota_dir)
{
    memset(o, 0, sizeof *o);
    o->on_event = on_event;
    baton_posix_ota_init(o, ota_dir, "0.1.0", 1000, 5000);
}

/* An offer as the server sends it: { url, version, sha256 }. */
static size_t offer(uint8_t *buf, size_t cap, const char *url, const char *version)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    const char *pairs[6] = {"url", url, "version", version, "sha256", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"};
    msgpack_pack_map(&pk, 3);
    for (int i = 0; i < 6; i++) {
        msgpack_pack_str(&pk, strlen(pairs[i]));
        msgpack_pack_str_body(&pk, pairs[i], strlen(pairs[i]));
    }
    assert_true(sb.size <= cap);
    memcpy(buf, sb.data, sb.size);
    const size_t len = sb.size;
    msgpack_sbuffer_destroy(&sb);
    return len;
}

static void never_updated_runs_the_built_in_version(void **state)
{
    (void)state;
    baton_posix_ota_t o;
    init(&o, dir);
    assert_string_equal(baton_posix_ota_version(&o), "0.1.0");
    assert_int_equal(o.machine.state, BATON_OTA_IDLE);
    assert_int_equal(baton_posix_ota_poll(&o, 1000000, true), BATON_POSIX_OTA_NOTHING);
}

static void a_confirmed_record_names_the_running_version(void **state)
{
    (void)state;
    write_file("firmware", "confirmed 0.2.0\n");
    baton_posix_ota_t o;
    init(&o, dir);
    assert_string_equal(baton_posix_ota_version(&o), "0.2.0");
    assert_int_equal(o.machine.state, BATON_OTA_IDLE);
}

static void a_version_on_probation_is_confirmed_by_the_first_welcome(void **state)
{
    (void)state;
    write_file("firmware", "pending 0.2.0 0.1.0\n");
    baton_posix_ota_t o;
    init(&o, dir);
    assert_string_equal(baton_posix_ota_version(&o), "0.2.0");
    assert_int_equal(o.machine.state, BATON_OTA_PENDING_CONFIRM);
    assert_int_equal(baton_posix_ota_poll(&o, 5999, true), BATON_POSIX_OTA_NOTHING); /* deadline at 1000 + 5000 */
    baton_posix_ota_server_reached(&o);
    assert_string_equal(last_event, "confirmed");
    char record[64];
    read_record(record, sizeof record);
    assert_string_equal(record, "confirmed 0.2.0\n");
    assert_int_equal(baton_posix_ota_poll(&o, 100000, true), BATON_POSIX_OTA_NOTHING); /* confirmed: no rollback later */
}

static void a_version_that_never_reaches_the_server_rolls_back(void **state)
{
    (void)state;
    write_file("firmware", "pending 0.2.0 0.1.0\n");
    baton_posix_ota_t o;
    init(&o, dir);
    assert_int_equal(baton_posix_ota_poll(&o, 6000, true), BATON_POSIX_OTA_RESTART);
    assert_string_equal(last_event, "rolled-back");
    assert_string_equal(baton_posix_ota_version(&o), "0.1.0");
    char record[64];
    read_record(record, sizeof record);
    assert_string_equal(record, "confirmed 0.1.0\n");
    /* The next start runs the previous version, confirmed. */
    baton_posix_ota_t again;
    init(&again, dir);
    assert_string_equal(baton_posix_ota_version(&again), "0.1.0");
    assert_int_equal(again.machine.state, BATON_OTA_IDLE);
}

static void offers_are_checked_before_the_machine_takes_them(void **state)
{
    (void)state;
    uint8_t buf[512];
    baton_posix_ota_t o;
    init(&o, dir);
    /* Plain http to a public host: the server URL's policy refuses it. */
    assert_int_not_equal(baton_posix_ota_offer(&o, buf, offer(buf, sizeof buf, "http://firmware.example.com/a.bin", "0.2.0")), BATON_OK);
    assert_string_equal(last_event, "ignored");
    assert_int_not_equal(baton_posix_ota_offer(&o, buf, offer(buf, sizeof buf, "https://fw.lab/a.bin", "0 2")), BATON_OK);
    assert_int_equal(o.machine.state, BATON_OTA_IDLE);
    /* The running version: nothing to do. */
    events = 0;
    assert_int_equal(baton_posix_ota_offer(&o, buf, offer(buf, sizeof buf, "https://fw.lab/a.bin", "0.1.0")), BATON_OK);
    assert_int_equal(events, 0);
    assert_int_equal(o.machine.state, BATON_OTA_IDLE);
    /* A lab-network http URL is taken, and waits while a run is in progress. */
    assert_int_equal(baton_posix_ota_offer(&o, buf, offer(buf, sizeof buf, "http://127.0.0.1:9/a.bin", "0.2.0")), BATON_OK);
    assert_string_equal(last_event, "offered");
    assert_int_equal(baton_posix_ota_poll(&o, 2000, false), BATON_POSIX_OTA_NOTHING);
    assert_int_equal(o.machine.state, BATON_OTA_OFFERED);
    /* Without a directory the device takes no updates. */
    baton_posix_ota_t none;
    init(&none, "");
    assert_int_not_equal(baton_posix_ota_offer(&none, buf, offer(buf, sizeof buf, "https://fw.lab/a.bin", "0.2.0")), BATON_OK);
    assert_int_equal(none.machine.state, BATON_OTA_IDLE);
}

static void a_failed_download_keeps_the_running_version(void **state)
{
    (void)state;
    uint8_t buf[512];
    baton_posix_ota_t o;
    init(&o, dir);
    /* Nothing listens on port 9: the download fails, the image is discarded, nothing switches. */
    assert_int_equal(baton_posix_ota_offer(&o, buf, offer(buf, sizeof buf, "http://127.0.0.1:9/a.bin", "0.2.0")), BATON_OK);
    assert_int_equal(baton_posix_ota_poll(&o, 2000, true), BATON_POSIX_OTA_NOTHING);
    assert_string_equal(last_event, "rejected");
    assert_int_equal(o.machine.state, BATON_OTA_FAILED);
    assert_string_equal(baton_posix_ota_version(&o), "0.1.0");
    char path[128];
    snprintf(path, sizeof path, "%s/image.bin", dir);
    assert_int_not_equal(access(path, F_OK), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(never_updated_runs_the_built_in_version, setup, teardown),
        cmocka_unit_test_setup_teardown(a_confirmed_record_names_the_running_version, setup, teardown),
        cmocka_unit_test_setup_teardown(a_version_on_probation_is_confirmed_by_the_first_welcome, setup, teardown),
        cmocka_unit_test_setup_teardown(a_version_that_never_reaches_the_server_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(offers_are_checked_before_the_machine_takes_them, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failed_download_keeps_the_running_version, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
