/**
 * @file test_contract.c
 * @brief Runs the device contract vectors (shared/device-contract/) against the session machine.
 *
 * The same JSON files are executed against the TypeScript simulator's device core
 * (test/contract/deviceContract.test.ts), so the rules of docs/PROTOCOL.md §7 are written once,
 * as data, and both devices are held to them. The vectors are read at run time (cJSON) from
 * BATON_CONTRACT_DIR (environment, else the path compiled in), so a test can point this binary
 * at a mutated copy and check that it fails (test/contract/contractMutation.test.ts).
 *
 * Each scenario's starting memory is written into the session struct directly (the vectors
 * describe what a device knows, not how it came to know it); the inputs then go through the
 * public API only. Outputs are the actions a port would execute: ROOM_DATA frames sent (decoded
 * with libmsgpack, an independent decoder), JOB_START / JOB_CANCEL, WS_CLOSE, and the
 * reconnect-scheduled / gave-up events. Colyseus control frames (PING, the JOIN_ROOM
 * acknowledgement, LEAVE_ROOM), STORE and the other events are not outputs of the contract.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <msgpack.h>

#include "baton_frame.h"
#include "baton_session.h"

#ifndef BATON_CONTRACT_DEFAULT_DIR
#error "BATON_CONTRACT_DEFAULT_DIR must name shared/device-contract"
#endif

#define START_MS 1000u
#define TICK_MS 100u

typedef struct {
    baton_session_t sm;
    baton_actions_t actions;
    uint64_t now;
    uint8_t session_types[512];
    size_t session_types_len;
    const cJSON *profile;
    cJSON *outputs; /* the outputs of the current step */
} runner_t;

static uint32_t zero_random(void *ctx)
{
    (void)ctx;
    return 0; /* every back-off wait is exactly half its ceiling, in both runners */
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    if (text != NULL && fread(text, 1, (size_t)size, f) == (size_t)size) {
        text[size] = '\0';
    } else {
        free(text);
        text = NULL;
    }
    fclose(f);
    return text;
}

static cJSON *read_json(const char *path)
{
    char *text = read_text(path);
    cJSON *json = text ? cJSON_Parse(text) : NULL;
    free(text);
    return json;
}

/* ------------------------------------------------------------------ JSON <-> msgpack */

static void pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

static void pack_json(msgpack_packer *pk, const cJSON *j)
{
    if (cJSON_IsObject(j)) {
        msgpack_pack_map(pk, (size_t)cJSON_GetArraySize(j));
        for (const cJSON *c = j->child; c != NULL; c = c->next) {
            pack_str(pk, c->string);
            pack_json(pk, c);
        }
    } else if (cJSON_IsArray(j)) {
        msgpack_pack_array(pk, (size_t)cJSON_GetArraySize(j));
        for (const cJSON *c = j->child; c != NULL; c = c->next) {
            pack_json(pk, c);
        }
    } else if (cJSON_IsString(j)) {
        pack_str(pk, j->valuestring);
    } else if (cJSON_IsNumber(j)) {
        double d = j->valuedouble;
        if (d >= 0 && d <= 9007199254740991.0 && d == (double)(uint64_t)d) {
            msgpack_pack_uint64(pk, (uint64_t)d);
        } else {
            msgpack_pack_double(pk, d);
        }
    } else if (cJSON_IsBool(j)) {
        if (cJSON_IsTrue(j)) {
            msgpack_pack_true(pk);
        } else {
            msgpack_pack_false(pk);
        }
    } else {
        msgpack_pack_nil(pk);
    }
}

static cJSON *json_of(const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL: return cJSON_CreateNull();
    case MSGPACK_OBJECT_BOOLEAN: return cJSON_CreateBool(o->via.boolean);
    case MSGPACK_OBJECT_POSITIVE_INTEGER: return cJSON_CreateNumber((double)o->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: return cJSON_CreateNumber((double)o->via.i64);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: return cJSON_CreateNumber(o->via.f64);
    case MSGPACK_OBJECT_STR: {
        char *s = malloc(o->via.str.size + 1);
        memcpy(s, o->via.str.ptr, o->via.str.size);
        s[o->via.str.size] = '\0';
        cJSON *j = cJSON_CreateString(s);
        free(s);
        return j;
    }
    case MSGPACK_OBJECT_ARRAY: {
        cJSON *a = cJSON_CreateArray();
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            cJSON_AddItemToArray(a, json_of(&o->via.array.ptr[i]));
        }
        return a;
    }
    case MSGPACK_OBJECT_MAP: {
        cJSON *m = cJSON_CreateObject();
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            const msgpack_object *k = &o->via.map.ptr[i].key;
            char key[128] = "?";
            if (k->type == MSGPACK_OBJECT_STR && k->via.str.size < sizeof key) {
                memcpy(key, k->via.str.ptr, k->via.str.size);
                key[k->via.str.size] = '\0';
            }
            cJSON_AddItemToObject(m, key, json_of(&o->via.map.ptr[i].val));
        }
        return m;
    }
    default: return cJSON_CreateString("<unsupported msgpack type>");
    }
}

/* ------------------------------------------------------------------ outputs */

static void add_output(runner_t *r, cJSON *output)
{
    cJSON_AddItemToArray(r->outputs, output);
}

/* A ROOM_DATA frame the device sent, as {send, payload}; NULL for Colyseus control frames. */
static cJSON *sent_output(const uint8_t *data, size_t len)
{
    if (len < 2 || data[0] != BATON_COLYSEUS_ROOM_DATA) {
        return NULL;
    }
    msgpack_unpacked type, payload;
    msgpack_unpacked_init(&type);
    msgpack_unpacked_init(&payload);
    size_t off = 1;
    cJSON *out = NULL;
    if (msgpack_unpack_next(&type, (const char *)data, len, &off) == MSGPACK_UNPACK_SUCCESS &&
        type.data.type == MSGPACK_OBJECT_STR) {
        out = cJSON_CreateObject();
        cJSON *name = json_of(&type.data);
        cJSON_AddItemToObject(out, "send", name);
        if (msgpack_unpack_next(&payload, (const char *)data, len, &off) == MSGPACK_UNPACK_SUCCESS) {
            cJSON_AddItemToObject(out, "payload", json_of(&payload.data));
        } else {
            cJSON_AddItemToObject(out, "payload", cJSON_CreateObject());
        }
    }
    msgpack_unpacked_destroy(&type);
    msgpack_unpacked_destroy(&payload);
    return out;
}

static cJSON *connection_output(const char *what)
{
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "connection", what);
    return out;
}

/* Turns the actions of the last call into outputs, then clears the list for the next call. */
static void drain(runner_t *r)
{
    assert_int_equal(r->actions.dropped, 0);
    for (size_t i = 0; i < r->actions.count; i++) {
        const baton_action_t *a = &r->actions.items[i];
        cJSON *out = NULL;
        switch (a->type) {
        case BATON_ACTION_WS_SEND: out = sent_output(a->data, a->len); break;
        case BATON_ACTION_JOB_START:
            out = cJSON_CreateObject();
            cJSON_AddStringToObject(out, "job", "start");
            cJSON_AddStringToObject(out, "runId", a->run_id);
            cJSON_AddStringToObject(out, "sessionType", a->session_type);
            break;
        case BATON_ACTION_JOB_CANCEL:
            out = cJSON_CreateObject();
            cJSON_AddStringToObject(out, "job", "stop");
            cJSON_AddStringToObject(out, "runId", a->run_id);
            break;
        case BATON_ACTION_WS_CLOSE: out = connection_output("close"); break;
        case BATON_ACTION_UPDATE_OFFER: {
            /* The offer handed to the updater, as received: {update: {url, version, sha256}}. */
            msgpack_unpacked offer;
            msgpack_unpacked_init(&offer);
            size_t off = 0;
            out = cJSON_CreateObject();
            if (msgpack_unpack_next(&offer, (const char *)a->data, a->len, &off) == MSGPACK_UNPACK_SUCCESS) {
                cJSON_AddItemToObject(out, "update", json_of(&offer.data));
            }
            msgpack_unpacked_destroy(&offer);
            break;
        }
        case BATON_ACTION_EVENT:
            if (a->event == BATON_EVENT_RECONNECT_SCHEDULED) {
                out = connection_output("reconnect");
                cJSON_AddNumberToObject(out, "delayMs", (double)a->number);
            } else if (a->event == BATON_EVENT_GAVE_UP) {
                out = connection_output("giveUp");
            }
            break;
        default: break;
        }
        if (out != NULL) {
            add_output(r, out);
        }
    }
    baton_actions_reset(&r->actions);
}

/* ------------------------------------------------------------------ matching (as test/contract/vectors.ts) */

static bool same_json(const cJSON *a, const cJSON *b)
{
    if (a == NULL || b == NULL) {
        return a == b;
    }
    if (cJSON_IsNumber(a) && cJSON_IsNumber(b)) {
        return a->valuedouble == b->valuedouble;
    }
    if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
        if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b)) {
            return false;
        }
        for (const cJSON *c = a->child; c != NULL; c = c->next) {
            if (!same_json(c, cJSON_GetObjectItemCaseSensitive(b, c->string))) {
                return false;
            }
        }
        return true;
    }
    return cJSON_Compare(a, b, true);
}

static bool output_matches(const cJSON *expected, const cJSON *actual)
{
    const cJSON *send = cJSON_GetObjectItemCaseSensitive(expected, "send");
    if (send == NULL) {
        return same_json(expected, actual);
    }
    if (!same_json(send, cJSON_GetObjectItemCaseSensitive(actual, "send"))) {
        return false;
    }
    const cJSON *payload = cJSON_GetObjectItemCaseSensitive(actual, "payload");
    const cJSON *want = cJSON_GetObjectItemCaseSensitive(expected, "payload");
    for (const cJSON *c = want ? want->child : NULL; c != NULL; c = c->next) {
        const cJSON *got = cJSON_GetObjectItemCaseSensitive(payload, c->string);
        if (cJSON_IsNull(c) ? got != NULL : !same_json(c, got)) {
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------------ setting up memory */

static int json_int(const cJSON *obj, const char *key, int fallback)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? v->valueint : fallback;
}

static const char *json_str(const cJSON *obj, const char *key, const char *fallback)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : fallback;
}

static uint64_t declared_max_duration(const runner_t *r, const char *name)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(r->profile, "sessionTypes")) {
        if (strcmp(json_str(t, "name", ""), name) == 0) {
            return (uint64_t)cJSON_GetObjectItemCaseSensitive(t, "maxDurationMs")->valuedouble;
        }
    }
    fail_msg("session type %s is not in device.json", name);
    return 0;
}

static void build_session_types(runner_t *r)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    const cJSON *types = cJSON_GetObjectItemCaseSensitive(r->profile, "sessionTypes");
    msgpack_pack_array(&pk, (size_t)cJSON_GetArraySize(types));
    const cJSON *t;
    cJSON_ArrayForEach(t, types) {
        msgpack_pack_map(&pk, 3);
        pack_str(&pk, "name");
        pack_str(&pk, json_str(t, "name", ""));
        pack_str(&pk, "inputSchema");
        msgpack_pack_map(&pk, 1);
        pack_str(&pk, "type");
        pack_str(&pk, "object");
        pack_str(&pk, "maxDurationMs");
        msgpack_pack_uint64(&pk, declared_max_duration(r, json_str(t, "name", "")));
    }
    assert_true(sb.size <= sizeof r->session_types);
    memcpy(r->session_types, sb.data, sb.size);
    r->session_types_len = sb.size;
    msgpack_sbuffer_destroy(&sb);
}

/* A ROOM_DATA frame of `type` with a JSON payload, encoded with libmsgpack. */
static size_t encode_room_data(const char *type, const cJSON *payload, uint8_t *out, size_t cap)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    const char code = (char)BATON_COLYSEUS_ROOM_DATA;
    if (type != NULL) {
        msgpack_sbuffer_write(&sb, &code, 1);
        pack_str(&pk, type);
    }
    pack_json(&pk, payload);
    assert_true(sb.size <= cap);
    memcpy(out, sb.data, sb.size);
    size_t n = sb.size;
    msgpack_sbuffer_destroy(&sb);
    return n;
}

static void set_memory(runner_t *r, const cJSON *memory)
{
    baton_session_t *sm = &r->sm;
    const cJSON *epoch = cJSON_GetObjectItemCaseSensitive(memory, "highestEpoch");
    if (cJSON_IsNumber(epoch)) {
        sm->epoch_known = true;
        sm->highest_epoch = (uint64_t)epoch->valuedouble;
    }
    const cJSON *job = cJSON_GetObjectItemCaseSensitive(memory, "job");
    if (job != NULL) {
        baton_job_t *j = &sm->job;
        j->active = true;
        snprintf(j->run_id, sizeof j->run_id, "%s", json_str(job, "runId", ""));
        snprintf(j->session_type, sizeof j->session_type, "%s", json_str(job, "sessionType", ""));
        j->epoch = (uint64_t)json_int(job, "epoch", 0);
        j->started_ms = r->now;
        j->deadline_ms = r->now + declared_max_duration(r, j->session_type) + (uint64_t)json_int(r->profile, "jobGraceMs", 0);
        j->input[0] = 0x80;
        j->input_len = 1;
    }
    const cJSON *held = cJSON_GetObjectItemCaseSensitive(memory, "held");
    assert_true(cJSON_GetArraySize(held) <= BATON_MAX_HELD_REPORTS);
    const cJSON *h;
    size_t index = 0;
    cJSON_ArrayForEach(h, held) {
        const bool failure = strcmp(json_str(h, "report", ""), "failed") == 0;
        cJSON *payload = cJSON_CreateObject();
        cJSON_AddNumberToObject(payload, "epoch", json_int(h, "epoch", 0));
        cJSON_AddStringToObject(payload, "runId", json_str(h, "runId", ""));
        if (failure) {
            cJSON_AddStringToObject(payload, "code", json_str(h, "code", "DEVICE_FAILED"));
            cJSON_AddStringToObject(payload, "message", "held");
        } else {
            const cJSON *output = cJSON_GetObjectItemCaseSensitive(h, "output");
            cJSON_AddItemToObject(payload, "output", output ? cJSON_Duplicate(output, true) : cJSON_CreateObject());
        }
        baton_held_report_t *slot = &sm->held[index++];
        slot->present = true;
        slot->seq = sm->held_seq++; /* oldest first, as listed */
        slot->is_failure = failure;
        slot->epoch = (uint64_t)json_int(h, "epoch", 0);
        snprintf(slot->run_id, sizeof slot->run_id, "%s", json_str(h, "runId", ""));
        slot->frame_len = encode_room_data(failure ? "failed" : "result", payload, slot->frame, sizeof slot->frame);
        cJSON_Delete(payload);
    }
}

/* ------------------------------------------------------------------ inputs */

static const char SEAT[] = "{\"name\":\"device\",\"sessionId\":\"s1\",\"roomId\":\"contract-1\",\"processId\":\"p1\"}";

static void deliver(runner_t *r, const uint8_t *bytes, size_t len)
{
    baton_session_on_frame(&r->sm, bytes, len, r->now, &r->actions);
    drain(r);
}

/* Makes the next connection attempt (the matchmaking POST goes out) and answers it with `status`. */
static void attempt(runner_t *r, int status, const char *body)
{
    if (r->sm.state == BATON_CONN_STOPPED) {
        baton_session_start(&r->sm, r->now, &r->actions);
    } else if (r->sm.state == BATON_CONN_WAITING) {
        if (r->now < r->sm.step_deadline_ms) {
            r->now = r->sm.step_deadline_ms;
        }
        baton_session_on_tick(&r->sm, r->now, &r->actions);
    }
    drain(r);
    assert_int_equal(r->sm.state, BATON_CONN_MATCHMAKING);
    baton_session_on_matchmake_response(&r->sm, status, body, strlen(body), r->now, &r->actions);
    drain(r);
}

static void rejoin(runner_t *r)
{
    attempt(r, 200, SEAT);
    baton_session_on_ws_open(&r->sm, r->now, &r->actions);
    drain(r);
    const uint8_t join[] = {BATON_COLYSEUS_JOIN_ROOM, 1, 't', 6, 's', 'c', 'h', 'e', 'm', 'a'};
    deliver(r, join, sizeof join);
}

static void advance(runner_t *r, uint64_t ms)
{
    const uint64_t end = r->now + ms;
    while (r->now < end) {
        r->now = (end - r->now < TICK_MS) ? end : r->now + TICK_MS;
        baton_session_on_tick(&r->sm, r->now, &r->actions);
        drain(r);
    }
}

static void run_step(runner_t *r, const cJSON *step)
{
    const cJSON *receive = cJSON_GetObjectItemCaseSensitive(step, "receive");
    const cJSON *advance_ms = cJSON_GetObjectItemCaseSensitive(step, "advanceMs");
    const cJSON *job = cJSON_GetObjectItemCaseSensitive(step, "job");
    const cJSON *device = cJSON_GetObjectItemCaseSensitive(step, "device");
    const cJSON *connection = cJSON_GetObjectItemCaseSensitive(step, "connection");
    const cJSON *telemetry = cJSON_GetObjectItemCaseSensitive(step, "telemetry");
    if (receive != NULL) {
        static uint8_t frame[4096];
        size_t len = encode_room_data(json_str(receive, "type", ""), cJSON_GetObjectItemCaseSensitive(receive, "payload"),
                                      frame, sizeof frame);
        deliver(r, frame, len);
    } else if (advance_ms != NULL) {
        advance(r, (uint64_t)advance_ms->valuedouble);
    } else if (job != NULL) {
        const char *run_id = json_str(job, "runId", "");
        if (strcmp(json_str(job, "event", ""), "result") == 0) {
            uint8_t output[1024];
            const cJSON *o = cJSON_GetObjectItemCaseSensitive(job, "output");
            cJSON *empty = cJSON_CreateObject();
            size_t len = encode_room_data(NULL, o ? o : empty, output, sizeof output);
            cJSON_Delete(empty);
            (void)baton_session_job_result(&r->sm, run_id, output, len, r->now, &r->actions);
        } else {
            (void)baton_session_job_failed(&r->sm, run_id, json_str(job, "code", "DEVICE_FAILED"), json_str(job, "message", ""),
                                           r->now, &r->actions);
        }
        drain(r);
    } else if (telemetry != NULL) {
        /* One numeric channel (vector.schema.json): baton_session_telemetry_number. */
        const cJSON *values = cJSON_GetObjectItemCaseSensitive(telemetry, "values");
        const cJSON *sample = values != NULL ? values->child : NULL;
        if (sample != NULL && sample->string != NULL) {
            (void)baton_session_telemetry_number(&r->sm, sample->string, sample->valuedouble, &r->actions);
        }
        drain(r);
    } else if (cJSON_IsString(device) && strcmp(device->valuestring, "ready") == 0) {
        (void)baton_session_device_ready(&r->sm, r->now, &r->actions);
        drain(r);
    } else if (cJSON_IsString(device) && strcmp(device->valuestring, "leave") == 0) {
        baton_session_leave(&r->sm, r->now, &r->actions);
        drain(r);
    } else if (cJSON_IsString(connection) && strcmp(connection->valuestring, "rejoin") == 0) {
        rejoin(r);
    } else if (cJSON_IsString(connection) && strcmp(connection->valuestring, "attemptFailed") == 0) {
        attempt(r, 0, "");
    } else if (cJSON_IsString(connection) && strcmp(connection->valuestring, "refused") == 0) {
        attempt(r, 401, "{\"code\":401,\"error\":\"UNAUTHORIZED: wrong secret\"}");
    } else if (cJSON_IsObject(connection)) {
        baton_session_on_ws_closed(&r->sm, (uint16_t)json_int(connection, "closed", 0), r->now, &r->actions);
        drain(r);
    } else {
        char *text = cJSON_PrintUnformatted(step);
        fail_msg("unknown step %s", text);
    }
}

/* ------------------------------------------------------------------ scenarios */

static void init_session(runner_t *r)
{
    const cJSON *reconnect = cJSON_GetObjectItemCaseSensitive(r->profile, "reconnect");
    baton_session_config_t config = {
        .server_url = "http://127.0.0.1:2567",
        .device_id = "contract-1",
        .firmware = "contract",
        .session_types = r->session_types,
        .session_types_len = r->session_types_len,
        .heartbeat_interval_ms = (uint32_t)json_int(r->profile, "heartbeatIntervalMs", 0),
        .job_grace_ms = (uint32_t)json_int(r->profile, "jobGraceMs", 0),
        .backoff = {.initial_delay_ms = (uint32_t)json_int(reconnect, "baseDelayMs", 0),
                    .max_delay_ms = (uint32_t)json_int(reconnect, "maxDelayMs", 0),
                    .max_attempts = (uint32_t)json_int(reconnect, "maxAttempts", 0)},
        .random = zero_random,
        .random_ctx = NULL,
    };
    assert_int_equal(baton_session_init(&r->sm, &config), BATON_OK);
    baton_actions_reset(&r->actions);
    r->now = START_MS;
}

/* Runs one scenario; prints the first mismatch and returns false, or returns true. */
static bool run_scenario(runner_t *r, const char *file, const cJSON *scenario)
{
    init_session(r);
    const cJSON *memory = cJSON_GetObjectItemCaseSensitive(scenario, "memory");
    const char *connection = json_str(memory, "connection", "offline");
    r->outputs = cJSON_CreateArray();
    set_memory(r, memory);
    if (strcmp(connection, "offline") != 0) {
        rejoin(r); /* the hello it sends is part of the set-up, not of the scenario */
        if (strcmp(connection, "online") == 0) {
            r->sm.state = BATON_CONN_ONLINE; /* as if a welcome had been accepted just now */
            r->sm.next_heartbeat_ms = r->now + r->sm.config.heartbeat_interval_ms;
            r->sm.last_rx_ms = r->now;
        }
    }
    bool ok = true;
    int index = 0;
    const cJSON *step;
    cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(scenario, "steps")) {
        index++;
        cJSON_Delete(r->outputs);
        r->outputs = cJSON_CreateArray();
        run_step(r, step);
        const cJSON *expect = cJSON_GetObjectItemCaseSensitive(step, "expect");
        bool same = cJSON_GetArraySize(expect) == cJSON_GetArraySize(r->outputs);
        for (int i = 0; same && i < cJSON_GetArraySize(expect); i++) {
            same = output_matches(cJSON_GetArrayItem(expect, i), cJSON_GetArrayItem(r->outputs, i));
        }
        if (!same) {
            char *want = cJSON_PrintUnformatted(expect);
            char *got = cJSON_PrintUnformatted(r->outputs);
            printf("FAIL %s: %s: step %d: expected %s, got %s\n", file, json_str(scenario, "name", "?"), index, want, got);
            free(want);
            free(got);
            ok = false;
            break;
        }
    }
    cJSON_Delete(r->outputs);
    r->outputs = NULL;
    return ok;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_every_vector(void **state)
{
    (void)state;
    const char *dir = getenv("BATON_CONTRACT_DIR");
    if (dir == NULL || dir[0] == '\0') {
        dir = BATON_CONTRACT_DEFAULT_DIR;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/device.json", dir);
    static runner_t runner;
    runner_t *r = &runner;
    cJSON *profile = read_json(path);
    if (profile == NULL) {
        fail_msg("cannot read %s", path);
    }
    r->profile = profile;
    build_session_types(r);

    snprintf(path, sizeof path, "%s/vectors", dir);
    DIR *d = opendir(path);
    if (d == NULL) {
        fail_msg("cannot open %s", path);
    }
    char *names[128];
    size_t count = 0;
    for (struct dirent *e = readdir(d); e != NULL && count < 128; e = readdir(d)) {
        size_t n = strlen(e->d_name);
        if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0) {
            names[count++] = strdup(e->d_name);
        }
    }
    closedir(d);
    qsort(names, count, sizeof names[0], compare_names);

    int scenarios = 0, failures = 0;
    for (size_t i = 0; i < count; i++) {
        snprintf(path, sizeof path, "%s/vectors/%s", dir, names[i]);
        cJSON *vector = read_json(path);
        if (vector == NULL) {
            fail_msg("%s is not valid JSON", path);
        }
        const cJSON *scenario;
        cJSON_ArrayForEach(scenario, cJSON_GetObjectItemCaseSensitive(vector, "scenarios")) {
            scenarios++;
            if (!run_scenario(r, names[i], scenario)) {
                failures++;
            }
        }
        cJSON_Delete(vector);
        free(names[i]);
    }
    cJSON_Delete(profile);
    printf("device contract: %d scenario(s) in %zu file(s), %d failed\n", scenarios, count, failures);
    assert_true(scenarios > 0);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_vector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
