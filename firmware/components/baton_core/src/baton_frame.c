/**
 * @file baton_frame.c
 * @brief Colyseus framing: parse incoming messages, start outgoing ones.
 */
#include <string.h>

#include "baton_frame.h"
#include "baton_numeric.h"

/* JOIN_ROOM carries two u8-length-prefixed strings; the rest is a handshake we do not use. */
static baton_status_t parse_join(const uint8_t *buf, size_t len, baton_frame_t *out)
{
    size_t pos = 1;
    if (pos >= len) {
        return BATON_ERR_TRUNCATED;
    }
    size_t token_len = buf[pos++];
    if (token_len > len - pos) {
        return BATON_ERR_TRUNCATED;
    }
    out->join.token = (const char *)(buf + pos);
    out->join.token_len = token_len;
    pos += token_len;
    if (pos >= len) {
        return BATON_ERR_TRUNCATED;
    }
    size_t serializer_len = buf[pos++];
    if (serializer_len > len - pos) {
        return BATON_ERR_TRUNCATED;
    }
    out->join.serializer = (const char *)(buf + pos);
    out->join.serializer_len = serializer_len;
    return BATON_OK;
}

/*
 * Frame headers (the ERROR code and message, the ROOM_DATA type) are written by
 * @colyseus/schema's encoder: msgpack type tags, but multi-byte lengths and numbers are
 * LITTLE-endian (docs/PROTOCOL.md, "Header encoding"). Payloads are real (big-endian)
 * msgpack and go through baton_msgpack.h instead.
 */
static bool take_le(const uint8_t *buf, size_t len, size_t *pos, size_t n, uint64_t *out)
{
    if (n > len - *pos) {
        return false;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v |= (uint64_t)buf[*pos + i] << (8 * i);
    }
    *pos += n;
    *out = v;
    return true;
}

static bool header_is_string(const uint8_t *buf, size_t len, size_t pos)
{
    return pos < len && ((buf[pos] & 0xe0) == 0xa0 || buf[pos] == 0xd9 || buf[pos] == 0xda || buf[pos] == 0xdb);
}

static baton_status_t header_string(const uint8_t *buf, size_t len, size_t *pos, const char **str, size_t *str_len)
{
    if (*pos >= len) {
        return BATON_ERR_TRUNCATED;
    }
    const uint8_t tag = buf[(*pos)++];
    uint64_t n = 0;
    if ((tag & 0xe0) == 0xa0) {
        n = tag & 0x1f;
    } else if (tag == 0xd9 || tag == 0xda || tag == 0xdb) {
        if (!take_le(buf, len, pos, tag == 0xd9 ? 1 : tag == 0xda ? 2 : 4, &n)) {
            return BATON_ERR_TRUNCATED;
        }
    } else {
        return BATON_ERR_MALFORMED;
    }
    if (n > len - *pos) {
        return BATON_ERR_TRUNCATED;
    }
    *str = (const char *)(buf + *pos);
    *str_len = (size_t)n;
    *pos += (size_t)n;
    return BATON_OK;
}

/*
 * A header number as a signed integer (floats are truncated: codes are integers). A float
 * that is NaN, infinite or beyond int64 is malformed: converting it would be undefined.
 */
static baton_status_t header_number(const uint8_t *buf, size_t len, size_t *pos, int64_t *out)
{
    if (*pos >= len) {
        return BATON_ERR_TRUNCATED;
    }
    const uint8_t tag = buf[(*pos)++];
    uint64_t raw = 0;
    if (tag <= 0x7f) {
        *out = tag;
        return BATON_OK;
    }
    if (tag >= 0xe0) {
        *out = (int8_t)tag;
        return BATON_OK;
    }
    size_t width;
    switch (tag) {
    case 0xcc: case 0xd0: width = 1; break;
    case 0xcd: case 0xd1: width = 2; break;
    case 0xce: case 0xd2: case 0xca: width = 4; break;
    case 0xcf: case 0xd3: case 0xcb: width = 8; break;
    default: return BATON_ERR_MALFORMED;
    }
    if (!take_le(buf, len, pos, width, &raw)) {
        return BATON_ERR_TRUNCATED;
    }
    if (tag == 0xca) {
        uint32_t bits = (uint32_t)raw;
        float f;
        memcpy(&f, &bits, sizeof f);
        if (!baton_double_to_i64((double)f, out)) {
            return BATON_ERR_MALFORMED;
        }
    } else if (tag == 0xcb) {
        double d;
        memcpy(&d, &raw, sizeof d);
        if (!baton_double_to_i64(d, out)) {
            return BATON_ERR_MALFORMED;
        }
    } else if (tag >= 0xd0) {
        uint64_t sign = (uint64_t)1 << (8 * width - 1);
        *out = (width == 8) ? (int64_t)raw : (int64_t)((raw ^ sign) - sign);
    } else {
        *out = raw > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)raw;
    }
    return BATON_OK;
}

static baton_status_t parse_error(const uint8_t *buf, size_t len, baton_frame_t *out)
{
    size_t pos = 1;
    baton_status_t st = header_number(buf, len, &pos, &out->error.code);
    if (st != BATON_OK || pos == len) {
        return st; /* a missing message is fine */
    }
    return header_string(buf, len, &pos, &out->error.message, &out->error.message_len);
}

static baton_status_t parse_room_data(const uint8_t *buf, size_t len, baton_frame_t *out)
{
    size_t pos = 1;
    baton_status_t st;
    if (header_is_string(buf, len, pos)) {
        st = header_string(buf, len, &pos, &out->data.type, &out->data.type_len);
    } else {
        int64_t number = 0;
        st = header_number(buf, len, &pos, &number);
        out->data.type_number = number < 0 ? 0 : (uint64_t)number;
    }
    if (st != BATON_OK) {
        return st;
    }
    out->data.payload = buf + pos;
    out->data.payload_len = len - pos;
    return BATON_OK;
}

baton_status_t baton_frame_parse(const uint8_t *buf, size_t len, baton_frame_t *out)
{
    if (out == NULL || (buf == NULL && len > 0)) {
        return BATON_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    if (len == 0) {
        return BATON_ERR_TRUNCATED;
    }
    out->code = buf[0];
    switch (buf[0]) {
    case BATON_COLYSEUS_JOIN_ROOM:
        out->kind = BATON_FRAME_JOIN_ROOM;
        return parse_join(buf, len, out);
    case BATON_COLYSEUS_ERROR:
        out->kind = BATON_FRAME_ERROR;
        return parse_error(buf, len, out);
    case BATON_COLYSEUS_LEAVE_ROOM:
        out->kind = BATON_FRAME_LEAVE;
        return BATON_OK;
    case BATON_COLYSEUS_ROOM_DATA:
        out->kind = BATON_FRAME_ROOM_DATA;
        return parse_room_data(buf, len, out);
    case BATON_COLYSEUS_PING:
        out->kind = BATON_FRAME_PING;
        return BATON_OK;
    default:
        out->kind = BATON_FRAME_IGNORED;
        return BATON_OK;
    }
}

void baton_frame_begin_room_data(baton_mp_writer_t *w, const char *type)
{
    baton_frame_write_code(w, BATON_COLYSEUS_ROOM_DATA);
    /* The type is a header string (little-endian lengths); Baton's types are all fixstr,
     * where both encodings agree, but write the header form so any length is right. */
    size_t n = strlen(type);
    uint8_t tag[5];
    size_t tag_len = 0;
    if (n < 0x20) {
        tag[tag_len++] = (uint8_t)(0xa0 | n);
    } else if (n < 0x100) {
        tag[tag_len++] = 0xd9;
        tag[tag_len++] = (uint8_t)n;
    } else {
        tag[tag_len++] = 0xda;
        tag[tag_len++] = (uint8_t)(n & 0xff);
        tag[tag_len++] = (uint8_t)((n >> 8) & 0xff);
    }
    baton_mp_write_raw(w, tag, tag_len);
    baton_mp_write_raw(w, (const uint8_t *)type, n);
}

void baton_frame_write_code(baton_mp_writer_t *w, uint8_t code)
{
    /* A bare byte, not a msgpack value: 10..18 happen to be positive fixints, so raw is exact. */
    baton_mp_write_raw(w, &code, 1);
}

bool baton_frame_type_is(const baton_frame_t *frame, const char *type)
{
    if (frame->kind != BATON_FRAME_ROOM_DATA || frame->data.type == NULL || type == NULL) {
        return false;
    }
    size_t n = strlen(type);
    return frame->data.type_len == n && memcmp(frame->data.type, type, n) == 0;
}
