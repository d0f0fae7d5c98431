/**
 * @file baton_json.h
 * @brief A tiny, bounded JSON object reader for the matchmaking answer (and nothing else).
 *
 * The matchmaking response is a flat JSON object of a few strings and numbers. cJSON would
 * do, but allocates and is one more dependency for the portable core; this reader walks the
 * caller's buffer without copying anything but the value asked for, skips nested values by
 * counting brackets (no recursion), and treats every length as untrusted.
 */
#ifndef BATON_JSON_H
#define BATON_JSON_H

#include <stddef.h>

#include "baton_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Copies the string value of top-level `key` into `out` (NUL-terminated, escapes decoded).
 * @return BATON_OK, BATON_ERR_NOT_FOUND, BATON_ERR_WRONG_TYPE (not a string),
 *         BATON_ERR_NO_SPACE, or BATON_ERR_MALFORMED / BATON_ERR_TRUNCATED for bad JSON.
 */
baton_status_t baton_json_get_string(const char *json, size_t len, const char *key, char *out, size_t cap);

/** Reads the number value of top-level `key`. Same errors as baton_json_get_string. */
baton_status_t baton_json_get_number(const char *json, size_t len, const char *key, double *out);

/** Writes `str` as a JSON string literal (with quotes), escaping what JSON requires. */
baton_status_t baton_json_write_string(const char *str, char *out, size_t cap, size_t *written);

#ifdef __cplusplus
}
#endif

#endif /* BATON_JSON_H */
