/**
 * @file baton_mp_write.c
 * @brief msgpack encoder: smallest encoding for every value, big-endian as the spec says.
 */
#include <string.h>

#include "baton_msgpack.h"

void baton_mp_writer_init(baton_mp_writer_t *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->status = (buf == NULL && cap > 0) ? BATON_ERR_INVALID_ARG : BATON_OK;
}

/* Reserves n bytes or latches NO_SPACE; returns where to write, or NULL. */
static uint8_t *reserve(baton_mp_writer_t *w, size_t n)
{
    if (w->status != BATON_OK) {
        return NULL;
    }
    if (n > w->cap - w->len) {
        w->status = BATON_ERR_NO_SPACE;
        return NULL;
    }
    uint8_t *p = w->buf + w->len;
    w->len += n;
    return p;
}

static void put_be(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    }
}

/* Writes a tag followed by an n-byte big-endian number. */
static void tag_be(baton_mp_writer_t *w, uint8_t tag, uint64_t v, size_t n)
{
    uint8_t *p = reserve(w, 1 + n);
    if (p != NULL) {
        p[0] = tag;
        put_be(p + 1, v, n);
    }
}

void baton_mp_write_nil(baton_mp_writer_t *w)
{
    uint8_t *p = reserve(w, 1);
    if (p != NULL) {
        *p = 0xc0;
    }
}

void baton_mp_write_bool(baton_mp_writer_t *w, bool value)
{
    uint8_t *p = reserve(w, 1);
    if (p != NULL) {
        *p = value ? 0xc3 : 0xc2;
    }
}

void baton_mp_write_uint(baton_mp_writer_t *w, uint64_t value)
{
    if (value < 0x80) {
        uint8_t *p = reserve(w, 1);
        if (p != NULL) {
            *p = (uint8_t)value;
        }
    } else if (value <= 0xff) {
        tag_be(w, 0xcc, value, 1);
    } else if (value <= 0xffff) {
        tag_be(w, 0xcd, value, 2);
    } else if (value <= 0xffffffffu) {
        tag_be(w, 0xce, value, 4);
    } else {
        tag_be(w, 0xcf, value, 8);
    }
}

void baton_mp_write_int(baton_mp_writer_t *w, int64_t value)
{
    if (value >= 0) {
        baton_mp_write_uint(w, (uint64_t)value);
    } else if (value >= -32) {
        uint8_t *p = reserve(w, 1);
        if (p != NULL) {
            *p = (uint8_t)(int8_t)value; /* negative fixint 0xe0..0xff */
        }
    } else if (value >= INT8_MIN) {
        tag_be(w, 0xd0, (uint64_t)value, 1);
    } else if (value >= INT16_MIN) {
        tag_be(w, 0xd1, (uint64_t)value, 2);
    } else if (value >= INT32_MIN) {
        tag_be(w, 0xd2, (uint64_t)value, 4);
    } else {
        tag_be(w, 0xd3, (uint64_t)value, 8);
    }
}

void baton_mp_write_float(baton_mp_writer_t *w, float value)
{
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits); /* IEEE 754 on every target we build for */
    tag_be(w, 0xca, bits, 4);
}

void baton_mp_write_double(baton_mp_writer_t *w, double value)
{
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    tag_be(w, 0xcb, bits, 8);
}

/* Header of a str/bin/array/map whose length picks among fix/8/16/32 forms. */
static void length_header(baton_mp_writer_t *w, uint64_t n, uint8_t fix_base, uint64_t fix_max, int tag8, uint8_t tag16,
                          uint8_t tag32)
{
    if (n > 0xffffffffu) {
        if (w->status == BATON_OK) {
            w->status = BATON_ERR_INVALID_ARG;
        }
    } else if (fix_max > 0 && n <= fix_max) {
        uint8_t *p = reserve(w, 1);
        if (p != NULL) {
            *p = (uint8_t)(fix_base | n);
        }
    } else if (tag8 >= 0 && n <= 0xff) {
        tag_be(w, (uint8_t)tag8, n, 1);
    } else if (n <= 0xffff) {
        tag_be(w, tag16, n, 2);
    } else {
        tag_be(w, tag32, n, 4);
    }
}

void baton_mp_write_str(baton_mp_writer_t *w, const char *str, size_t len)
{
    if (str == NULL && len > 0) {
        w->status = (w->status == BATON_OK) ? BATON_ERR_INVALID_ARG : w->status;
        return;
    }
    length_header(w, len, 0xa0, 31, 0xd9, 0xda, 0xdb);
    uint8_t *p = reserve(w, len);
    if (p != NULL && len > 0) {
        memcpy(p, str, len);
    }
}

void baton_mp_write_cstr(baton_mp_writer_t *w, const char *str)
{
    baton_mp_write_str(w, str, str == NULL ? 0 : strlen(str));
}

void baton_mp_write_bin(baton_mp_writer_t *w, const uint8_t *data, size_t len)
{
    if (data == NULL && len > 0) {
        w->status = (w->status == BATON_OK) ? BATON_ERR_INVALID_ARG : w->status;
        return;
    }
    length_header(w, len, 0, 0, 0xc4, 0xc5, 0xc6);
    uint8_t *p = reserve(w, len);
    if (p != NULL && len > 0) {
        memcpy(p, data, len);
    }
}

void baton_mp_write_array(baton_mp_writer_t *w, uint32_t count)
{
    length_header(w, count, 0x90, 15, -1, 0xdc, 0xdd);
}

void baton_mp_write_map(baton_mp_writer_t *w, uint32_t count)
{
    length_header(w, count, 0x80, 15, -1, 0xde, 0xdf);
}

void baton_mp_write_raw(baton_mp_writer_t *w, const uint8_t *data, size_t len)
{
    uint8_t *p = reserve(w, len);
    if (p != NULL && len > 0) {
        memcpy(p, data, len);
    }
}
