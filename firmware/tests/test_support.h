/**
 * @file test_support.h
 * @brief Shared fixtures for the core's unit tests.
 *
 * Server frames are built with libmsgpack (msgpack-c), not with the code under test, so
 * the decoder is always checked against an independent encoder; frames the device sends
 * are decoded with libmsgpack for the same reason.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include <msgpack.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "baton_session.h"

/* ---- server frames (libmsgpack) */
typedef struct {
    uint8_t bytes[4096];
    size_t len;
} frame_t;

/** JOIN_ROOM with a token and the "schema" serializer, plus two handshake bytes. */
frame_t make_join_room(const char *token);
/**
 * ROOM_DATA `type` with a flat map from `fields`: a NULL-terminated list of
 * (key, kind, value) where kind is 's' (const char *), 'u' (uint64_t), 'd' (double),
 * 'n' (nil, no value), 'm' (a nested map given as const char *key1, const char *val1, NULL).
 */
frame_t make_room_data(const char *type, ...);
frame_t make_welcome(uint64_t epoch, const char *phase, const char *run_id);
frame_t make_start(uint64_t epoch, const char *run_id, const char *session_type);
frame_t make_cancel(uint64_t epoch, const char *run_id);
frame_t make_ack(const char *run_id);

/* ---- the session under test */
typedef struct {
    baton_session_t sm;
    baton_actions_t actions;
    uint64_t now;
    uint32_t random_value;
} fixture_t;


void fx_init(fixture_t *fx, uint32_t max_attempts);
/** Starts, answers matchmaking, opens the socket, delivers JOIN_ROOM: the session is then AWAIT_WELCOME. */
void fx_connect(fixture_t *fx);
/** fx_connect + welcome(epoch, "idle"). */
void fx_join(fixture_t *fx, uint64_t epoch);
void fx_frame(fixture_t *fx, frame_t frame);
void fx_tick(fixture_t *fx, uint64_t advance_ms);
void fx_reset(fixture_t *fx);

/** The n-th (0-based) action of `type`, or NULL. */
const baton_action_t *fx_action(const fixture_t *fx, baton_action_type_t type, int n);
int fx_count(const fixture_t *fx, baton_action_type_t type);
/** The n-th event action of kind `event`, or NULL. */
const baton_action_t *fx_event(const fixture_t *fx, baton_event_t event);

/**
 * Finds the n-th WS_SEND that is ROOM_DATA of `type` and unpacks its payload into `out`
 * (caller destroys it). False if absent.
 */
bool fx_sent(const fixture_t *fx, const char *type, int n, msgpack_unpacked *out);
/** Looks a key up in an unpacked map; NULL if absent. */
const msgpack_object *map_get(const msgpack_object *map, const char *key);
bool obj_str_eq(const msgpack_object *o, const char *s);

#endif /* TEST_SUPPORT_H */
