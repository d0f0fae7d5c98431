/**
 * @file baton_frame.h
 * @brief Colyseus 0.17 WebSocket framing: the first byte is the protocol code.
 *
 * What the device reads and writes (see shared/TOOLCHAIN.md, "Raw protocol"):
 *  - JOIN_ROOM  0x0A: u8 len, reconnection token, u8 len, serializer id, then handshake bytes
 *                     we ignore. The device must answer with the single byte 0x0A.
 *  - ERROR      0x0B: header number code, header string message.
 *  - LEAVE_ROOM 0x0C: no body.
 *  - ROOM_DATA  0x0D: header string (or number) message type, then the msgpack payload.
 * "Header" values are written by @colyseus/schema: msgpack type tags with LITTLE-endian
 * multi-byte lengths and numbers (e.g. ERROR code 4217 is `cd 79 10`); payloads are real,
 * big-endian msgpack.
 *  - ROOM_STATE 0x0E / PATCH 0x0F / ROOM_DATA_BYTES 0x11: not decoded (the device gets no state).
 *  - PING       0x12: the room answers a client PING with a PING.
 */
#ifndef BATON_FRAME_H
#define BATON_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "baton_msgpack.h"
#include "baton_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Colyseus protocol codes (@colyseus/shared-types Protocol). */
enum {
    BATON_COLYSEUS_JOIN_ROOM = 10,
    BATON_COLYSEUS_ERROR = 11,
    BATON_COLYSEUS_LEAVE_ROOM = 12,
    BATON_COLYSEUS_ROOM_DATA = 13,
    BATON_COLYSEUS_ROOM_STATE = 14,
    BATON_COLYSEUS_ROOM_STATE_PATCH = 15,
    BATON_COLYSEUS_ROOM_DATA_SCHEMA = 16,
    BATON_COLYSEUS_ROOM_DATA_BYTES = 17,
    BATON_COLYSEUS_PING = 18,
};

typedef enum baton_frame_kind {
    /** The room accepted the socket; `join` is filled. Answer with baton_frame_write_code(JOIN_ROOM). */
    BATON_FRAME_JOIN_ROOM,
    /** A Colyseus-level error; `error` is filled. */
    BATON_FRAME_ERROR,
    /** The room asks the client to leave. */
    BATON_FRAME_LEAVE,
    /** A room message; `data` is filled. */
    BATON_FRAME_ROOM_DATA,
    /** Answer to our PING (or a server PING). */
    BATON_FRAME_PING,
    /** A well-formed frame the device does not use (state, patches, bytes messages, unknown codes). */
    BATON_FRAME_IGNORED,
} baton_frame_kind_t;

/** A parsed frame. All pointers point into the caller's buffer. */
typedef struct baton_frame {
    baton_frame_kind_t kind;
    uint8_t code;
    struct {
        const char *token;
        size_t token_len;
        const char *serializer;
        size_t serializer_len;
    } join;
    struct {
        int64_t code;
        const char *message;
        size_t message_len;
    } error;
    struct {
        /** The message type if it was a string (NULL when numeric). */
        const char *type;
        size_t type_len;
        /** The message type if it was numeric (Baton never uses this; such frames are ignored by the session). */
        uint64_t type_number;
        /** The msgpack payload (may be empty: Colyseus sends no payload for `undefined`). */
        const uint8_t *payload;
        size_t payload_len;
    } data;
} baton_frame_t;

/**
 * Parses one complete WebSocket binary message.
 * @return BATON_OK, or BATON_ERR_TRUNCATED / BATON_ERR_MALFORMED for frames that cannot
 *         be what they claim to be (an empty message is TRUNCATED).
 */
baton_status_t baton_frame_parse(const uint8_t *buf, size_t len, baton_frame_t *out);

/** Starts a ROOM_DATA frame: writes 0x0D and the type (header encoding); the caller then writes exactly one payload value. Types longer than 65535 bytes are not supported. */
void baton_frame_begin_room_data(baton_mp_writer_t *w, const char *type);

/** Writes a one-byte frame (JOIN_ROOM acknowledgement, PING, LEAVE_ROOM). */
void baton_frame_write_code(baton_mp_writer_t *w, uint8_t code);

/** True if the ROOM_DATA frame's type equals `type`. */
bool baton_frame_type_is(const baton_frame_t *frame, const char *type);

#ifdef __cplusplus
}
#endif

#endif /* BATON_FRAME_H */
