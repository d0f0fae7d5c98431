/**
 * @file baton_json.c
 * @brief Bounded JSON object lookup: find a top-level key, decode its string or number value.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baton_json.h"

/* Longest key we compare; longer keys are skipped (they cannot be one of ours). */
#define JSON_KEY_MAX 32

typedef struct {
    const char *s;
    size_t len;
    size_t pos;
} cursor_t;

static void skip_ws(cursor_t *c)
{
    while (c->pos < c->len && (c->s[c->pos] == ' ' || c->s[c->pos] == '\t' || c->s[c->pos] == '\n' || c->s[c->pos] == '\r')) {
        c->pos++;
    }
}

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }
    return -1;
}

/* Appends one byte to out (if out is given); NO_SPACE keeps one byte for the NUL. */
static baton_status_t put(char *out, size_t cap, size_t *n, char ch)
{
    if (out != NULL) {
        if (*n + 1 >= cap) {
            return BATON_ERR_NO_SPACE;
        }
        out[*n] = ch;
    }
    (*n)++;
    return BATON_OK;
}

static baton_status_t read_hex4(cursor_t *c, unsigned *out)
{
    if (c->len - c->pos < 4) {
        return BATON_ERR_TRUNCATED;
    }
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_value(c->s[c->pos++]);
        if (h < 0) {
            return BATON_ERR_MALFORMED;
        }
        v = (v << 4) | (unsigned)h;
    }
    *out = v;
    return BATON_OK;
}

/* Encodes a code point as UTF-8. */
static baton_status_t put_utf8(char *out, size_t cap, size_t *n, unsigned cp)
{
    baton_status_t st = BATON_OK;
    if (cp < 0x80) {
        st = put(out, cap, n, (char)cp);
    } else if (cp < 0x800) {
        if ((st = put(out, cap, n, (char)(0xc0 | (cp >> 6)))) == BATON_OK) {
            st = put(out, cap, n, (char)(0x80 | (cp & 0x3f)));
        }
    } else if (cp < 0x10000) {
        if ((st = put(out, cap, n, (char)(0xe0 | (cp >> 12)))) == BATON_OK &&
            (st = put(out, cap, n, (char)(0x80 | ((cp >> 6) & 0x3f)))) == BATON_OK) {
            st = put(out, cap, n, (char)(0x80 | (cp & 0x3f)));
        }
    } else {
        if ((st = put(out, cap, n, (char)(0xf0 | (cp >> 18)))) == BATON_OK &&
            (st = put(out, cap, n, (char)(0x80 | ((cp >> 12) & 0x3f)))) == BATON_OK &&
            (st = put(out, cap, n, (char)(0x80 | ((cp >> 6) & 0x3f)))) == BATON_OK) {
            st = put(out, cap, n, (char)(0x80 | (cp & 0x3f)));
        }
    }
    return st;
}

/*
 * Reads a string literal at the cursor (which must be at the opening quote). With out ==
 * NULL the string is only skipped. Escapes are decoded; \u surrogate pairs are combined.
 */
static baton_status_t read_string(cursor_t *c, char *out, size_t cap, size_t *out_len)
{
    size_t n = 0;
    if (c->pos >= c->len || c->s[c->pos] != '"') {
        return BATON_ERR_WRONG_TYPE;
    }
    c->pos++;
    while (c->pos < c->len) {
        char ch = c->s[c->pos++];
        baton_status_t st = BATON_OK;
        if (ch == '"') {
            if (out != NULL) {
                out[n] = '\0';
            }
            if (out_len != NULL) {
                *out_len = n;
            }
            return BATON_OK;
        }
        if ((unsigned char)ch < 0x20) {
            return BATON_ERR_MALFORMED; /* raw control characters are not allowed in JSON strings */
        }
        if (ch != '\\') {
            st = put(out, cap, &n, ch);
        } else {
            if (c->pos >= c->len) {
                return BATON_ERR_TRUNCATED;
            }
            char esc = c->s[c->pos++];
            switch (esc) {
            case '"': case '\\': case '/':
                st = put(out, cap, &n, esc);
                break;
            case 'b': st = put(out, cap, &n, '\b'); break;
            case 'f': st = put(out, cap, &n, '\f'); break;
            case 'n': st = put(out, cap, &n, '\n'); break;
            case 'r': st = put(out, cap, &n, '\r'); break;
            case 't': st = put(out, cap, &n, '\t'); break;
            case 'u': {
                unsigned cp;
                st = read_hex4(c, &cp);
                if (st == BATON_OK && cp >= 0xd800 && cp <= 0xdbff) {
                    unsigned low;
                    if (c->len - c->pos < 2 || c->s[c->pos] != '\\' || c->s[c->pos + 1] != 'u') {
                        return BATON_ERR_MALFORMED;
                    }
                    c->pos += 2;
                    st = read_hex4(c, &low);
                    if (st == BATON_OK && (low < 0xdc00 || low > 0xdfff)) {
                        return BATON_ERR_MALFORMED;
                    }
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                } else if (st == BATON_OK && cp >= 0xdc00 && cp <= 0xdfff) {
                    return BATON_ERR_MALFORMED;
                }
                if (st == BATON_OK) {
                    st = put_utf8(out, cap, &n, cp);
                }
                break;
            }
            default:
                return BATON_ERR_MALFORMED;
            }
        }
        if (st != BATON_OK) {
            return st;
        }
    }
    return BATON_ERR_TRUNCATED;
}

/* Skips any value: strings by their quotes, containers by counting brackets, scalars by their characters. */
static baton_status_t skip_value(cursor_t *c)
{
    skip_ws(c);
    if (c->pos >= c->len) {
        return BATON_ERR_TRUNCATED;
    }
    char first = c->s[c->pos];
    if (first == '"') {
        return read_string(c, NULL, 0, NULL);
    }
    if (first == '{' || first == '[') {
        size_t depth = 0;
        while (c->pos < c->len) {
            char ch = c->s[c->pos];
            if (ch == '"') {
                baton_status_t st = read_string(c, NULL, 0, NULL);
                if (st != BATON_OK) {
                    return st;
                }
                continue;
            }
            c->pos++;
            if (ch == '{' || ch == '[') {
                depth++;
            } else if (ch == '}' || ch == ']') {
                if (--depth == 0) {
                    return BATON_OK;
                }
            }
        }
        return BATON_ERR_TRUNCATED;
    }
    size_t start = c->pos;
    while (c->pos < c->len && strchr("+-0123456789.eEtruefalsn", c->s[c->pos]) != NULL) {
        c->pos++;
    }
    return c->pos > start ? BATON_OK : BATON_ERR_MALFORMED;
}

/* Positions the cursor at the value of top-level `key`. */
static baton_status_t find_key(const char *json, size_t len, const char *key, cursor_t *c)
{
    if (json == NULL || key == NULL) {
        return BATON_ERR_INVALID_ARG;
    }
    c->s = json;
    c->len = len;
    c->pos = 0;
    skip_ws(c);
    if (c->pos >= c->len) {
        return BATON_ERR_TRUNCATED;
    }
    if (c->s[c->pos] != '{') {
        return BATON_ERR_MALFORMED;
    }
    c->pos++;
    for (;;) {
        skip_ws(c);
        if (c->pos >= c->len) {
            return BATON_ERR_TRUNCATED;
        }
        if (c->s[c->pos] == '}') {
            return BATON_ERR_NOT_FOUND;
        }
        char name[JSON_KEY_MAX + 1];
        const size_t key_start = c->pos;
        baton_status_t st = read_string(c, name, sizeof name, NULL);
        bool compare = (st == BATON_OK);
        if (st == BATON_ERR_NO_SPACE) {
            /* A key longer than any of ours: read it again, only to skip it. */
            c->pos = key_start;
            st = read_string(c, NULL, 0, NULL);
        }
        if (st == BATON_ERR_WRONG_TYPE) {
            return BATON_ERR_MALFORMED;
        }
        if (st != BATON_OK) {
            return st;
        }
        skip_ws(c);
        if (c->pos >= c->len) {
            return BATON_ERR_TRUNCATED;
        }
        if (c->s[c->pos] != ':') {
            return BATON_ERR_MALFORMED;
        }
        c->pos++;
        skip_ws(c);
        if (compare && strcmp(name, key) == 0) {
            return BATON_OK;
        }
        st = skip_value(c);
        if (st != BATON_OK) {
            return st;
        }
        skip_ws(c);
        if (c->pos >= c->len) {
            return BATON_ERR_TRUNCATED;
        }
        if (c->s[c->pos] == ',') {
            c->pos++;
        } else if (c->s[c->pos] != '}') {
            return BATON_ERR_MALFORMED;
        }
    }
}

baton_status_t baton_json_get_string(const char *json, size_t len, const char *key, char *out, size_t cap)
{
    if (out == NULL || cap == 0) {
        return BATON_ERR_INVALID_ARG;
    }
    cursor_t c;
    baton_status_t st = find_key(json, len, key, &c);
    if (st != BATON_OK) {
        return st;
    }
    if (c.pos >= c.len) {
        return BATON_ERR_TRUNCATED;
    }
    if (c.s[c.pos] != '"') {
        return BATON_ERR_WRONG_TYPE;
    }
    return read_string(&c, out, cap, NULL);
}

baton_status_t baton_json_get_number(const char *json, size_t len, const char *key, double *out)
{
    if (out == NULL) {
        return BATON_ERR_INVALID_ARG;
    }
    cursor_t c;
    baton_status_t st = find_key(json, len, key, &c);
    if (st != BATON_OK) {
        return st;
    }
    /* strtod needs a NUL-terminated copy; numbers longer than this are not ours. */
    char digits[40];
    size_t n = 0;
    while (c.pos < c.len && n < sizeof digits - 1 && strchr("+-0123456789.eE", c.s[c.pos]) != NULL) {
        digits[n++] = c.s[c.pos++];
    }
    digits[n] = '\0';
    if (n == 0) {
        return BATON_ERR_WRONG_TYPE;
    }
    char *end = NULL;
    double v = strtod(digits, &end);
    if (end == NULL || *end != '\0') {
        return BATON_ERR_MALFORMED;
    }
    *out = v;
    return BATON_OK;
}

baton_status_t baton_json_write_string(const char *str, char *out, size_t cap, size_t *written)
{
    if (str == NULL || out == NULL || cap == 0) {
        return BATON_ERR_INVALID_ARG;
    }
    size_t n = 0;
    baton_status_t st = put(out, cap, &n, '"');
    for (const char *p = str; st == BATON_OK && *p != '\0'; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '"' || ch == '\\') {
            if ((st = put(out, cap, &n, '\\')) == BATON_OK) {
                st = put(out, cap, &n, (char)ch);
            }
        } else if (ch < 0x20) {
            char esc[8];
            snprintf(esc, sizeof esc, "\\u%04x", ch);
            for (const char *e = esc; st == BATON_OK && *e != '\0'; e++) {
                st = put(out, cap, &n, *e);
            }
        } else {
            st = put(out, cap, &n, (char)ch);
        }
    }
    if (st == BATON_OK) {
        st = put(out, cap, &n, '"');
    }
    if (st != BATON_OK) {
        return st;
    }
    out[n] = '\0';
    if (written != NULL) {
        *written = n;
    }
    return BATON_OK;
}
