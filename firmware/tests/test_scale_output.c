/**
 * @file test_scale_output.c
 * @brief The output schema every C scale declares in `hello` (issue 22: results with their
 *        units) is shared/instruments/weighing.output.schema.json without its document keys
 *        ($schema, $id, title, description) — the same map the TypeScript simulator declares
 *        (client/src/simulator/instruments.test.ts) — and fits, or says it does not.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <msgpack.h>

#include "baton_scale_output.h"

static cJSON *read_json_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    static char text[16384];
    size_t len = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[len] = '\0';
    cJSON *json = cJSON_Parse(text);
    assert_non_null(json);
    return json;
}

/** Deep equality of a decoded msgpack value and a JSON value (map keys in any order). */
static int same_value(const msgpack_object *m, const cJSON *j)
{
    switch (m->type) {
    case MSGPACK_OBJECT_NIL:
        return cJSON_IsNull(j);
    case MSGPACK_OBJECT_BOOLEAN:
        return cJSON_IsBool(j) && (cJSON_IsTrue(j) != 0) == m->via.boolean;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        return cJSON_IsNumber(j) && j->valuedouble == (double)m->via.u64;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return cJSON_IsNumber(j) && j->valuedouble == (double)m->via.i64;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return cJSON_IsNumber(j) && fabs(j->valuedouble - m->via.f64) < 1e-9;
    case MSGPACK_OBJECT_STR:
        return cJSON_IsString(j) && strlen(j->valuestring) == m->via.str.size && memcmp(j->valuestring, m->via.str.ptr, m->via.str.size) == 0;
    case MSGPACK_OBJECT_ARRAY:
        if (!cJSON_IsArray(j) || (uint32_t)cJSON_GetArraySize(j) != m->via.array.size) return 0;
        for (uint32_t i = 0; i < m->via.array.size; i++) {
            if (!same_value(&m->via.array.ptr[i], cJSON_GetArrayItem(j, (int)i))) return 0;
        }
        return 1;
    case MSGPACK_OBJECT_MAP:
        if (!cJSON_IsObject(j) || (uint32_t)cJSON_GetArraySize(j) != m->via.map.size) return 0;
        for (uint32_t i = 0; i < m->via.map.size; i++) {
            const msgpack_object_kv *kv = &m->via.map.ptr[i];
            if (kv->key.type != MSGPACK_OBJECT_STR || kv->key.via.str.size >= 64) return 0;
            char key[64];
            memcpy(key, kv->key.via.str.ptr, kv->key.via.str.size);
            key[kv->key.via.str.size] = '\0';
            const cJSON *item = cJSON_GetObjectItemCaseSensitive(j, key);
            if (item == NULL) {
                print_error("key \"%s\" is declared but not in the shared schema\n", key);
                return 0;
            }
            if (!same_value(&kv->val, item)) {
                print_error("key \"%s\" differs from the shared schema\n", key);
                return 0;
            }
        }
        return 1;
    default:
        return 0;
    }
}

static void declares_the_shared_weighing_output_schema(void **state)
{
    (void)state;
    uint8_t buf[1024];
    baton_mp_writer_t w;
    baton_mp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(baton_scale_write_output_schema(&w), BATON_OK);

    cJSON *shared = read_json_file(BATON_WEIGHING_OUTPUT_SCHEMA);
    /* The document's own keys are not part of what a device declares (no $id: the server refuses it). */
    cJSON_DeleteItemFromObjectCaseSensitive(shared, "$schema");
    cJSON_DeleteItemFromObjectCaseSensitive(shared, "$id");
    cJSON_DeleteItemFromObjectCaseSensitive(shared, "title");
    cJSON_DeleteItemFromObjectCaseSensitive(shared, "description");

    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    size_t offset = 0;
    assert_int_equal(msgpack_unpack_next(&unpacked, (const char *)buf, w.len, &offset), MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(offset, w.len); /* one value, nothing after it */
    /* Both ways: each map has as many keys as its counterpart, and every declared key matches. */
    assert_true(same_value(&unpacked.data, shared));
    msgpack_unpacked_destroy(&unpacked);
    cJSON_Delete(shared);
}

static void says_when_the_buffer_is_too_small(void **state)
{
    (void)state;
    uint8_t buf[64];
    baton_mp_writer_t w;
    baton_mp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(baton_scale_write_output_schema(&w), BATON_ERR_NO_SPACE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(declares_the_shared_weighing_output_schema),
        cmocka_unit_test(says_when_the_buffer_is_too_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
