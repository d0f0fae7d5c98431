/**
 * @file baton_rx.h
 * @brief Reassembles one WebSocket binary message from the pieces a socket library delivers.
 *
 * Two delivery styles exist in our ports:
 *  - esp_websocket_client raises one DATA event per buffer-full of a WebSocket *frame*, with
 *    the frame's op code, its FIN bit, its `payload_len` and the piece's `payload_offset`
 *    within it (baton_rx_feed_frame). A message may span several frames (RFC 6455 §5.4:
 *    a binary frame without FIN, then continuation frames, op code 0, until one with FIN),
 *    and control frames (ping, pong, close) may arrive between them;
 *  - libwebsockets delivers consecutive pieces of a message flagged first/final (baton_rx_feed).
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
    /** feed_frame style: a data message has begun and its FIN frame has not arrived yet. */
    bool in_message;
    /** feed_frame style: the current message is text (not part of the protocol): skipped. */
    bool skipping;
    /** feed_frame style: payload length of the current frame, and bytes of it received so far. */
    size_t frame_len;
    size_t frame_received;
    /** The current message is being discarded until its last piece. */
    bool dropping;
    /** Why it is being discarded (BATON_ERR_NO_SPACE or BATON_ERR_MALFORMED). */
    baton_status_t drop_reason;
} baton_rx_t;

void baton_rx_init(baton_rx_t *rx, uint8_t *buf, size_t cap);

/** WebSocket op codes (RFC 6455 §5.2) as baton_rx_feed_frame reads them. */
#define BATON_WS_OPCODE_CONTINUATION 0x0
#define BATON_WS_OPCODE_TEXT 0x1
#define BATON_WS_OPCODE_BINARY 0x2
/** Op codes from 0x8 up are control frames (close, ping, pong): never part of a message. */
#define BATON_WS_OPCODE_FIRST_CONTROL 0x8

/**
 * Feeds a piece of `len` bytes at `offset` of a frame with op code `op_code`, FIN bit `fin`
 * and a payload of `frame_len` bytes. Binary messages are reassembled across continuation
 * frames; text messages (and their continuations) and control frames are skipped.
 * @return BATON_OK with *message set when a binary message is complete (its last frame has
 *         FIN and all of its bytes arrived), BATON_OK with *message NULL otherwise, or the
 *         drop reason at the last piece of a dropped message: BATON_ERR_NO_SPACE (larger than
 *         the buffer), BATON_ERR_MALFORMED (a gap in the offsets, a continuation with no
 *         message begun, a piece past its frame's end).
 */
baton_status_t baton_rx_feed_frame(baton_rx_t *rx, uint8_t op_code, bool fin, size_t offset, size_t frame_len,
                                   const uint8_t *data, size_t len, const uint8_t **message, size_t *message_len);

/** Feeds consecutive pieces; `final` marks the last one. Same results as baton_rx_feed_frame. */
baton_status_t baton_rx_feed(baton_rx_t *rx, bool first, bool final, const uint8_t *data, size_t len,
                             const uint8_t **message, size_t *message_len);

/** Forgets any partial message (call when the socket closes). */
void baton_rx_reset(baton_rx_t *rx);

#ifdef __cplusplus
}
#endif

#endif /* BATON_RX_H */
