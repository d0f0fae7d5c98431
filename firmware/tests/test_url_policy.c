/**
 * @file test_url_policy.c
 * @brief Which server URLs may carry the device secret (baton_url_policy.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "baton_url_policy.h"

static void expect_class(const char *url, baton_url_security_t want)
{
    baton_url_security_t got = baton_url_security(url);
    if (got != want) {
        print_error("%s: %s, expected %s\n", url, baton_url_security_str(got), baton_url_security_str(want));
    }
    assert_int_equal(got, want);
}

static void tls_urls_are_tls(void **state)
{
    (void)state;
    expect_class("https://baton.example.com", BATON_URL_TLS);
    expect_class("https://baton.example.com:8443/", BATON_URL_TLS);
    expect_class("HTTPS://10.0.0.1", BATON_URL_TLS);
    expect_class("wss://baton.example.com/p/r?sessionId=x", BATON_URL_TLS);
}

static void private_literals_are_lab(void **state)
{
    (void)state;
    expect_class("http://192.168.1.10:2567", BATON_URL_PLAIN_LAB);
    expect_class("http://10.1.2.3", BATON_URL_PLAIN_LAB);
    expect_class("http://172.16.0.1/", BATON_URL_PLAIN_LAB);
    expect_class("http://172.31.255.255:80", BATON_URL_PLAIN_LAB);
    expect_class("http://127.0.0.1:2567", BATON_URL_PLAIN_LAB);
    expect_class("http://169.254.10.1", BATON_URL_PLAIN_LAB);
    expect_class("ws://192.168.0.2:2567/proc/room?sessionId=s", BATON_URL_PLAIN_LAB);
    expect_class("http://[::1]:2567", BATON_URL_PLAIN_LAB);
    expect_class("http://[fd12:3456::1]/", BATON_URL_PLAIN_LAB);
    expect_class("http://[FE80::1]", BATON_URL_PLAIN_LAB);
}

static void local_names_are_lab(void **state)
{
    (void)state;
    expect_class("http://localhost:2567", BATON_URL_PLAIN_LAB);
    expect_class("http://baton.local:2567", BATON_URL_PLAIN_LAB);
    expect_class("http://Baton-Server.LOCAL.", BATON_URL_PLAIN_LAB);
    expect_class("http://bench.home.arpa", BATON_URL_PLAIN_LAB);
    expect_class("http://labserver:2567/", BATON_URL_PLAIN_LAB);
}

static void everything_else_plain_is_public(void **state)
{
    (void)state;
    expect_class("http://baton.example.com", BATON_URL_PLAIN_PUBLIC);
    expect_class("http://8.8.8.8:2567", BATON_URL_PLAIN_PUBLIC);
    expect_class("http://172.32.0.1", BATON_URL_PLAIN_PUBLIC);   /* just past 172.16/12 */
    expect_class("http://172.15.0.1", BATON_URL_PLAIN_PUBLIC);
    expect_class("http://192.169.0.1", BATON_URL_PLAIN_PUBLIC);
    expect_class("http://100.64.0.1", BATON_URL_PLAIN_PUBLIC);   /* carrier-grade NAT is not the lab */
    expect_class("http://10.0.0.1.example.com", BATON_URL_PLAIN_PUBLIC);
    expect_class("http://192.168.1.256", BATON_URL_PLAIN_PUBLIC); /* not an address: a dotted name */
    expect_class("http://local", BATON_URL_PLAIN_LAB);          /* single label */
    expect_class("http://notlocal.com", BATON_URL_PLAIN_PUBLIC);
    expect_class("http://[2001:db8::1]", BATON_URL_PLAIN_PUBLIC);
    expect_class("http://[fe7f::1]", BATON_URL_PLAIN_PUBLIC);
    expect_class("ws://baton.example.com/p/r", BATON_URL_PLAIN_PUBLIC);
}

static void malformed_is_invalid(void **state)
{
    (void)state;
    expect_class(NULL, BATON_URL_INVALID);
    expect_class("", BATON_URL_INVALID);
    expect_class("ftp://10.0.0.1", BATON_URL_INVALID);
    expect_class("192.168.1.10:2567", BATON_URL_INVALID);
    expect_class("http://", BATON_URL_INVALID);
    expect_class("http:///path", BATON_URL_INVALID);
    expect_class("http://[::1", BATON_URL_INVALID);
    /* Credentials hide the real host: http://10.0.0.1@evil.example/ goes to evil.example. */
    expect_class("http://10.0.0.1@evil.example/", BATON_URL_INVALID);
    expect_class("https://user:pw@baton.example.com", BATON_URL_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tls_urls_are_tls),
        cmocka_unit_test(private_literals_are_lab),
        cmocka_unit_test(local_names_are_lab),
        cmocka_unit_test(everything_else_plain_is_public),
        cmocka_unit_test(malformed_is_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
