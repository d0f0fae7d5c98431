/**
 * @file baton_matchmake.h
 * @brief The HTTP half of joining: the matchmaking request, its answer, and the WebSocket URL.
 *
 * `POST <server>/matchmake/joinOrCreate/device` with `{"deviceId":…,"role":"device"}` and
 * the device secret as bearer token. 200 answers carry the seat reservation
 * `{name, sessionId, roomId, processId, publicAddress?, devMode?}`; errors carry the code as
 * the HTTP status and `{code, error}` in the body.
 */
#ifndef BATON_MATCHMAKE_H
#define BATON_MATCHMAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "baton_config.h"
#include "baton_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A seat reservation: what the WebSocket URL is built from. */
typedef struct baton_seat {
    char session_id[BATON_ID_MAX + 1];
    char room_id[BATON_ID_MAX + 1];
    char process_id[BATON_ID_MAX + 1];
    /** host:port of the process that holds the room when the cluster sets one; "" otherwise. */
    char public_address[BATON_ID_MAX + 1];
} baton_seat_t;

/**
 * True if `id` is 1..BATON_ID_MAX characters of [A-Za-z0-9_-]: what Colyseus accepts in a
 * room URL path, and what needs no escaping in a URL or in JSON.
 */
bool baton_id_is_safe(const char *id);

/** `<server_url>/matchmake/joinOrCreate/device` (a trailing '/' on server_url is tolerated). */
baton_status_t baton_matchmake_url(const char *server_url, char *out, size_t cap);

/** The JSON join options `{"deviceId":"<id>","role":"device"}`. */
baton_status_t baton_matchmake_body(const char *device_id, char *out, size_t cap);

/**
 * Parses a 200 answer. Every id must pass baton_id_is_safe (the ids go into a URL
 * unescaped); anything else is BATON_ERR_MALFORMED.
 */
baton_status_t baton_matchmake_parse_seat(const char *body, size_t len, baton_seat_t *seat);

/**
 * Parses an error answer `{code, error}`. Missing fields leave `*code` 0 and `message` "".
 * Never fails on a body that is not JSON (proxies answer HTML): the result is just empty.
 */
void baton_matchmake_parse_error(const char *body, size_t len, int64_t *code, char *message, size_t cap);

/** Room for a Baton error code and its terminator (the longest code today has 21 characters). */
#define BATON_ERROR_CODE_MAX 40u

/**
 * Reads the Baton error code of a refused matchmaking answer: its `errorCode` field
 * (`{code, error, errorCode}`, docs/PROTOCOL.md "Join refusals"). A server that predates the
 * field wrote the code only as the start of `error` (`"UNAUTHORIZED: …"`); then that prefix is
 * taken. Leaves `error_code` "" when the answer names no code (a proxy's page, not JSON).
 * @param body   the answer's body (need not be NUL-terminated)
 * @param len    its length in bytes
 * @param error_code  receives the code, NUL-terminated; BATON_ERROR_CODE_MAX bytes suffice
 * @param cap    size of `error_code`
 * @return BATON_OK when a code was read; BATON_ERR_NOT_FOUND when none was;
 *         BATON_ERR_INVALID_ARG for a NULL `error_code` or a zero `cap`
 */
baton_status_t baton_matchmake_parse_error_code(const char *body, size_t len, char *error_code, size_t cap);

/** The longest wait a `Retry-After` is taken for (an hour): a bogus header cannot park a device for good. */
#define BATON_RETRY_AFTER_MAX_S 3600u

/**
 * Parses a `Retry-After` header value as the server sends it on a throttled matchmaking
 * answer (429; docs/PROTOCOL.md): delta-seconds, e.g. "4", surrounding blanks allowed.
 * An HTTP date is not understood (a device may have no wall clock) and gives 0, as does
 * NULL or anything malformed; values above BATON_RETRY_AFTER_MAX_S are capped.
 * @return the wait in seconds; 0 when there is none to honour.
 */
uint32_t baton_parse_retry_after(const char *value);

/**
 * `ws://host:port/<processId>/<roomId>?sessionId=<sessionId>&skipHandshake=1`. The host is the seat's
 * publicAddress when present, else the server URL's; https servers give wss URLs.
 */
baton_status_t baton_ws_url(const char *server_url, const baton_seat_t *seat, char *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* BATON_MATCHMAKE_H */
