/**
 * @file baton_backoff.c
 * @brief Exponential backoff with equal jitter and a bounded number of attempts.
 */
#include <stddef.h>

#include "baton_backoff.h"

#define DEFAULT_INITIAL_DELAY_MS 500u
#define DEFAULT_MAX_DELAY_MS 30000u

void baton_backoff_init(baton_backoff_t *b, const baton_backoff_config_t *config)
{
    b->config.initial_delay_ms = (config && config->initial_delay_ms) ? config->initial_delay_ms : DEFAULT_INITIAL_DELAY_MS;
    b->config.max_delay_ms = (config && config->max_delay_ms) ? config->max_delay_ms : DEFAULT_MAX_DELAY_MS;
    b->config.max_attempts = config ? config->max_attempts : 0;
    if (b->config.initial_delay_ms > b->config.max_delay_ms) {
        b->config.initial_delay_ms = b->config.max_delay_ms;
    }
    b->attempts = 0;
}

baton_status_t baton_backoff_next(baton_backoff_t *b, baton_random_fn random, void *random_ctx, uint32_t *delay_ms)
{
    if (b == NULL || delay_ms == NULL) {
        return BATON_ERR_INVALID_ARG;
    }
    if (b->config.max_attempts != 0 && b->attempts >= b->config.max_attempts) {
        return BATON_ERR_RETRIES_EXHAUSTED;
    }
    /* Doubling in 64 bits and stopping at the cap cannot overflow whatever attempts is. */
    uint64_t cap = b->config.initial_delay_ms;
    for (uint32_t i = 0; i < b->attempts && cap < b->config.max_delay_ms; i++) {
        cap *= 2;
    }
    if (cap > b->config.max_delay_ms) {
        cap = b->config.max_delay_ms;
    }
    uint32_t half = (uint32_t)(cap / 2);
    uint32_t spread = (uint32_t)cap - half; /* the delay is half + [0, spread] */
    uint32_t r = (random != NULL) ? random(random_ctx) : 0;
    *delay_ms = half + (spread == 0 ? 0 : (uint32_t)(r % ((uint64_t)spread + 1)));
    if (b->attempts < UINT32_MAX) {
        b->attempts++;
    }
    return BATON_OK;
}

void baton_backoff_reset(baton_backoff_t *b)
{
    b->attempts = 0;
}
