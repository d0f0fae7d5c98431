/**
 * @file espidf_internal.h
 * @brief The port's member functions, shared between its source files.
 */
#ifndef ESPIDF_INTERNAL_H
#define ESPIDF_INTERNAL_H

#include "baton_espidf.h"

baton_status_t espidf_http_post(void *ctx, const char *url, const char *bearer, const char *json_body, size_t body_len,
                                char *response, size_t response_cap, size_t *response_len, int *http_status,
                                uint32_t *retry_after_s);
baton_status_t espidf_ws_open(void *ctx, const char *url);
baton_status_t espidf_ws_send(void *ctx, const uint8_t *data, size_t len);
void espidf_ws_close(void *ctx);
baton_status_t espidf_kv_get(void *ctx, const char *key, uint8_t *buf, size_t cap, size_t *len);
baton_status_t espidf_kv_set(void *ctx, const char *key, const uint8_t *data, size_t len);

/** How esp_http_client and esp_websocket_client verify the server (Kconfig BATON_TLS_VERIFY). */
typedef struct {
    /** esp_crt_bundle_attach with BATON_TLS_CRT_BUNDLE, else NULL. */
    esp_err_t (*crt_bundle_attach)(void *conf);
    /** The embedded CA (NUL-terminated PEM) with BATON_TLS_CUSTOM_CA, else NULL. */
    const char *cert_pem;
} espidf_tls_t;
espidf_tls_t espidf_tls_settings(void);

/** Ring buffer items: a header, then the message bytes for EVENT_MESSAGE. */
typedef enum { ESPIDF_EVENT_OPEN = 1, ESPIDF_EVENT_MESSAGE = 2, ESPIDF_EVENT_CLOSED = 3 } espidf_event_kind_t;
typedef struct {
    uint8_t kind;
    uint16_t close_code;
    uint32_t generation;
    /** baton_handoff_stamp(): a gap means an event of this socket was dropped (baton_handoff.h). */
    uint32_t seq;
} espidf_event_header_t;

#endif /* ESPIDF_INTERNAL_H */
