/**
 * @file baton_port.h
 * @brief What the device core needs from a platform, as one struct of function pointers.
 *
 * In the style of coreMQTT's TransportInterface_t: the core includes no OS header and
 * reaches sockets, HTTP, time, storage and randomness only through this struct. Two
 * implementations exist: ports/posix (libcurl + libwebsockets + a file) for the host and
 * the virtual device, and ports/espidf (esp_http_client + esp_websocket_client + NVS).
 *
 * Contract common to all members: `ctx` is the port's own pointer, passed back unchanged;
 * functions are called from the one task that drives the runner; none may call back into
 * the runner synchronously (events are delivered later through baton_runner_on_ws_*()).
 */
#ifndef BATON_PORT_H
#define BATON_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "baton_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum baton_log_level {
    BATON_LOG_ERROR,
    BATON_LOG_WARN,
    BATON_LOG_INFO,
    BATON_LOG_DEBUG,
} baton_log_level_t;

typedef struct baton_port {
    void *ctx;

    /**
     * Blocking HTTP POST of a JSON body with `Authorization: Bearer <bearer>`. Writes at most
     * `response_cap` body bytes (a longer body is cut; the session then fails to parse it).
     * Sets `*retry_after_s` from the answer's `Retry-After` header with
     * baton_parse_retry_after() (baton_matchmake.h), 0 when it has none: a throttled device
     * secret's 429 carries it, and the session waits at least that long before asking again.
     * @return BATON_OK with *http_status set for any HTTP answer (including 4xx/5xx), or
     *         BATON_ERR_PORT when there was no answer (DNS, connect, TLS, timeout).
     */
    baton_status_t (*http_post)(void *ctx, const char *url, const char *bearer, const char *json_body, size_t body_len,
                                char *response, size_t response_cap, size_t *response_len, int *http_status,
                                uint32_t *retry_after_s);

    /**
     * Starts opening a WebSocket (binary subprotocol-less, no automatic reconnect). The port
     * later calls baton_runner_on_ws_open() or baton_runner_on_ws_closed() (also when the
     * connection fails to open). Only one socket exists at a time.
     */
    baton_status_t (*ws_open)(void *ctx, const char *url);

    /** Queues one binary message. BATON_ERR_PORT if the socket is not open. */
    baton_status_t (*ws_send)(void *ctx, const uint8_t *data, size_t len);

    /** Closes the socket. After it returns the port delivers no more events for that socket. */
    void (*ws_close)(void *ctx);

    /** Monotonic milliseconds (never goes back; the origin does not matter). */
    uint64_t (*now_ms)(void *ctx);

    /** Reads a stored value. BATON_ERR_NOT_FOUND if absent, BATON_ERR_NO_SPACE if larger than cap. */
    baton_status_t (*kv_get)(void *ctx, const char *key, uint8_t *buf, size_t cap, size_t *len);

    /** Stores a value durably before returning (len 0 erases the key). */
    baton_status_t (*kv_set)(void *ctx, const char *key, const uint8_t *data, size_t len);

    /** Any 32-bit random value (jitter only: need not be cryptographic). */
    uint32_t (*random_u32)(void *ctx);

    /** One log line, without trailing newline. May be NULL. */
    void (*log)(void *ctx, baton_log_level_t level, const char *message);
} baton_port_t;

#ifdef __cplusplus
}
#endif

#endif /* BATON_PORT_H */
