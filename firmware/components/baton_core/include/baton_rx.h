/**
 * @file baton_rx.h
 * @brief Reassembles one WebSocket binary message from the pieces a socket library delivers.
 *
 * Two delivery styles exist in our ports:
 *  - esp_websocket_client raises one DATA event per buffer-full with `payload_offset` and
 *    the message's total `payload_len` (baton_rx_feed_at);
 *  - libwebsockets delivers consecutive pieces flagged first/final (baton_rx_feed).
 * Both write into one fixed buffer. A message larger than the buffer is dropped whole (the
 * caller is told once, at its last piece); a gap in the offsets drops the message too.
 */
#ifndef BATON_RX_H
#define BATON_RX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "baton_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct baton_rx {
    uint8_t *buf;
    size_t cap;
    /** Bytes of the current message received so far. */
    size_t len;
    /** Total length announced for the current message (feed_at style only). */
    size_t total;
    /** The current message is being discarded until its last piece. */
    bool dropping;
    /** Why it is being discarded (BATON_ERR_NO_SPACE or BATON_ERR_MALFORMED). */
    baton_status_t drop_reason;
} baton_rx_t;

void baton_rx_init(baton_rx_t *rx, uint8_t *buf, size_t cap);

/**
 * Feeds a piece at `offset` of a message of `total` bytes.
 * @return BATON_OK with *message set when the message is complete, BATON_OK with *message
 *         NULL while pieces are missing, or the drop reason at the last piece of a dropped message.
 */
baton_status_t baton_rx_feed_at(baton_rx_t *rx, size_t offset, size_t total, const uint8_t *data, size_t len,
                                const uint8_t **message, size_t *message_len);

/** Feeds consecutive pieces; `final` marks the last one. Same results as baton_rx_feed_at. */
baton_status_t baton_rx_feed(baton_rx_t *rx, bool first, bool final, const uint8_t *data, size_t len,
                             const uint8_t **message, size_t *message_len);

/** Forgets any partial message (call when the socket closes). */
void baton_rx_reset(baton_rx_t *rx);

#ifdef __cplusplus
}
#endif

#endif /* BATON_RX_H */
