/**
 * @file core_smoke.c
 * @brief Dependency-free smoke test of the portable core, built with -m32 (32-bit pointers
 * and size_t, like the ESP32) to catch pointer-size assumptions the 64-bit tests would miss.
 */
#include <stdio.h>
#include <string.h>

#include "baton_frame.h"
#include "baton_msgpack.h"
#include "baton_runner.h"
#include "baton_session.h"

#if defined(BATON_EXPECT_32BIT)
/* The type sizes of the ESP32's ILP32 ABI, checked when this file is compiled with -m32, so
 * the check holds even on a machine that builds 32-bit programs but cannot run them. */
#include <stddef.h>
#include <stdint.h>
_Static_assert(sizeof(void *) == 4, "a 32-bit build has 4-byte pointers");
_Static_assert(sizeof(size_t) == 4, "a 32-bit build has a 4-byte size_t");
_Static_assert(sizeof(long) == 4, "ILP32: long is 4 bytes");
_Static_assert(sizeof(uint64_t) == 8, "uint64_t stays 8 bytes (epochs need 53 bits)");
#endif

#define CHECK(cond)                                                       \
    do {                                                                  \
        if (!(cond)) {                                                    \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            return 1;                                                     \
        }                                                                 \
    } while (0)

int main(void)
{
    uint8_t buf[64];
    baton_mp_writer_t w;
    baton_mp_writer_init(&w, buf, sizeof buf);
    baton_mp_write_map(&w, 2);
    baton_mp_write_cstr(&w, "epoch");
    baton_mp_write_uint(&w, 9007199254740991ull); /* 2^53-1 needs uint64 even on 32-bit */
    baton_mp_write_cstr(&w, "runId");
    baton_mp_write_cstr(&w, "r1");
    CHECK(w.status == BATON_OK);

    baton_mp_reader_t r;
    baton_mp_reader_init(&r, buf, w.len);
    uint64_t epoch = 0;
    char run_id[8];
    CHECK(baton_mp_map_get_u64(&r, "epoch", &epoch) == BATON_OK && epoch == 9007199254740991ull);
    CHECK(baton_mp_map_get_str(&r, "runId", run_id, sizeof run_id) == BATON_OK && strcmp(run_id, "r1") == 0);

    /* A map header claiming 2^32-1 entries must fail fast, not loop or overflow size_t. */
    const uint8_t hostile[] = {0xdf, 0xff, 0xff, 0xff, 0xff, 0x00};
    baton_mp_reader_init(&r, hostile, sizeof hostile);
    CHECK(baton_mp_skip(&r) != BATON_OK);

    static baton_session_t sm;
    static const uint8_t types[] = {0x91, 0x82, 0xa4, 'n', 'a', 'm', 'e', 0xa1, 'w', 0xad, 'm', 'a', 'x', 'D', 'u', 'r',
                                    'a', 't', 'i', 'o', 'n', 'M', 's', 0x0a};
    baton_session_config_t config = {.server_url = "http://127.0.0.1:2567", .device_id = "scale-1", .session_types = types,
                                     .session_types_len = sizeof types};
    CHECK(baton_session_init(&sm, &config) == BATON_OK);
    static baton_actions_t actions;
    baton_actions_reset(&actions);
    baton_session_start(&sm, 1000, &actions);
    CHECK(actions.count == 1 && actions.items[0].type == BATON_ACTION_HTTP_POST);
    printf("core smoke (sizeof(void*)=%u, baton_session_t=%u, baton_actions_t=%u, baton_runner_t=%u bytes): ok\n",
           (unsigned)sizeof(void *), (unsigned)sizeof(baton_session_t), (unsigned)sizeof(baton_actions_t),
           (unsigned)sizeof(baton_runner_t));
    return 0;
}
