/**
 * @file baton_msgpack.h
 * @brief A small, bounded msgpack encoder and pull decoder: the subset Baton's payloads need.
 *
 * Why our own: no msgpack library fits both ESP-IDF and the host without heap use, and the
 * protocol needs little (maps of strings, numbers, booleans, nested maps/arrays). The
 * writer always picks the smallest encoding, like msgpack-c, so tests compare bytes with
 * libmsgpack. The reader never allocates and never recurses: skipping a nested value is a
 * loop over a count of pending items, so hostile input cannot exhaust the stack.
 *
 * Error handling is sticky on both sides: after the first failure every call is a no-op
 * that returns the same status, so callers can encode or decode a whole message and check
 * once at the end.
 */
#ifndef BATON_MSGPACK_H
#define BATON_MSGPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "baton_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ writer */

/** Encodes into a caller-owned buffer. `status` becomes BATON_ERR_NO_SPACE once the buffer is full. */
typedef struct baton_mp_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;
    baton_status_t status;
} baton_mp_writer_t;

void baton_mp_writer_init(baton_mp_writer_t *w, uint8_t *buf, size_t cap);
void baton_mp_write_nil(baton_mp_writer_t *w);
void baton_mp_write_bool(baton_mp_writer_t *w, bool value);
/** Smallest unsigned form (positive fixint, uint8..uint64). */
void baton_mp_write_uint(baton_mp_writer_t *w, uint64_t value);
/** Smallest form; non-negative values use the unsigned forms, as msgpack-c does. */
void baton_mp_write_int(baton_mp_writer_t *w, int64_t value);
void baton_mp_write_float(baton_mp_writer_t *w, float value);
void baton_mp_write_double(baton_mp_writer_t *w, double value);
/** A string of `len` bytes (UTF-8 is the caller's business). */
void baton_mp_write_str(baton_mp_writer_t *w, const char *str, size_t len);
/** A NUL-terminated string. */
void baton_mp_write_cstr(baton_mp_writer_t *w, const char *str);
void baton_mp_write_bin(baton_mp_writer_t *w, const uint8_t *data, size_t len);
/** Array header; exactly `count` values must follow. */
void baton_mp_write_array(baton_mp_writer_t *w, uint32_t count);
/** Map header; exactly `count` key/value pairs must follow. */
void baton_mp_write_map(baton_mp_writer_t *w, uint32_t count);
/** Copies bytes that already are one or more complete msgpack values (e.g. a pre-encoded map). */
void baton_mp_write_raw(baton_mp_writer_t *w, const uint8_t *data, size_t len);

/* ------------------------------------------------------------------ reader */

typedef enum baton_mp_type {
    BATON_MP_NIL,
    BATON_MP_BOOL,
    /** Any non-negative integer (positive fixint, uint*, and int* holding a value >= 0). */
    BATON_MP_UINT,
    /** A negative integer. */
    BATON_MP_INT,
    /** float32 or float64, widened to double. */
    BATON_MP_FLOAT,
    BATON_MP_STR,
    BATON_MP_BIN,
    /** Header only: `count` values follow. */
    BATON_MP_ARRAY,
    /** Header only: `count` key/value pairs follow. */
    BATON_MP_MAP,
    /** ext/fixext: the payload is exposed like bin, the ext type is dropped (Baton never sends one). */
    BATON_MP_EXT,
} baton_mp_type_t;

/** One decoded item. For STR/BIN/EXT, `bytes` points into the reader's input (not NUL-terminated). */
typedef struct baton_mp_value {
    baton_mp_type_t type;
    union {
        bool boolean;
        uint64_t u;
        int64_t i;
        double f;
        uint32_t count;
        struct {
            const uint8_t *ptr;
            uint32_t len;
        } bytes;
    } as;
} baton_mp_value_t;

typedef struct baton_mp_reader {
    const uint8_t *buf;
    size_t len;
    size_t pos;
    baton_status_t status;
} baton_mp_reader_t;

void baton_mp_reader_init(baton_mp_reader_t *r, const uint8_t *buf, size_t len);
/** Reads one item (for containers: only the header). BATON_ERR_TRUNCATED / BATON_ERR_MALFORMED on bad input. */
baton_status_t baton_mp_read(baton_mp_reader_t *r, baton_mp_value_t *out);
/** Skips one complete value including everything nested in it. */
baton_status_t baton_mp_skip(baton_mp_reader_t *r);
/** Reports where the next complete value starts and how long it is, and skips it. */
baton_status_t baton_mp_span(baton_mp_reader_t *r, const uint8_t **start, size_t *len);

/* ------------------------------------------------------------------ map helpers */

/**
 * Looks `key` up in the map that starts at the reader's position (the reader itself is not
 * moved). On success `value_reader` is positioned at the value. A value whose key is not a
 * string is skipped. BATON_ERR_WRONG_TYPE if the value at the position is not a map.
 */
baton_status_t baton_mp_map_find(const baton_mp_reader_t *map, const char *key, baton_mp_reader_t *value_reader);

/** Copies a string value into `out` (NUL-terminated). BATON_ERR_NO_SPACE if it does not fit. */
baton_status_t baton_mp_map_get_str(const baton_mp_reader_t *map, const char *key, char *out, size_t cap);
/**
 * Reads a number that must be a non-negative integer. JavaScript has one number type, so
 * a float holding an exact integer (e.g. 3.0) is accepted; 3.5 or -1 is BATON_ERR_WRONG_TYPE.
 */
baton_status_t baton_mp_map_get_u64(const baton_mp_reader_t *map, const char *key, uint64_t *out);
/** Reads any number (int or float) as a double. */
baton_status_t baton_mp_map_get_double(const baton_mp_reader_t *map, const char *key, double *out);
/** Reads a boolean. */
baton_status_t baton_mp_map_get_bool(const baton_mp_reader_t *map, const char *key, bool *out);
/** Returns the encoded bytes of a value (pointing into the reader's input) without decoding it. */
baton_status_t baton_mp_map_get_raw(const baton_mp_reader_t *map, const char *key, const uint8_t **start, size_t *len);

/** Converts a decoded number to double; BATON_ERR_WRONG_TYPE for non-numbers. */
baton_status_t baton_mp_value_to_double(const baton_mp_value_t *v, double *out);
/** Converts a decoded number to a non-negative integer (see baton_mp_map_get_u64). */
baton_status_t baton_mp_value_to_u64(const baton_mp_value_t *v, uint64_t *out);

#ifdef __cplusplus
}
#endif

#endif /* BATON_MSGPACK_H */
