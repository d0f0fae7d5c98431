/**
 * @file test_ota.c
 * @brief The OTA state machine: offer → download → verify → switch → confirm, and every way
 *        back (bad offer, busy, download failure, wrong SHA-256 or version, no server in time).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "baton_msgpack.h"
#include "baton_ota.h"

#define SHA_HEX "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF"
#define URL "https://updates.lab.example/baton-0.2.0.bin"

static const uint8_t SHA[32] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
                                0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
                                0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

static baton_ota_offer_t good_offer(void)
{
    baton_ota_offer_t o;
    assert_int_equal(baton_ota_parse_offer(URL, "0.2.0", SHA_HEX, &o), BATON_OK);
    return o;
}

static void offers_are_checked(void **state)
{
    (void)state;
    baton_ota_offer_t o = good_offer();
    assert_string_equal(o.url, URL);
    assert_string_equal(o.version, "0.2.0");
    assert_memory_equal(o.sha256, SHA, 32);
    assert_int_equal(baton_ota_parse_offer("ftp://x/y.bin", "1", SHA_HEX, &o), BATON_ERR_MALFORMED);
    assert_int_equal(baton_ota_parse_offer("https://x/a b.bin", "1", SHA_HEX, &o), BATON_ERR_MALFORMED);
    assert_int_equal(baton_ota_parse_offer(URL, "", SHA_HEX, &o), BATON_ERR_INVALID_ARG);
    assert_int_equal(baton_ota_parse_offer(URL, "0123456789012345678901234567890123", SHA_HEX, &o), BATON_ERR_INVALID_ARG);
    assert_int_equal(baton_ota_parse_offer(URL, "1\n", SHA_HEX, &o), BATON_ERR_MALFORMED);
    assert_int_equal(baton_ota_parse_offer(URL, "1", "abc", &o), BATON_ERR_MALFORMED);
    char bad_hex[] = SHA_HEX;
    bad_hex[10] = 'g';
    assert_int_equal(baton_ota_parse_offer(URL, "1", bad_hex, &o), BATON_ERR_MALFORMED);
    char long_url[BATON_OTA_URL_MAX + 10];
    memset(long_url, 'a', sizeof long_url);
    memcpy(long_url, "https://", 8);
    long_url[BATON_OTA_URL_MAX + 1] = '\0';
    assert_int_equal(baton_ota_parse_offer(long_url, "1", SHA_HEX, &o), BATON_ERR_NO_SPACE);
    long_url[BATON_OTA_URL_MAX] = '\0';
    assert_int_equal(baton_ota_parse_offer(long_url, "1", SHA_HEX, &o), BATON_OK);
    assert_int_equal(baton_ota_parse_offer(NULL, "1", SHA_HEX, &o), BATON_ERR_INVALID_ARG);
}

static void offers_parse_from_the_proposed_update_message(void **state)
{
    (void)state;
    uint8_t buf[256];
    baton_mp_writer_t w;
    baton_mp_writer_init(&w, buf, sizeof buf);
    baton_mp_write_map(&w, 3);
    baton_mp_write_cstr(&w, "url");
    baton_mp_write_cstr(&w, URL);
    baton_mp_write_cstr(&w, "version");
    baton_mp_write_cstr(&w, "0.2.0");
    baton_mp_write_cstr(&w, "sha256");
    baton_mp_write_cstr(&w, SHA_HEX);
    assert_int_equal(w.status, BATON_OK);
    baton_ota_offer_t o;
    assert_int_equal(baton_ota_parse_offer_msgpack(buf, w.len, &o), BATON_OK);
    assert_string_equal(o.version, "0.2.0");
    assert_memory_equal(o.sha256, SHA, 32);
    /* Cut anywhere: never OK, never an overread (ASan). */
    for (size_t cut = 0; cut < w.len; cut++) {
        assert_int_not_equal(baton_ota_parse_offer_msgpack(buf, cut, &o), BATON_OK);
    }
    baton_mp_writer_init(&w, buf, sizeof buf);
    baton_mp_write_map(&w, 1);
    baton_mp_write_cstr(&w, "url");
    baton_mp_write_cstr(&w, URL);
    assert_int_not_equal(baton_ota_parse_offer_msgpack(buf, w.len, &o), BATON_OK);
}

/* The whole happy path: offer, wait for the run to end, download, verify, switch, boot, confirm. */
static void offer_download_verify_switch_confirm(void **state)
{
    (void)state;
    baton_ota_t m;
    baton_ota_init(&m, "0.1.0", BATON_OTA_BOOT_CONFIRMED, 0, 60000);
    assert_int_equal(m.state, BATON_OTA_IDLE);
    assert_int_equal(baton_ota_poll(&m, 10, true), BATON_OTA_ACT_NONE);
    baton_ota_offer_t o = good_offer();
    assert_int_equal(baton_ota_offer(&m, &o), BATON_OK);
    assert_int_equal(m.state, BATON_OTA_OFFERED);
    /* A run is in progress: the weighing is not interrupted. */
    assert_int_equal(baton_ota_poll(&m, 20, false), BATON_OTA_ACT_NONE);
    assert_int_equal(baton_ota_poll(&m, 30, true), BATON_OTA_ACT_DOWNLOAD);
    assert_int_equal(m.state, BATON_OTA_DOWNLOADING);
    assert_int_equal(baton_ota_poll(&m, 40, true), BATON_OTA_ACT_NONE); /* once */
    assert_int_equal(baton_ota_downloaded(&m, true, SHA, "0.2.0", NULL), BATON_OTA_ACT_NONE);
    assert_int_equal(m.state, BATON_OTA_VERIFIED);
    assert_int_equal(baton_ota_offer(&m, &o), BATON_ERR_BUSY);
    /* A run started during the download: the switch waits for it to end. */
    assert_int_equal(baton_ota_poll(&m, 50, false), BATON_OTA_ACT_NONE);
    assert_int_equal(baton_ota_poll(&m, 60, true), BATON_OTA_ACT_SWITCH);
    assert_int_equal(m.state, BATON_OTA_SWITCHING);
    assert_int_equal(baton_ota_poll(&m, 70, true), BATON_OTA_ACT_NONE); /* once */
    assert_string_equal(baton_ota_state_name(m.state), "switching");

    /* After the restart: the new image is on probation until it reaches the server. */
    baton_ota_init(&m, "0.2.0", BATON_OTA_BOOT_PENDING_VERIFY, 1000, 60000);
    assert_int_equal(m.state, BATON_OTA_PENDING_CONFIRM);
    assert_int_equal(baton_ota_poll(&m, 30000, true), BATON_OTA_ACT_NONE);
    assert_int_equal(baton_ota_server_reached(&m), BATON_OTA_ACT_CONFIRM);
    assert_int_equal(m.state, BATON_OTA_IDLE);
    assert_int_equal(baton_ota_server_reached(&m), BATON_OTA_ACT_NONE); /* each reconnect after: nothing */
    assert_int_equal(baton_ota_poll(&m, 1000000, true), BATON_OTA_ACT_NONE); /* no rollback once confirmed */
}

static void a_new_image_that_never_reaches_the_server_rolls_back(void **state)
{
    (void)state;
    baton_ota_t m;
    baton_ota_init(&m, "0.2.0", BATON_OTA_BOOT_PENDING_VERIFY, 5000, 60000);
    assert_int_equal(baton_ota_poll(&m, 64999, true), BATON_OTA_ACT_NONE);
    assert_int_equal(baton_ota_poll(&m, 65000, true), BATON_OTA_ACT_ROLLBACK);
    assert_int_equal(m.state, BATON_OTA_FAILED);
    assert_non_null(strstr(m.last_error, "did not reach the server"));
    /* Too late to confirm now. */
    assert_int_equal(baton_ota_server_reached(&m), BATON_OTA_ACT_NONE);
}

static void a_wrong_image_is_discarded(void **state)
{
    (void)state;
    baton_ota_t m;
    baton_ota_offer_t o = good_offer();
    uint8_t other[32];
    memcpy(other, SHA, 32);
    other[31] ^= 1;

    baton_ota_init(&m, "0.1.0", BATON_OTA_BOOT_CONFIRMED, 0, 60000);
    baton_ota_offer(&m, &o);
    assert_int_equal(baton_ota_poll(&m, 1, true), BATON_OTA_ACT_DOWNLOAD);
    assert_int_equal(baton_ota_downloaded(&m, true, other, "0.2.0", NULL), BATON_OTA_ACT_DISCARD);
    assert_int_equal(m.state, BATON_OTA_FAILED);
    assert_non_null(strstr(m.last_error, "SHA-256"));

    baton_ota_offer(&m, &o); /* the server may offer again: a new attempt */
    assert_int_equal(baton_ota_poll(&m, 2, true), BATON_OTA_ACT_DOWNLOAD);
    assert_int_equal(baton_ota_downloaded(&m, true, SHA, "0.3.0", NULL), BATON_OTA_ACT_DISCARD);
    assert_non_null(strstr(m.last_error, "version"));

    baton_ota_offer(&m, &o);
    assert_int_equal(baton_ota_poll(&m, 3, true), BATON_OTA_ACT_DOWNLOAD);
    assert_int_equal(baton_ota_downloaded(&m, false, NULL, NULL, "HTTP 404"), BATON_OTA_ACT_DISCARD);
    assert_string_equal(m.last_error, "HTTP 404");
    /* A late report for a download that is no longer running changes nothing. */
    assert_int_equal(baton_ota_downloaded(&m, true, SHA, "0.2.0", NULL), BATON_OTA_ACT_NONE);
    assert_int_equal(m.state, BATON_OTA_FAILED);
}

static void offers_while_busy_or_of_the_running_version(void **state)
{
    (void)state;
    baton_ota_t m;
    baton_ota_offer_t o = good_offer();
    baton_ota_init(&m, "0.2.0", BATON_OTA_BOOT_CONFIRMED, 0, 60000);
    assert_int_equal(baton_ota_offer(&m, &o), BATON_OK); /* already running 0.2.0 */
    assert_int_equal(m.state, BATON_OTA_IDLE);

    baton_ota_init(&m, "0.1.0", BATON_OTA_BOOT_CONFIRMED, 0, 60000);
    baton_ota_offer(&m, &o);
    baton_ota_offer_t newer;
    assert_int_equal(baton_ota_parse_offer(URL, "0.3.0", SHA_HEX, &newer), BATON_OK);
    assert_int_equal(baton_ota_offer(&m, &newer), BATON_OK); /* replaces the waiting one */
    assert_string_equal(m.offer.version, "0.3.0");
    assert_int_equal(baton_ota_poll(&m, 1, true), BATON_OTA_ACT_DOWNLOAD);
    assert_int_equal(baton_ota_offer(&m, &o), BATON_ERR_BUSY);
    assert_string_equal(m.offer.version, "0.3.0");

    baton_ota_init(&m, "0.1.0", BATON_OTA_BOOT_PENDING_VERIFY, 0, 60000);
    assert_int_equal(baton_ota_offer(&m, &o), BATON_ERR_BUSY); /* confirm first */
    assert_int_equal(baton_ota_offer(NULL, &o), BATON_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(offers_are_checked),
        cmocka_unit_test(offers_parse_from_the_proposed_update_message),
        cmocka_unit_test(offer_download_verify_switch_confirm),
        cmocka_unit_test(a_new_image_that_never_reaches_the_server_rolls_back),
        cmocka_unit_test(a_wrong_image_is_discarded),
        cmocka_unit_test(offers_while_busy_or_of_the_running_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
