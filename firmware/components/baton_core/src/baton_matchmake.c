/**
 * @file baton_matchmake.c
 * @brief Matchmaking request/answer and WebSocket URL construction.
 */
#include <stdio.h>
#include <string.h>

#include "baton_json.h"
#include "baton_matchmake.h"
#include "baton_numeric.h"
#include "baton_protocol.h"

bool baton_id_is_safe(const char *id)
{
    if (id == NULL || id[0] == '\0') {
        return false;
    }
    size_t n = 0;
    for (const char *p = id; *p != '\0'; p++, n++) {
        char ch = *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
        if (!ok || n >= BATON_ID_MAX) {
            return false;
        }
    }
    return true;
}

uint32_t baton_parse_retry_after(const char *value)
{
    if (value == NULL) {
        return 0;
    }
    while (*value == ' ' || *value == '\t') {
        value++;
    }
    uint32_t seconds = 0;
    const char *p = value;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (seconds < BATON_RETRY_AFTER_MAX_S) {
            seconds = seconds * 10u + (uint32_t)(*p - '0');
        }
    }
    if (p == value) {
        return 0; /* no digits: an HTTP date or junk */
    }
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
        p++;
    }
    if (*p != '\0') {
        return 0;
    }
    return seconds > BATON_RETRY_AFTER_MAX_S ? BATON_RETRY_AFTER_MAX_S : seconds;
}

/* snprintf that reports truncation as NO_SPACE. */
static baton_status_t fit(int written, size_t cap)
{
    if (written < 0) {
        return BATON_ERR_INVALID_ARG;
    }
    return ((size_t)written < cap) ? BATON_OK : BATON_ERR_NO_SPACE;
}

/* Length of the server URL without trailing slashes. */
static size_t base_len(const char *server_url)
{
    size_t n = strlen(server_url);
    while (n > 0 && server_url[n - 1] == '/') {
        n--;
    }
    return n;
}

baton_status_t baton_matchmake_url(const char *server_url, char *out, size_t cap)
{
    if (server_url == NULL || out == NULL || cap == 0) {
        return BATON_ERR_INVALID_ARG;
    }
    return fit(snprintf(out, cap, "%.*s/matchmake/joinOrCreate/%s", (int)base_len(server_url), server_url,
                        BATON_DEVICE_ROOM_NAME),
               cap);
}

baton_status_t baton_matchmake_body(const char *device_id, char *out, size_t cap)
{
    if (out == NULL || cap == 0) {
        return BATON_ERR_INVALID_ARG;
    }
    if (!baton_id_is_safe(device_id)) {
        return BATON_ERR_CONFIG;
    }
    return fit(snprintf(out, cap, "{\"deviceId\":\"%s\",\"role\":\"%s\"}", device_id, BATON_JOIN_ROLE_DEVICE), cap);
}

static baton_status_t read_id(const char *body, size_t len, const char *key, char *out, size_t cap, bool required)
{
    baton_status_t st = baton_json_get_string(body, len, key, out, cap);
    if (st == BATON_ERR_NOT_FOUND && !required) {
        out[0] = '\0';
        return BATON_OK;
    }
    if (st != BATON_OK) {
        return (st == BATON_ERR_NOT_FOUND || st == BATON_ERR_WRONG_TYPE || st == BATON_ERR_NO_SPACE) ? BATON_ERR_MALFORMED : st;
    }
    return BATON_OK;
}

/* host:port with an optional path is fine; anything that could break the URL is not. */
static bool address_is_safe(const char *s)
{
    for (const char *p = s; *p != '\0'; p++) {
        char ch = *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                  ch == '-' || ch == '_' || ch == ':' || ch == '/' || ch == '[' || ch == ']';
        if (!ok) {
            return false;
        }
    }
    return true;
}

baton_status_t baton_matchmake_parse_seat(const char *body, size_t len, baton_seat_t *seat)
{
    if (body == NULL || seat == NULL) {
        return BATON_ERR_INVALID_ARG;
    }
    memset(seat, 0, sizeof *seat);
    baton_status_t st = read_id(body, len, "sessionId", seat->session_id, sizeof seat->session_id, true);
    if (st == BATON_OK) {
        st = read_id(body, len, "roomId", seat->room_id, sizeof seat->room_id, true);
    }
    if (st == BATON_OK) {
        st = read_id(body, len, "processId", seat->process_id, sizeof seat->process_id, true);
    }
    if (st == BATON_OK) {
        st = read_id(body, len, "publicAddress", seat->public_address, sizeof seat->public_address, false);
    }
    if (st != BATON_OK) {
        return st;
    }
    if (!baton_id_is_safe(seat->session_id) || !baton_id_is_safe(seat->room_id) || !baton_id_is_safe(seat->process_id) ||
        !address_is_safe(seat->public_address)) {
        return BATON_ERR_MALFORMED;
    }
    return BATON_OK;
}

void baton_matchmake_parse_error(const char *body, size_t len, int64_t *code, char *message, size_t cap)
{
    double number = 0;
    if (code != NULL) {
        /* A code that is not a representable integer (1e300, a NaN from strtod) reads as none. */
        *code = 0;
        if (body != NULL && baton_json_get_number(body, len, "code", &number) == BATON_OK) {
            (void)baton_double_to_i64(number, code); /* leaves 0 when it does not fit */
        }
    }
    if (message != NULL && cap > 0) {
        message[0] = '\0';
        if (body != NULL && baton_json_get_string(body, len, "error", message, cap) != BATON_OK) {
            message[0] = '\0';
        }
    }
}

/* A code is capitals and underscores; anything else is not one (a sentence, a proxy's text). */
static bool looks_like_code(const char *text, size_t n)
{
    if (n == 0) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!((text[i] >= 'A' && text[i] <= 'Z') || text[i] == '_')) {
            return false;
        }
    }
    return true;
}

baton_status_t baton_matchmake_parse_error_code(const char *body, size_t len, char *error_code, size_t cap)
{
    if (error_code == NULL || cap == 0) {
        return BATON_ERR_INVALID_ARG;
    }
    error_code[0] = '\0';
    if (body == NULL) {
        return BATON_ERR_NOT_FOUND;
    }
    if (baton_json_get_string(body, len, "errorCode", error_code, cap) == BATON_OK && looks_like_code(error_code, strlen(error_code))) {
        return BATON_OK;
    }
    error_code[0] = '\0';
    /* A server older than the field: the code is the text before the first ": " of `error`. */
    char text[BATON_ERROR_CODE_MAX + 2];
    memset(text, 0, sizeof text);
    /* Only the start matters: a longer sentence fills `text` with its first bytes (NO_SPACE). */
    const baton_status_t read = baton_json_get_string(body, len, "error", text, sizeof text);
    if (read != BATON_OK && read != BATON_ERR_NO_SPACE) {
        return BATON_ERR_NOT_FOUND;
    }
    text[sizeof text - 1] = '\0';
    const char *colon = strstr(text, ": ");
    if (colon == NULL || !looks_like_code(text, (size_t)(colon - text)) || (size_t)(colon - text) >= cap) {
        return BATON_ERR_NOT_FOUND;
    }
    memcpy(error_code, text, (size_t)(colon - text));
    error_code[colon - text] = '\0';
    return BATON_OK;
}

baton_status_t baton_ws_url(const char *server_url, const baton_seat_t *seat, char *out, size_t cap)
{
    if (server_url == NULL || seat == NULL || out == NULL || cap == 0) {
        return BATON_ERR_INVALID_ARG;
    }
    const char *scheme = "ws";
    const char *rest = server_url;
    if (strncmp(server_url, "https://", 8) == 0) {
        scheme = "wss";
        rest = server_url + 8;
    } else if (strncmp(server_url, "http://", 7) == 0) {
        rest = server_url + 7;
    } else {
        return BATON_ERR_CONFIG;
    }
    int host_len = (int)base_len(rest);
    const char *host = rest;
    if (seat->public_address[0] != '\0') {
        host = seat->public_address;
        host_len = (int)base_len(seat->public_address);
    }
    /* skipHandshake=1 leaves the schema reflection out of JOIN_ROOM (~20 bytes instead of ~850):
     * the device never decodes state, so it has no use for it (docs/PROTOCOL.md §2.2). */
    return fit(snprintf(out, cap, "%s://%.*s/%s/%s?sessionId=%s&skipHandshake=1", scheme, host_len, host, seat->process_id,
                        seat->room_id, seat->session_id),
               cap);
}
