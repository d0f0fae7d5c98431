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
    rx->in_message = false;
    rx->skipping = false;
    rx->frame_len = 0;
    rx->frame_received = 0;
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
    baton_rx_reset(rx);
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

/* The first piece of a frame: a data frame begins a message, a continuation extends one. */
static void begin_frame(baton_rx_t *rx, uint8_t op_code, size_t frame_len)
{
    if (op_code == BATON_WS_OPCODE_CONTINUATION) {
        if (!rx->in_message) {
            /* Nothing to continue (its start was lost, or the peer broke the protocol). */
            baton_rx_reset(rx);
            rx->in_message = true;
            start_drop(rx, BATON_ERR_MALFORMED);
        }
    } else {
        /* A new message; one still unfinished is lost (a peer must not interleave messages). */
        baton_rx_reset(rx);
        rx->in_message = true;
        rx->skipping = op_code != BATON_WS_OPCODE_BINARY; /* text: not part of the Colyseus protocol */
    }
    rx->frame_len = frame_len;
    rx->frame_received = 0;
}

baton_status_t baton_rx_feed_frame(baton_rx_t *rx, uint8_t op_code, bool fin, size_t offset, size_t frame_len,
                                   const uint8_t *data, size_t len, const uint8_t **message, size_t *message_len)
{
    if (rx == NULL || message == NULL || message_len == NULL || (data == NULL && len > 0)) {
        return BATON_ERR_INVALID_ARG;
    }
    *message = NULL;
    *message_len = 0;
    if (op_code >= BATON_WS_OPCODE_FIRST_CONTROL) {
        return BATON_OK; /* control frames may come between the frames of a message: leave it be */
    }
    if (len > frame_len || offset > frame_len - len) {
        /* The piece claims to run past its frame's end: nothing about this message can be trusted. */
        baton_rx_reset(rx);
        return BATON_ERR_MALFORMED;
    }
    if (offset == 0) {
        begin_frame(rx, op_code, frame_len);
    } else if (!rx->in_message || offset != rx->frame_received || frame_len != rx->frame_len) {
        /* A gap, or the rest of a frame whose start we never saw. */
        if (!rx->in_message) {
            baton_rx_reset(rx);
            rx->in_message = true;
        }
        if (!rx->dropping) {
            start_drop(rx, BATON_ERR_MALFORMED);
        }
        rx->frame_len = frame_len;
        rx->frame_received = offset;
    }
    if (!rx->skipping) {
        append(rx, data, len);
    }
    rx->frame_received += len;
    if (rx->frame_received < rx->frame_len || !fin) {
        return BATON_OK; /* more of this frame, or more frames of this message, to come */
    }
    if (rx->skipping) {
        baton_rx_reset(rx);
        return BATON_OK;
    }
    return finish(rx, message, message_len);
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
