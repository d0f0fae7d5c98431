/**
 * @file baton_scale_settle.c
 * @brief The weighing's decision: wait for a load, wait for it to settle, or fail at the timeout.
 */
#include "baton_scale_settle.h"

bool baton_scale_settle_config_valid(const baton_scale_settle_config_t *config)
{
    return config != NULL && config->min_load_grams > 0 && config->stable_grams >= 0 && config->timeout_ms > 0;
}

void baton_scale_settle_begin(baton_scale_settle_t *s, const baton_scale_settle_config_t *config, uint64_t now_ms)
{
    *s = (baton_scale_settle_t){0};
    s->config = *config;
    s->started_ms = now_ms;
    s->phase = BATON_SCALE_WAITING_FOR_LOAD;
}

/* Takes one reading: below the minimum empties the window (nobody is on, or they stepped off). */
static void take(baton_scale_settle_t *s, int32_t grams)
{
    if (grams < s->config.min_load_grams) {
        s->count = 0;
        s->phase = BATON_SCALE_WAITING_FOR_LOAD;
        return;
    }
    if (s->count == BATON_SCALE_WINDOW) {
        for (size_t i = 1; i < BATON_SCALE_WINDOW; i++) {
            s->window[i - 1] = s->window[i];
        }
        s->count--;
    }
    s->window[s->count++] = grams;
    s->phase = BATON_SCALE_SETTLING;
}

/* A full window whose readings agree: its average, rounded towards zero. */
static bool stable(const baton_scale_settle_t *s, int32_t *grams)
{
    if (s->count < BATON_SCALE_WINDOW) {
        return false;
    }
    int32_t low = s->window[0];
    int32_t high = s->window[0];
    int64_t sum = 0;
    for (size_t i = 0; i < BATON_SCALE_WINDOW; i++) {
        low = s->window[i] < low ? s->window[i] : low;
        high = s->window[i] > high ? s->window[i] : high;
        sum += s->window[i];
    }
    /* 64-bit difference: two extreme int32 readings must not overflow the comparison. */
    if ((int64_t)high - (int64_t)low > (int64_t)s->config.stable_grams) {
        return false;
    }
    *grams = (int32_t)(sum / BATON_SCALE_WINDOW);
    return true;
}

baton_scale_step_t baton_scale_settle_feed(baton_scale_settle_t *s, uint64_t now_ms, bool has_reading, int32_t reading_grams,
                                           double *progress, int32_t *grams)
{
    if (s->finished) {
        return BATON_SCALE_NOTHING;
    }
    if (has_reading) {
        take(s, reading_grams);
        if (stable(s, grams)) {
            s->finished = true;
            return BATON_SCALE_DONE;
        }
    }
    if (now_ms - s->started_ms >= s->config.timeout_ms) {
        s->finished = true;
        return s->phase == BATON_SCALE_WAITING_FOR_LOAD ? BATON_SCALE_NO_LOAD : BATON_SCALE_UNSTABLE;
    }
    /* Say what the scale waits for at the start, at a change (not more than once a second: a
     * load wobbling around the minimum must not flood the room) and every few seconds. */
    const uint64_t since = now_ms - s->reported_ms;
    if (!s->reported || (s->phase != s->reported_phase && since >= BATON_SCALE_PROGRESS_MIN_GAP_MS) ||
        since >= BATON_SCALE_PROGRESS_EVERY_MS) {
        s->reported = true;
        s->reported_ms = now_ms;
        s->reported_phase = s->phase;
        *progress = s->phase == BATON_SCALE_WAITING_FOR_LOAD ? 0.0 : 0.5;
        return BATON_SCALE_PROGRESS;
    }
    return BATON_SCALE_NOTHING;
}

bool baton_scale_settle_telemetry_due(baton_scale_settle_t *s, uint64_t now_ms, bool has_reading)
{
    if (!has_reading || s->finished || s->phase != BATON_SCALE_SETTLING) {
        return false;
    }
    if (s->telemetry_sent && now_ms - s->telemetry_ms < BATON_SCALE_TELEMETRY_EVERY_MS) {
        return false;
    }
    s->telemetry_sent = true;
    s->telemetry_ms = now_ms;
    return true;
}

const char *baton_scale_settle_message(const baton_scale_settle_t *s)
{
    return s->phase == BATON_SCALE_WAITING_FOR_LOAD ? "waiting for a load" : "settling";
}
