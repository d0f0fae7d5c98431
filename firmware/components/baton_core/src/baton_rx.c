/**
 * @file baton_rx.c
 * @brief Fixed-buffer WebSocket message reassembly.
 */
#include <string.h>

#include "baton_rx.h"

void baton_rx_init(baton_rx_t *rx, uint8_t *buf, size_t cap)
{
    rx->buf = buf;
    rx->cap = cap;
    baton_rx_reset(rx);
}

void baton_rx_reset(baton_rx_t *rx)
{
    rx->len = 0;
    rx->total = 0;
    rx->dropping = false;
    rx->drop_reason = BATON_OK;
}

static void start_drop(baton_rx_t *rx, baton_status_t reason)
{
    rx->dropping = true;
    rx->drop_reason = reason;
    rx->len = 0;
}

/* Ends the current message: either hands it out or reports why it was dropped. */
static baton_status_t finish(baton_rx_t *rx, const uint8_t **message, size_t *message_len)
{
    baton_status_t st = BATON_OK;
    if (rx->dropping) {
        st = rx->drop_reason;
    } else {
        *message = rx->buf;
        *message_len = rx->len;
    }
    /* The bytes stay in buf until the next piece arrives; only the bookkeeping restarts. */
    rx->len = 0;
    rx->total = 0;
    rx->dropping = false;
    rx->drop_reason = BATON_OK;
    return st;
}

static void append(baton_rx_t *rx, const uint8_t *data, size_t len)
{
    if (rx->dropping) {
        return;
    }
    if (len > rx->cap - rx->len) {
        start_drop(rx, BATON_ERR_NO_SPACE);
        return;
    }
    if (len > 0) {
        memcpy(rx->buf + rx->len, data, len);
    }
    rx->len += len;
}

baton_status_t baton_rx_feed_at(baton_rx_t *rx, size_t offset, size_t total, const uint8_t *data, size_t len,
                                const uint8_t **message, size_t *message_len)
{
    if (rx == NULL || message == NULL || message_len == NULL || (data == NULL && len > 0)) {
        return BATON_ERR_INVALID_ARG;
    }
    *message = NULL;
    *message_len = 0;
    if (offset == 0) {
        /* A new message; whatever was partial before is lost (the socket library moved on). */
        baton_rx_reset(rx);
        rx->total = total;
        if (total > rx->cap) {
            start_drop(rx, BATON_ERR_NO_SPACE);
        }
    } else if (!rx->dropping && (offset != rx->len || total != rx->total)) {
        start_drop(rx, BATON_ERR_MALFORMED);
        rx->total = total;
    }
    if (len > total || offset > total - len) {
        /* The piece claims to run past the message end: nothing about it can be trusted. */
        baton_rx_reset(rx);
        return BATON_ERR_MALFORMED;
    }
    append(rx, data, len);
    if (offset + len == total) {
        return finish(rx, message, message_len);
    }
    return BATON_OK;
}

baton_status_t baton_rx_feed(baton_rx_t *rx, bool first, bool final, const uint8_t *data, size_t len,
                             const uint8_t **message, size_t *message_len)
{
    if (rx == NULL || message == NULL || message_len == NULL || (data == NULL && len > 0)) {
        return BATON_ERR_INVALID_ARG;
    }
    *message = NULL;
    *message_len = 0;
    if (first) {
        baton_rx_reset(rx);
    }
    append(rx, data, len);
    return final ? finish(rx, message, message_len) : BATON_OK;
}
