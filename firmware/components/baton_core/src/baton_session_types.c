/**
 * @file baton_session_types.c
 * @brief The session types this device declares: read once from the `hello` declaration, looked up by name.
 */
#include <string.h>

#include "baton_session_internal.h"

/* Reads name + maxDurationMs of each declared type; the declaration itself is sent verbatim in hello. */
baton_status_t baton_session_read_types(baton_session_t *sm)
{
    baton_mp_reader_t r;
    baton_mp_reader_init(&r, sm->config.session_types, sm->config.session_types_len);
    baton_mp_value_t array;
    if (baton_mp_read(&r, &array) != BATON_OK || array.type != BATON_MP_ARRAY ||
        array.as.count > BATON_MAX_SESSION_TYPES) {
        return BATON_ERR_CONFIG;
    }
    for (uint32_t i = 0; i < array.as.count; i++) {
        baton_declared_type_t *t = &sm->types[i];
        const baton_mp_reader_t entry = r;
        if (baton_mp_map_get_str(&entry, "name", t->name, sizeof t->name) != BATON_OK ||
            baton_mp_map_get_u64(&entry, "maxDurationMs", &t->max_duration_ms) != BATON_OK ||
            t->max_duration_ms == 0 || baton_mp_skip(&r) != BATON_OK) {
            return BATON_ERR_CONFIG;
        }
    }
    if (r.pos != r.len) {
        return BATON_ERR_CONFIG; /* trailing bytes: the declaration is not one array */
    }
    sm->type_count = array.as.count;
    return BATON_OK;
}

const baton_declared_type_t *baton_session_find_type(const baton_session_t *sm, const char *name)
{
    for (size_t i = 0; i < sm->type_count; i++) {
        if (strcmp(sm->types[i].name, name) == 0) {
            return &sm->types[i];
        }
    }
    return NULL;
}
