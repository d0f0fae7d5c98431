/**
 * @file test_support.c
 * @brief Fixtures for the unit tests (see test_support.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "baton_frame.h"
#include "test_support.h"

/* [{name:"weighing", inputSchema:{type:"object"}, maxDurationMs:30000},
 *  {name:"printing", inputSchema:{type:"object"}, maxDurationMs:600000, stepTimeoutMs:30000}] */
static uint8_t session_types_buf[256];
static size_t session_types_len;

static void pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

static void build_session_types(void)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 2);
    msgpack_pack_map(&pk, 3);
    pack_str(&pk, "name");
    pack_str(&pk, "weighing");
    pack_str(&pk, "inputSchema");
    msgpack_pack_map(&pk, 1);
    pack_str(&pk, "type");
    pack_str(&pk, "object");
    pack_str(&pk, "maxDurationMs");
    msgpack_pack_uint32(&pk, 30000);
    msgpack_pack_map(&pk, 4);
    pack_str(&pk, "name");
    pack_str(&pk, "printing");
    pack_str(&pk, "inputSchema");
    msgpack_pack_map(&pk, 1);
    pack_str(&pk, "type");
    pack_str(&pk, "object");
    pack_str(&pk, "maxDurationMs");
    msgpack_pack_uint32(&pk, 600000);
    pack_str(&pk, "stepTimeoutMs");
    msgpack_pack_uint32(&pk, 30000);
    memcpy(session_types_buf, sb.data, sb.size);
    session_types_len = sb.size;
    msgpack_sbuffer_destroy(&sb);
}

frame_t make_join_room(const char *token)
{
    frame_t f;
    size_t n = strlen(token);
    f.len = 0;
    f.bytes[f.len++] = BATON_COLYSEUS_JOIN_ROOM;
    f.bytes[f.len++] = (uint8_t)n;
    memcpy(f.bytes + f.len, token, n);
    f.len += n;
    f.bytes[f.len++] = 6;
    memcpy(f.bytes + f.len, "schema", 6);
    f.len += 6;
    f.bytes[f.len++] = 0x01; /* handshake bytes the device ignores */
    f.bytes[f.len++] = 0x02;
    return f;
}

static frame_t finish(msgpack_sbuffer *sb)
{
    frame_t f;
    assert_true(sb->size <= sizeof f.bytes);
    memcpy(f.bytes, sb->data, sb->size);
    f.len = sb->size;
    msgpack_sbuffer_destroy(sb);
    return f;
}

/* Counts the (key, kind, value) triples of a va_list without consuming it. */
static uint32_t count_fields(va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    uint32_t n = 0;
    const char *key;
    while ((key = va_arg(copy, const char *)) != NULL) {
        int kind = va_arg(copy, int);
        switch (kind) {
        case 's': (void)va_arg(copy, const char *); break;
        case 'u': (void)va_arg(copy, uint64_t); break;
        case 'd': (void)va_arg(copy, double); break;
        case 'm':
            while (va_arg(copy, const char *) != NULL) {
                (void)va_arg(copy, const char *);
            }
            break;
        default: break;
        }
        n++;
    }
    va_end(copy);
    return n;
}

frame_t make_room_data(const char *type, ...)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    const char code = BATON_COLYSEUS_ROOM_DATA;
    msgpack_sbuffer_write(&sb, &code, 1);
    pack_str(&pk, type);
    va_list ap;
    va_start(ap, type);
    msgpack_pack_map(&pk, count_fields(ap));
    const char *key;
    while ((key = va_arg(ap, const char *)) != NULL) {
        pack_str(&pk, key);
        int kind = va_arg(ap, int);
        switch (kind) {
        case 's': pack_str(&pk, va_arg(ap, const char *)); break;
        case 'u': msgpack_pack_uint64(&pk, va_arg(ap, uint64_t)); break;
        case 'd': msgpack_pack_double(&pk, va_arg(ap, double)); break;
        case 'n': msgpack_pack_nil(&pk); break;
        case 'm': {
            const char *pairs[16];
            int count = 0;
            const char *k;
            while ((k = va_arg(ap, const char *)) != NULL && count < 16) {
                pairs[count++] = k;
                pairs[count++] = va_arg(ap, const char *);
            }
            msgpack_pack_map(&pk, (size_t)count / 2);
            for (int i = 0; i < count; i++) {
                pack_str(&pk, pairs[i]);
            }
            break;
        }
        default: fail_msg("bad field kind %c", kind);
        }
    }
    va_end(ap);
    return finish(&sb);
}

frame_t make_welcome(uint64_t epoch, const char *phase, const char *run_id)
{
    if (run_id == NULL) {
        return make_room_data("welcome", "epoch", 'u', epoch, "phase", 's', phase, NULL);
    }
    return make_room_data("welcome", "epoch", 'u', epoch, "phase", 's', phase, "runId", 's', run_id, NULL);
}

frame_t make_start(uint64_t epoch, const char *run_id, const char *session_type)
{
    return make_room_data("start", "epoch", 'u', epoch, "runId", 's', run_id, "sessionType", 's', session_type, "input", 'm',
                          "userGender", "other", NULL, "deadlineMs", 'u', (uint64_t)20000, NULL);
}

frame_t make_cancel(uint64_t epoch, const char *run_id)
{
    return make_room_data("cancel", "epoch", 'u', epoch, "runId", 's', run_id, NULL);
}

frame_t make_ack(const char *run_id)
{
    return make_room_data("ack", "runId", 's', run_id, NULL);
}

static uint32_t fixed_random(void *ctx)
{
    return ((fixture_t *)ctx)->random_value;
}

void fx_init(fixture_t *fx, uint32_t max_attempts)
{
    memset(fx, 0, sizeof *fx);
    build_session_types();
    fx->now = 1000;
    baton_session_config_t config = {
        .server_url = "http://127.0.0.1:2567",
        .device_id = "scale-1",
        .firmware = "test/1",
        .session_types = session_types_buf,
        .session_types_len = session_types_len,
        .heartbeat_interval_ms = 5000,
        .step_timeout_ms = 10000,
        .backoff = {.initial_delay_ms = 1000, .max_delay_ms = 8000, .max_attempts = max_attempts},
        .random = fixed_random,
        .random_ctx = fx,
    };
    assert_int_equal(baton_session_init(&fx->sm, &config), BATON_OK);
    baton_actions_reset(&fx->actions);
}

void fx_reset(fixture_t *fx)
{
    baton_actions_reset(&fx->actions);
}

void fx_connect(fixture_t *fx)
{
    static const char seat[] = "{\"name\":\"device\",\"sessionId\":\"S1\",\"roomId\":\"scale-1\",\"processId\":\"P1\"}";
    fx_reset(fx);
    if (fx->sm.state == BATON_CONN_STOPPED) {
        baton_session_start(&fx->sm, fx->now, &fx->actions);
    } else {
        /* Waiting on the backoff: jump past it. */
        assert_int_equal(fx->sm.state, BATON_CONN_WAITING);
        fx->now = fx->sm.step_deadline_ms;
        baton_session_on_tick(&fx->sm, fx->now, &fx->actions);
    }
    assert_non_null(fx_action(fx, BATON_ACTION_HTTP_POST, 0));
    fx_reset(fx);
    baton_session_on_matchmake_response(&fx->sm, 200, seat, strlen(seat), fx->now, &fx->actions);
    const baton_action_t *open = fx_action(fx, BATON_ACTION_WS_OPEN, 0);
    assert_non_null(open);
    assert_string_equal(open->text, "ws://127.0.0.1:2567/P1/scale-1?sessionId=S1&skipHandshake=1");
    fx_reset(fx);
    baton_session_on_ws_open(&fx->sm, fx->now, &fx->actions);
    fx_frame(fx, make_join_room("token-1"));
    assert_int_equal(fx->sm.state, BATON_CONN_AWAIT_WELCOME);
}

void fx_join(fixture_t *fx, uint64_t epoch)
{
    fx_connect(fx);
    fx_frame(fx, make_welcome(epoch, "idle", NULL));
    assert_int_equal(fx->sm.state, BATON_CONN_ONLINE);
}

void fx_frame(fixture_t *fx, frame_t frame)
{
    fx_reset(fx);
    baton_session_on_frame(&fx->sm, frame.bytes, frame.len, fx->now, &fx->actions);
}

void fx_tick(fixture_t *fx, uint64_t advance_ms)
{
    fx_reset(fx);
    fx->now += advance_ms;
    baton_session_on_tick(&fx->sm, fx->now, &fx->actions);
}

const baton_action_t *fx_action(const fixture_t *fx, baton_action_type_t type, int n)
{
    for (size_t i = 0; i < fx->actions.count; i++) {
        if (fx->actions.items[i].type == type && n-- == 0) {
            return &fx->actions.items[i];
        }
    }
    return NULL;
}

int fx_count(const fixture_t *fx, baton_action_type_t type)
{
    int n = 0;
    for (size_t i = 0; i < fx->actions.count; i++) {
        n += fx->actions.items[i].type == type;
    }
    return n;
}

const baton_action_t *fx_event(const fixture_t *fx, baton_event_t event)
{
    for (size_t i = 0; i < fx->actions.count; i++) {
        if (fx->actions.items[i].type == BATON_ACTION_EVENT && fx->actions.items[i].event == event) {
            return &fx->actions.items[i];
        }
    }
    return NULL;
}

bool fx_sent(const fixture_t *fx, const char *type, int n, msgpack_unpacked *out)
{
    for (int i = 0; i < fx_count(fx, BATON_ACTION_WS_SEND); i++) {
        const baton_action_t *a = fx_action(fx, BATON_ACTION_WS_SEND, i);
        if (a->len < 2 || a->data[0] != BATON_COLYSEUS_ROOM_DATA) {
            continue;
        }
        msgpack_unpacked type_obj;
        msgpack_unpacked_init(&type_obj);
        size_t off = 1;
        assert_int_equal(msgpack_unpack_next(&type_obj, (const char *)a->data, a->len, &off), MSGPACK_UNPACK_SUCCESS);
        bool match = obj_str_eq(&type_obj.data, type);
        msgpack_unpacked_destroy(&type_obj);
        if (match && n-- == 0) {
            msgpack_unpacked_init(out);
            assert_int_equal(msgpack_unpack_next(out, (const char *)a->data, a->len, &off), MSGPACK_UNPACK_SUCCESS);
            assert_int_equal(off, a->len); /* exactly one payload value */
            return true;
        }
    }
    return false;
}

const msgpack_object *map_get(const msgpack_object *map, const char *key)
{
    if (map->type != MSGPACK_OBJECT_MAP) {
        return NULL;
    }
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        if (obj_str_eq(&map->via.map.ptr[i].key, key)) {
            return &map->via.map.ptr[i].val;
        }
    }
    return NULL;
}

bool obj_str_eq(const msgpack_object *o, const char *s)
{
    return o != NULL && o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
           memcmp(o->via.str.ptr, s, o->via.str.size) == 0;
}
