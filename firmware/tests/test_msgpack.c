/**
 * @file test_msgpack.c
 * @brief The bounded msgpack codec, checked against libmsgpack (msgpack-c) as an oracle:
 *        our writer must produce the same bytes, and our reader must read what it writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <msgpack.h>

#include "baton_msgpack.h"

typedef struct {
    msgpack_sbuffer sb;
    msgpack_packer pk;
} oracle_t;

static void oracle_init(oracle_t *o)
{
    msgpack_sbuffer_init(&o->sb);
    msgpack_packer_init(&o->pk, &o->sb, msgpack_sbuffer_write);
}

static void assert_same(const oracle_t *o, const baton_mp_writer_t *w)
{
    assert_int_equal(w->status, BATON_OK);
    assert_int_equal(w->len, o->sb.size);
    assert_memory_equal(w->buf, o->sb.data, w->len);
}

static const int64_t INTS[] = {0, 1, 31, 32, 127, 128, 255, 256, 65535, 65536, 4294967295LL, 4294967296LL, INT64_MAX,
                               -1, -31, -32, -33, -128, -129, -32768, -32769, INT32_MIN, (int64_t)INT32_MIN - 1, INT64_MIN};

static void integers_match_the_oracle(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof INTS / sizeof INTS[0]; i++) {
        oracle_t o;
        oracle_init(&o);
        msgpack_pack_int64(&o.pk, INTS[i]);
        uint8_t buf[16];
        baton_mp_writer_t w;
        baton_mp_writer_init(&w, buf, sizeof buf);
        baton_mp_write_int(&w, INTS[i]);
        assert_same(&o, &w);

        baton_mp_reader_t r;
        baton_mp_value_t v;
        baton_mp_reader_init(&r, buf, w.len);
        assert_int_equal(baton_mp_read(&r, &v), BATON_OK);
        if (INTS[i] >= 0) {
            assert_int_equal(v.type, BATON_MP_UINT);
            assert_true(v.as.u == (uint64_t)INTS[i]);
        } else {
            assert_int_equal(v.type, BATON_MP_INT);
            assert_true(v.as.i == INTS[i]);
        }
        msgpack_sbuffer_destroy(&o.sb);
    }
    /* uint64 beyond INT64_MAX */
    oracle_t o;
    oracle_init(&o);
    msgpack_pack_uint64(&o.pk, UINT64_MAX);
    uint8_t buf[16];
    baton_mp_writer_t w;
    baton_mp_writer_init(&w, buf, sizeof buf);
    baton_mp_write_uint(&w, UINT64_MAX);
    assert_same(&o, &w);
    msgpack_sbuffer_destroy(&o.sb);
}

static void other_scalars_match_the_oracle(void **state)
{
    (void)state;
    oracle_t o;
    oracle_init(&o);
    msgpack_pack_nil(&o.pk);
    msgpack_pack_true(&o.pk);
    msgpack_pack_false(&o.pk);
    msgpack_pack_float(&o.pk, 1.5f);
    msgpack_pack_double(&o.pk, -0.1);
    static char long_str[70000];
    memset(long_str, 'x', sizeof long_str);
    size_t lens[] = {0, 5, 31, 32, 255, 256, 65535, 65536};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        msgpack_pack_str(&o.pk, lens[i]);
        msgpack_pack_str_body(&o.pk, long_str, lens[i]);
        msgpack_pack_bin(&o.pk, lens[i]);
        msgpack_pack_bin_body(&o.pk, long_str, lens[i]);
    }
    static uint8_t buf[600000];
    baton_mp_writer_t w;
    baton_mp_writer_init(&w, buf, sizeof buf);
    baton_mp_write_nil(&w);
    baton_mp_write_bool(&w, true);
    baton_mp_write_bool(&w, false);
    baton_mp_write_float(&w, 1.5f);
    baton_mp_write_double(&w, -0.1);
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        baton_mp_write_str(&w, long_str, lens[i]);
        baton_mp_write_bin(&w, (const uint8_t *)long_str, lens[i]);
    }
    assert_same(&o, &w);

    baton_mp_reader_t r;
    baton_mp_value_t v;
    baton_mp_reader_init(&r, buf, w.len);
    assert_int_equal(baton_mp_read(&r, &v), BATON_OK);
    assert_int_equal(v.type, BATON_MP_NIL);
    assert_int_equal(baton_mp_read(&r, &v), BATON_OK);
    assert_true(v.type == BATON_MP_BOOL && v.as.boolean);
    assert_int_equal(baton_mp_read(&r, &v), BATON_OK);
    assert_true(v.type == BATON_MP_BOOL && !v.as.boolean);
    assert_int_equal(baton_mp_read(&r, &v), BATON_OK);
    assert_true(v.type == BATON_MP_FLOAT && v.as.f == 1.5);
    assert_int_equal(baton_mp_read(&r, &v), BATON_OK);
    assert_true(v.type == BATON_MP_FLOAT && v.as.f == -0.1);
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        assert_int_equal(baton_mp_read(&r, &v), BATON_OK);
        assert_true(v.type == BATON_MP_STR && v.as.bytes.len == lens[i]);
        assert_int_equal(baton_mp_read(&r, &v), BATON_OK);
        assert_true(v.type == BATON_MP_BIN && v.as.bytes.len == lens[i]);
    }
    assert_int_equal(r.pos, w.len);
    msgpack_sbuffer_destroy(&o.sb);
}

static void containers_match_the_oracle(void **state)
{
    (void)state;
    uint32_t counts[] = {0, 15, 16, 65535, 65536};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        oracle_t o;
        oracle_init(&o);
        msgpack_pack_array(&o.pk, counts[i]);
        msgpack_pack_map(&o.pk, counts[i]);
        uint8_t buf[16];
        baton_mp_writer_t w;
        baton_mp_writer_init(&w, buf, sizeof buf);
        baton_mp_write_array(&w, counts[i]);
        baton_mp_write_map(&w, counts[i]);
        assert_same(&o, &w);
        msgpack_sbuffer_destroy(&o.sb);
    }
}

/* A nested document written by the oracle: the reader finds keys and skips what it does not need. */
static void reader_walks_an_oracle_document(void **state)
{
    (void)state;
    oracle_t o;
    oracle_init(&o);
    msgpack_pack_map(&o.pk, 5);
    msgpack_pack_str_with_body(&o.pk, "nested", 6);
    msgpack_pack_map(&o.pk, 2);
    msgpack_pack_str_with_body(&o.pk, "a", 1);
    msgpack_pack_array(&o.pk, 3);
    msgpack_pack_int(&o.pk, -5);
    msgpack_pack_bin_with_body(&o.pk, "xyz", 3);
    msgpack_pack_map(&o.pk, 0);
    msgpack_pack_str_with_body(&o.pk, "b", 1);
    msgpack_pack_nil(&o.pk);
    msgpack_pack_int(&o.pk, 42); /* a non-string key */
    msgpack_pack_true(&o.pk);
    msgpack_pack_str_with_body(&o.pk, "epoch", 5);
    msgpack_pack_double(&o.pk, 12.0);
    msgpack_pack_str_with_body(&o.pk, "runId", 5);
    msgpack_pack_str_with_body(&o.pk, "r-1", 3);
    msgpack_pack_str_with_body(&o.pk, "ok", 2);
    msgpack_pack_false(&o.pk);

    baton_mp_reader_t r;
    baton_mp_reader_init(&r, (const uint8_t *)o.sb.data, o.sb.size);
    uint64_t epoch = 0;
    char run_id[8];
    bool ok = true;
    assert_int_equal(baton_mp_map_get_u64(&r, "epoch", &epoch), BATON_OK);
    assert_int_equal(epoch, 12);
    assert_int_equal(baton_mp_map_get_str(&r, "runId", run_id, sizeof run_id), BATON_OK);
    assert_string_equal(run_id, "r-1");
    assert_int_equal(baton_mp_map_get_bool(&r, "ok", &ok), BATON_OK);
    assert_false(ok);
    assert_int_equal(baton_mp_map_get_u64(&r, "missing", &epoch), BATON_ERR_NOT_FOUND);
    assert_int_equal(baton_mp_map_get_u64(&r, "runId", &epoch), BATON_ERR_WRONG_TYPE);
    assert_int_equal(baton_mp_map_get_str(&r, "runId", run_id, 3), BATON_ERR_NO_SPACE);
    const uint8_t *raw;
    size_t raw_len;
    assert_int_equal(baton_mp_map_get_raw(&r, "nested", &raw, &raw_len), BATON_OK);
    /* The raw span must be exactly one value as msgpack-c sees it. */
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    assert_int_equal(msgpack_unpack_next(&u, (const char *)raw, raw_len, &off), MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(off, raw_len);
    msgpack_unpacked_destroy(&u);
    assert_int_equal(baton_mp_skip(&r), BATON_OK);
    assert_int_equal(r.pos, o.sb.size);
    msgpack_sbuffer_destroy(&o.sb);
}

static void u64_accepts_only_exact_non_negative_integers(void **state)
{
    (void)state;
    baton_mp_value_t v = {.type = BATON_MP_FLOAT};
    uint64_t out;
    v.as.f = 3.0;
    assert_int_equal(baton_mp_value_to_u64(&v, &out), BATON_OK);
    v.as.f = 3.5;
    assert_int_equal(baton_mp_value_to_u64(&v, &out), BATON_ERR_WRONG_TYPE);
    v.as.f = -1.0;
    assert_int_equal(baton_mp_value_to_u64(&v, &out), BATON_ERR_WRONG_TYPE);
    v.as.f = 1e300;
    assert_int_equal(baton_mp_value_to_u64(&v, &out), BATON_ERR_WRONG_TYPE);
    v.type = BATON_MP_INT;
    v.as.i = -3;
    assert_int_equal(baton_mp_value_to_u64(&v, &out), BATON_ERR_WRONG_TYPE);
}

static void writer_stops_at_capacity_and_stays_stopped(void **state)
{
    (void)state;
    uint8_t buf[4];
    baton_mp_writer_t w;
    baton_mp_writer_init(&w, buf, sizeof buf);
    baton_mp_write_cstr(&w, "abc");
    assert_int_equal(w.status, BATON_OK);
    baton_mp_write_cstr(&w, "d");
    assert_int_equal(w.status, BATON_ERR_NO_SPACE);
    baton_mp_write_nil(&w);
    assert_int_equal(w.len, 4);
    assert_int_equal(w.status, BATON_ERR_NO_SPACE);
}

static void hostile_input_is_refused(void **state)
{
    (void)state;
    /* Each of these claims more than it has; none may read out of bounds (run under ASan). */
    const uint8_t cases[][6] = {
        {0xdf, 0xff, 0xff, 0xff, 0xff, 0x01}, /* map32 of 4 billion entries */
        {0xdd, 0x7f, 0xff, 0xff, 0xff, 0x01}, /* array32 */
        {0xdb, 0xff, 0xff, 0xff, 0xff, 'a'},  /* str32 longer than the buffer */
        {0xc6, 0x00, 0x00, 0x10, 0x00, 0x00}, /* bin32 */
        {0xc9, 0x00, 0x00, 0x00, 0x09, 0x01}, /* ext32 */
        {0xc1, 0, 0, 0, 0, 0},                /* never-used tag */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        baton_mp_reader_t r;
        baton_mp_reader_init(&r, cases[i], sizeof cases[i]);
        assert_int_not_equal(baton_mp_skip(&r), BATON_OK);
        baton_mp_reader_t vr;
        baton_mp_reader_init(&r, cases[i], sizeof cases[i]);
        (void)baton_mp_map_find(&r, "x", &vr);
    }
    /* Every truncation of a valid document fails cleanly. */
    oracle_t o;
    oracle_init(&o);
    msgpack_pack_map(&o.pk, 2);
    msgpack_pack_str_with_body(&o.pk, "k", 1);
    msgpack_pack_array(&o.pk, 2);
    msgpack_pack_uint64(&o.pk, UINT64_MAX);
    msgpack_pack_double(&o.pk, 1.25);
    msgpack_pack_str_with_body(&o.pk, "s", 1);
    msgpack_pack_str_with_body(&o.pk, "value", 5);
    for (size_t n = 0; n < o.sb.size; n++) {
        baton_mp_reader_t r;
        baton_mp_reader_init(&r, (const uint8_t *)o.sb.data, n);
        assert_int_not_equal(baton_mp_skip(&r), BATON_OK);
    }
    msgpack_sbuffer_destroy(&o.sb);
}

/* Random documents from the oracle: our skip must land exactly where msgpack-c's unpack ends. */
static void random_oracle_documents_are_skipped_exactly(void **state)
{
    (void)state;
    uint32_t seed = 7;
    for (int round = 0; round < 2000; round++) {
        oracle_t o;
        oracle_init(&o);
        int pending = 1;
        int produced = 0;
        while (pending > 0) {
            seed = seed * 1103515245u + 12345u;
            int pick = (int)((seed >> 16) % 9);
            if (produced > 40) {
                pick = pick % 5; /* only scalars once big enough */
            }
            pending--;
            produced++;
            switch (pick) {
            case 0: msgpack_pack_nil(&o.pk); break;
            case 1: msgpack_pack_int64(&o.pk, (int64_t)seed - 2000000000); break;
            case 2: msgpack_pack_double(&o.pk, seed / 7.0); break;
            case 3: msgpack_pack_str_with_body(&o.pk, "hello", seed % 6); break;
            case 4: msgpack_pack_bin_with_body(&o.pk, "bytes", seed % 6); break;
            case 5: case 6: msgpack_pack_array(&o.pk, seed % 4); pending += (int)(seed % 4); break;
            default: msgpack_pack_map(&o.pk, seed % 3); pending += 2 * (int)(seed % 3); break;
            }
        }
        baton_mp_reader_t r;
        baton_mp_reader_init(&r, (const uint8_t *)o.sb.data, o.sb.size);
        assert_int_equal(baton_mp_skip(&r), BATON_OK);
        assert_int_equal(r.pos, o.sb.size);
        msgpack_sbuffer_destroy(&o.sb);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(integers_match_the_oracle),
        cmocka_unit_test(other_scalars_match_the_oracle),
        cmocka_unit_test(containers_match_the_oracle),
        cmocka_unit_test(reader_walks_an_oracle_document),
        cmocka_unit_test(u64_accepts_only_exact_non_negative_integers),
        cmocka_unit_test(writer_stops_at_capacity_and_stays_stopped),
        cmocka_unit_test(hostile_input_is_refused),
        cmocka_unit_test(random_oracle_documents_are_skipped_exactly),
    };
    return cmocka_run_group_tests_name("msgpack", tests, NULL, NULL);
}
