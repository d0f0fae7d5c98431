/**
 * @file test_kv_file.c
 * @brief The POSIX port's file-backed key-value store: round trip, erase, several keys, missing file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "baton_posix.h"

static void round_trip_erase_and_neighbours(void **state)
{
    (void)state;
    static baton_posix_t p;
    char path[] = "/tmp/baton-kv-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path); /* start from "no file" */
    snprintf(p.state_file, sizeof p.state_file, "%s", path);

    uint8_t buf[64];
    size_t len = 0;
    assert_int_equal(baton_posix_kv_get(&p, "a", buf, sizeof buf, &len), BATON_ERR_NOT_FOUND);
    assert_int_equal(baton_posix_kv_set(&p, "a", (const uint8_t *)"alpha", 5), BATON_OK);
    assert_int_equal(baton_posix_kv_set(&p, "b", (const uint8_t *)"beta", 4), BATON_OK);
    assert_int_equal(baton_posix_kv_set(&p, "a", (const uint8_t *)"ALPHA!", 6), BATON_OK);
    assert_int_equal(baton_posix_kv_get(&p, "a", buf, sizeof buf, &len), BATON_OK);
    assert_int_equal(len, 6);
    assert_memory_equal(buf, "ALPHA!", 6);
    assert_int_equal(baton_posix_kv_get(&p, "b", buf, 2, &len), BATON_ERR_NO_SPACE);
    assert_int_equal(baton_posix_kv_set(&p, "a", NULL, 0), BATON_OK);
    assert_int_equal(baton_posix_kv_get(&p, "a", buf, sizeof buf, &len), BATON_ERR_NOT_FOUND);
    assert_int_equal(baton_posix_kv_get(&p, "b", buf, sizeof buf, &len), BATON_OK);
    assert_memory_equal(buf, "beta", 4);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(round_trip_erase_and_neighbours)};
    return cmocka_run_group_tests_name("kv_file", tests, NULL, NULL);
}
