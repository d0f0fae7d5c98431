/**
 * @file fuzz_msgpack.c
 * @brief libFuzzer target: any bytes through the bounded msgpack pull reader.
 *
 * Every value header is read in turn (containers are entered, not skipped, so nested headers
 * are read too), each value is converted the ways the session converts them (to u64, to
 * double), and the same bytes are also walked with skip/span and searched as a map with the
 * keys the session looks up. Under ASan + UBSan (float-cast-overflow included) any overread,
 * overflow or undefined cast aborts. Built and run by scripts/firmware-fuzz.sh (clang);
 * findings become cmocka tests in test_msgpack.c.
 */
#include <stddef.h>
#include <stdint.h>

#include "baton_msgpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The keys the session and the instruments read from maps. */
static const char *const KEYS[] = {"epoch", "runId", "sessionType", "input", "deadlineMs", "phase", "code", "request",
                                   "heightCm", "name", "maxDurationMs", ""};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    baton_mp_reader_t r;
    baton_mp_value_t v;
    uint64_t u;
    double d;

    /* Every header, in order; the loop ends because each read consumes bytes or fails. */
    baton_mp_reader_init(&r, data, size);
    while (r.pos < r.len && baton_mp_read(&r, &v) == BATON_OK) {
        (void)baton_mp_value_to_u64(&v, &u);
        (void)baton_mp_value_to_double(&v, &d);
    }

    /* Whole values: skip and span. */
    baton_mp_reader_init(&r, data, size);
    const uint8_t *start;
    size_t len;
    while (r.pos < r.len && baton_mp_span(&r, &start, &len) == BATON_OK) {
    }

    /* The input as a map, looked up the ways the session does. */
    baton_mp_reader_t map;
    baton_mp_reader_init(&map, data, size);
    char text[65];
    bool flag;
    baton_mp_reader_t value;
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++) {
        (void)baton_mp_map_get_str(&map, KEYS[i], text, sizeof text);
        (void)baton_mp_map_get_u64(&map, KEYS[i], &u);
        (void)baton_mp_map_get_double(&map, KEYS[i], &d);
        (void)baton_mp_map_get_bool(&map, KEYS[i], &flag);
        (void)baton_mp_map_get_raw(&map, KEYS[i], &start, &len);
        if (baton_mp_map_find(&map, KEYS[i], &value) == BATON_OK) {
            (void)baton_mp_skip(&value);
        }
    }
    return 0;
}
