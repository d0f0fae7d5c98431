/**
 * @file test_credentials.c
 * @brief Wi-Fi SSID/passphrase copies keep every byte at the maximum lengths (32 / 64).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "app_credentials.h"

/* The layout of wifi_sta_config_t's first fields: ssid[32], then password[64]. */
typedef struct {
    uint8_t ssid[APP_WIFI_SSID_MAX];
    uint8_t password[APP_WIFI_PASSWORD_MAX];
    uint8_t after; /* must never be written */
} sta_fields_t;

static void a_32_character_ssid_is_kept_whole(void **state)
{
    (void)state;
    sta_fields_t f;
    memset(&f, 0xAA, sizeof f);
    const char *ssid = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"; /* 32 */
    assert_true(app_copy_credential(f.ssid, sizeof f.ssid, ssid));
    assert_memory_equal(f.ssid, ssid, 32); /* snprintf kept 31 */
    assert_int_equal(f.password[0], 0xAA);
}

static void a_64_hex_digit_psk_is_kept_whole(void **state)
{
    (void)state;
    sta_fields_t f;
    memset(&f, 0xAA, sizeof f);
    char psk[65];
    for (int i = 0; i < 64; i++) {
        psk[i] = "0123456789abcdef"[i % 16];
    }
    psk[64] = '\0';
    assert_true(app_copy_credential(f.password, sizeof f.password, psk));
    assert_memory_equal(f.password, psk, 64);
    assert_int_equal(f.after, 0xAA);
}

static void a_shorter_value_is_zero_padded(void **state)
{
    (void)state;
    sta_fields_t f;
    memset(&f, 0xAA, sizeof f);
    assert_true(app_copy_credential(f.ssid, sizeof f.ssid, "lab"));
    assert_memory_equal(f.ssid, "lab", 3);
    for (size_t i = 3; i < sizeof f.ssid; i++) {
        assert_int_equal(f.ssid[i], 0);
    }
    assert_true(app_copy_credential(f.ssid, sizeof f.ssid, ""));
    assert_int_equal(f.ssid[0], 0);
}

static void a_value_too_long_is_refused_not_cut(void **state)
{
    (void)state;
    sta_fields_t f;
    memset(&f, 0xAA, sizeof f);
    assert_false(app_copy_credential(f.ssid, sizeof f.ssid, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456")); /* 33 */
    for (size_t i = 0; i < sizeof f.ssid; i++) {
        assert_int_equal(f.ssid[i], 0);
    }
    assert_int_equal(f.password[0], 0xAA);
    assert_false(app_copy_credential(f.ssid, sizeof f.ssid, NULL));
}

static void console_wifi_credentials_are_checked(void **state)
{
    (void)state;
    char why[128];
    assert_true(app_check_wifi_credentials("lab", "correct horse", why, sizeof why));
    assert_string_equal(why, "");
    assert_true(app_check_wifi_credentials("open-lab", "", why, sizeof why));
    assert_true(app_check_wifi_credentials("open-lab", NULL, why, sizeof why));
    assert_true(app_check_wifi_credentials("12345678901234567890123456789012", "12345678", why, sizeof why));
    assert_false(app_check_wifi_credentials("123456789012345678901234567890123", "12345678", why, sizeof why));
    assert_non_null(strstr(why, "SSID"));
    assert_false(app_check_wifi_credentials("", "12345678", why, sizeof why));
    assert_false(app_check_wifi_credentials("lab", "short", why, sizeof why));
    assert_non_null(strstr(why, "8 to 63"));
    char psk[65];
    memset(psk, 'a', 64);
    psk[64] = '\0';
    assert_true(app_check_wifi_credentials("lab", psk, why, sizeof why));
    psk[10] = 'g';
    assert_false(app_check_wifi_credentials("lab", psk, why, sizeof why));
    assert_non_null(strstr(why, "hex"));
    assert_false(app_check_wifi_credentials("lab", "tab\tinside", why, sizeof why));
}

static void console_secrets_are_checked(void **state)
{
    (void)state;
    char why[128];
    assert_true(app_check_secret("0123456789abcdef", why, sizeof why));
    assert_false(app_check_secret("0123456789abcde", why, sizeof why));
    assert_non_null(strstr(why, "16 to 127"));
    assert_false(app_check_secret("0123456789 abcdef", why, sizeof why));
    assert_false(app_check_secret(NULL, why, sizeof why));
    char longest[APP_SECRET_MAX + 2];
    memset(longest, 'x', sizeof longest);
    longest[APP_SECRET_MAX] = '\0';
    assert_true(app_check_secret(longest, why, sizeof why));
    longest[APP_SECRET_MAX] = 'x';
    longest[APP_SECRET_MAX + 1] = '\0';
    assert_false(app_check_secret(longest, why, sizeof why));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_32_character_ssid_is_kept_whole),
        cmocka_unit_test(a_64_hex_digit_psk_is_kept_whole),
        cmocka_unit_test(a_shorter_value_is_zero_padded),
        cmocka_unit_test(a_value_too_long_is_refused_not_cut),
        cmocka_unit_test(console_wifi_credentials_are_checked),
        cmocka_unit_test(console_secrets_are_checked),
    };
    return cmocka_run_group_tests_name("credentials", tests, NULL, NULL);
}
