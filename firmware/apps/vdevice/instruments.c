/**
 * @file instruments.c
 * @brief Instrument registry and shared helpers for simulated readings and input parsing.
 */
#include <math.h>
#include <string.h>

#include "instruments.h"

const instrument_t *instrument_find(const char *name)
{
    static const instrument_t *const all[] = {&instrument_scale, &instrument_printer, &instrument_lab};
    for (size_t i = 0; name != NULL && i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(all[i]->name, name) == 0) {
            return all[i];
        }
    }
    return NULL;
}

double instrument_reading(const instrument_job_t *job, uint32_t salt, double low, double high, int decimals)
{
    /* A tiny hash of (seed, salt): deterministic per run, different per reading. */
    uint32_t x = job->seed ^ (salt * 0x9e3779b9u);
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    double unit = (double)x / 4294967295.0;
    double scale = pow(10.0, decimals);
    return round((low + unit * (high - low)) * scale) / scale;
}

bool instrument_read_text(const baton_mp_reader_t *input, const char *key, char *out, size_t cap, bool required)
{
    baton_status_t st = baton_mp_map_get_str(input, key, out, cap);
    if (st == BATON_ERR_NOT_FOUND && !required) {
        out[0] = '\0';
        return true;
    }
    return st == BATON_OK;
}

void schema_string(baton_mp_writer_t *w, const char *const *allowed, size_t allowed_count)
{
    baton_mp_write_map(w, 2);
    baton_mp_write_cstr(w, "type");
    baton_mp_write_cstr(w, "string");
    if (allowed_count > 0) {
        baton_mp_write_cstr(w, "enum");
        baton_mp_write_array(w, (uint32_t)allowed_count);
        for (size_t i = 0; i < allowed_count; i++) {
            baton_mp_write_cstr(w, allowed[i]);
        }
    } else {
        baton_mp_write_cstr(w, "minLength");
        baton_mp_write_uint(w, 1);
    }
}
