/**
 * @file baton_mp_read.c
 * @brief msgpack pull decoder: reads one item at a time, skips whole values without recursion.
 *
 * Every length read from the input is checked against the bytes that remain before it is
 * used, so a frame from a buggy or hostile server can only produce an error status.
 */
#include <string.h>

#include "baton_msgpack.h"

void baton_mp_reader_init(baton_mp_reader_t *r, const uint8_t *buf, size_t len)
{
    r->buf = buf;
    r->len = (buf == NULL) ? 0 : len;
    r->pos = 0;
    r->status = BATON_OK;
}

static baton_status_t fail(baton_mp_reader_t *r, baton_status_t status)
{
    if (r->status == BATON_OK) {
        r->status = status;
    }
    return r->status;
}

static size_t remaining(const baton_mp_reader_t *r)
{
    return r->len - r->pos;
}

/* Reads an n-byte big-endian unsigned number, or fails with TRUNCATED. */
static baton_status_t take_be(baton_mp_reader_t *r, size_t n, uint64_t *out)
{
    if (remaining(r) < n) {
        return fail(r, BATON_ERR_TRUNCATED);
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = (v << 8) | r->buf[r->pos + i];
    }
    r->pos += n;
    *out = v;
    return BATON_OK;
}

/* Exposes `len` payload bytes as a byte view and moves past them. */
static baton_status_t take_bytes(baton_mp_reader_t *r, baton_mp_value_t *out, baton_mp_type_t type, uint64_t len)
{
    if (len > remaining(r)) {
        return fail(r, BATON_ERR_TRUNCATED);
    }
    out->type = type;
    out->as.bytes.ptr = r->buf + r->pos;
    out->as.bytes.len = (uint32_t)len;
    r->pos += (size_t)len;
    return BATON_OK;
}

static baton_status_t signed_value(baton_mp_value_t *out, int64_t v)
{
    if (v >= 0) {
        out->type = BATON_MP_UINT;
        out->as.u = (uint64_t)v;
    } else {
        out->type = BATON_MP_INT;
        out->as.i = v;
    }
    return BATON_OK;
}

/* Sign-extends an n-byte two's complement number. */
static int64_t sign_extend(uint64_t raw, size_t n)
{
    if (n >= 8) {
        return (int64_t)raw;
    }
    uint64_t sign = (uint64_t)1 << (8 * n - 1);
    return (int64_t)((raw ^ sign) - sign);
}

baton_status_t baton_mp_read(baton_mp_reader_t *r, baton_mp_value_t *out)
{
    if (r->status != BATON_OK) {
        return r->status;
    }
    if (remaining(r) < 1) {
        return fail(r, BATON_ERR_TRUNCATED);
    }
    const uint8_t tag = r->buf[r->pos++];
    uint64_t n = 0;
    baton_status_t st = BATON_OK;

    if (tag <= 0x7f) {
        out->type = BATON_MP_UINT;
        out->as.u = tag;
        return BATON_OK;
    }
    if (tag >= 0xe0) {
        out->type = BATON_MP_INT;
        out->as.i = (int8_t)tag;
        return BATON_OK;
    }
    if ((tag & 0xf0) == 0x80) {
        out->type = BATON_MP_MAP;
        out->as.count = tag & 0x0f;
        return BATON_OK;
    }
    if ((tag & 0xf0) == 0x90) {
        out->type = BATON_MP_ARRAY;
        out->as.count = tag & 0x0f;
        return BATON_OK;
    }
    if ((tag & 0xe0) == 0xa0) {
        return take_bytes(r, out, BATON_MP_STR, tag & 0x1f);
    }

    switch (tag) {
    case 0xc0:
        out->type = BATON_MP_NIL;
        return BATON_OK;
    case 0xc2:
    case 0xc3:
        out->type = BATON_MP_BOOL;
        out->as.boolean = (tag == 0xc3);
        return BATON_OK;
    case 0xc4: case 0xc5: case 0xc6: /* bin 8/16/32 */
        st = take_be(r, (size_t)1 << (tag - 0xc4), &n);
        return st != BATON_OK ? st : take_bytes(r, out, BATON_MP_BIN, n);
    case 0xc7: case 0xc8: case 0xc9: /* ext 8/16/32: length, type byte, payload */
        st = take_be(r, (size_t)1 << (tag - 0xc7), &n);
        if (st == BATON_OK) {
            uint64_t ext_type;
            st = take_be(r, 1, &ext_type);
        }
        return st != BATON_OK ? st : take_bytes(r, out, BATON_MP_EXT, n);
    case 0xca: { /* float32 */
        st = take_be(r, 4, &n);
        if (st != BATON_OK) {
            return st;
        }
        uint32_t bits = (uint32_t)n;
        float f;
        memcpy(&f, &bits, sizeof f);
        out->type = BATON_MP_FLOAT;
        out->as.f = f;
        return BATON_OK;
    }
    case 0xcb: { /* float64 */
        st = take_be(r, 8, &n);
        if (st != BATON_OK) {
            return st;
        }
        double d;
        memcpy(&d, &n, sizeof d);
        out->type = BATON_MP_FLOAT;
        out->as.f = d;
        return BATON_OK;
    }
    case 0xcc: case 0xcd: case 0xce: case 0xcf: /* uint 8..64 */
        st = take_be(r, (size_t)1 << (tag - 0xcc), &n);
        if (st != BATON_OK) {
            return st;
        }
        out->type = BATON_MP_UINT;
        out->as.u = n;
        return BATON_OK;
    case 0xd0: case 0xd1: case 0xd2: case 0xd3: { /* int 8..64 */
        size_t width = (size_t)1 << (tag - 0xd0);
        st = take_be(r, width, &n);
        return st != BATON_OK ? st : signed_value(out, sign_extend(n, width));
    }
    case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: { /* fixext 1..16 */
        uint64_t ext_type;
        st = take_be(r, 1, &ext_type);
        return st != BATON_OK ? st : take_bytes(r, out, BATON_MP_EXT, (uint64_t)1 << (tag - 0xd4));
    }
    case 0xd9: case 0xda: case 0xdb: /* str 8/16/32 */
        st = take_be(r, (size_t)1 << (tag - 0xd9), &n);
        return st != BATON_OK ? st : take_bytes(r, out, BATON_MP_STR, n);
    case 0xdc: case 0xdd: /* array 16/32 */
        st = take_be(r, tag == 0xdc ? 2 : 4, &n);
        if (st != BATON_OK) {
            return st;
        }
        out->type = BATON_MP_ARRAY;
        out->as.count = (uint32_t)n;
        return BATON_OK;
    case 0xde: case 0xdf: /* map 16/32 */
        st = take_be(r, tag == 0xde ? 2 : 4, &n);
        if (st != BATON_OK) {
            return st;
        }
        out->type = BATON_MP_MAP;
        out->as.count = (uint32_t)n;
        return BATON_OK;
    default: /* 0xc1 is "never used" in the spec */
        r->pos--;
        return fail(r, BATON_ERR_MALFORMED);
    }
}

baton_status_t baton_mp_skip(baton_mp_reader_t *r)
{
    /* Items still to skip. Containers add their children instead of recursing. */
    uint64_t pending = 1;
    while (pending > 0) {
        /* Every item takes at least one byte: more pending items than bytes is a lie. */
        if (pending > remaining(r)) {
            return fail(r, BATON_ERR_TRUNCATED);
        }
        baton_mp_value_t v;
        baton_status_t st = baton_mp_read(r, &v);
        if (st != BATON_OK) {
            return st;
        }
        pending--;
        if (v.type == BATON_MP_ARRAY) {
            pending += v.as.count;
        } else if (v.type == BATON_MP_MAP) {
            pending += 2u * (uint64_t)v.as.count;
        }
    }
    return BATON_OK;
}

baton_status_t baton_mp_span(baton_mp_reader_t *r, const uint8_t **start, size_t *len)
{
    size_t from = r->pos;
    baton_status_t st = baton_mp_skip(r);
    if (st != BATON_OK) {
        return st;
    }
    *start = r->buf + from;
    *len = r->pos - from;
    return BATON_OK;
}

/* ------------------------------------------------------------------ map helpers */

baton_status_t baton_mp_map_find(const baton_mp_reader_t *map, const char *key, baton_mp_reader_t *value_reader)
{
    if (map == NULL || key == NULL || value_reader == NULL) {
        return BATON_ERR_INVALID_ARG;
    }
    baton_mp_reader_t r = *map;
    baton_mp_value_t header;
    baton_status_t st = baton_mp_read(&r, &header);
    if (st != BATON_OK) {
        return st;
    }
    if (header.type != BATON_MP_MAP) {
        return BATON_ERR_WRONG_TYPE;
    }
    const size_t key_len = strlen(key);
    for (uint32_t i = 0; i < header.as.count; i++) {
        /* Skip the key as a whole value first, so a (legal, unusual) container key cannot
         * desynchronise the walk; then look at it again to see whether it is ours. */
        const size_t key_start = r.pos;
        st = baton_mp_skip(&r);
        if (st != BATON_OK) {
            return st;
        }
        baton_mp_reader_t key_reader;
        baton_mp_reader_init(&key_reader, r.buf + key_start, r.pos - key_start);
        baton_mp_value_t k;
        bool match = baton_mp_read(&key_reader, &k) == BATON_OK && k.type == BATON_MP_STR &&
                     k.as.bytes.len == key_len && memcmp(k.as.bytes.ptr, key, key_len) == 0;
        if (match) {
            *value_reader = r;
            return BATON_OK;
        }
        st = baton_mp_skip(&r);
        if (st != BATON_OK) {
            return st;
        }
    }
    return BATON_ERR_NOT_FOUND;
}

baton_status_t baton_mp_value_to_double(const baton_mp_value_t *v, double *out)
{
    switch (v->type) {
    case BATON_MP_UINT:
        *out = (double)v->as.u;
        return BATON_OK;
    case BATON_MP_INT:
        *out = (double)v->as.i;
        return BATON_OK;
    case BATON_MP_FLOAT:
        *out = v->as.f;
        return BATON_OK;
    default:
        return BATON_ERR_WRONG_TYPE;
    }
}

baton_status_t baton_mp_value_to_u64(const baton_mp_value_t *v, uint64_t *out)
{
    if (v->type == BATON_MP_UINT) {
        *out = v->as.u;
        return BATON_OK;
    }
    /* 2^53: beyond it a double no longer holds every integer, and JS numbers never exceed it. */
    if (v->type == BATON_MP_FLOAT && v->as.f >= 0.0 && v->as.f <= 9007199254740992.0 &&
        v->as.f == (double)(uint64_t)v->as.f) {
        *out = (uint64_t)v->as.f;
        return BATON_OK;
    }
    return BATON_ERR_WRONG_TYPE;
}

/* Finds `key` and reads the header of its value. */
static baton_status_t find_value(const baton_mp_reader_t *map, const char *key, baton_mp_value_t *v)
{
    baton_mp_reader_t vr;
    baton_status_t st = baton_mp_map_find(map, key, &vr);
    return st != BATON_OK ? st : baton_mp_read(&vr, v);
}

baton_status_t baton_mp_map_get_str(const baton_mp_reader_t *map, const char *key, char *out, size_t cap)
{
    if (out == NULL || cap == 0) {
        return BATON_ERR_INVALID_ARG;
    }
    baton_mp_value_t v;
    baton_status_t st = find_value(map, key, &v);
    if (st != BATON_OK) {
        return st;
    }
    if (v.type != BATON_MP_STR) {
        return BATON_ERR_WRONG_TYPE;
    }
    if (v.as.bytes.len >= cap) {
        return BATON_ERR_NO_SPACE;
    }
    memcpy(out, v.as.bytes.ptr, v.as.bytes.len);
    out[v.as.bytes.len] = '\0';
    return BATON_OK;
}

baton_status_t baton_mp_map_get_u64(const baton_mp_reader_t *map, const char *key, uint64_t *out)
{
    baton_mp_value_t v;
    baton_status_t st = find_value(map, key, &v);
    return st != BATON_OK ? st : baton_mp_value_to_u64(&v, out);
}

baton_status_t baton_mp_map_get_double(const baton_mp_reader_t *map, const char *key, double *out)
{
    baton_mp_value_t v;
    baton_status_t st = find_value(map, key, &v);
    return st != BATON_OK ? st : baton_mp_value_to_double(&v, out);
}

baton_status_t baton_mp_map_get_bool(const baton_mp_reader_t *map, const char *key, bool *out)
{
    baton_mp_value_t v;
    baton_status_t st = find_value(map, key, &v);
    if (st != BATON_OK) {
        return st;
    }
    if (v.type != BATON_MP_BOOL) {
        return BATON_ERR_WRONG_TYPE;
    }
    *out = v.as.boolean;
    return BATON_OK;
}

baton_status_t baton_mp_map_get_raw(const baton_mp_reader_t *map, const char *key, const uint8_t **start, size_t *len)
{
    baton_mp_reader_t vr;
    baton_status_t st = baton_mp_map_find(map, key, &vr);
    return st != BATON_OK ? st : baton_mp_span(&vr, start, len);
}
