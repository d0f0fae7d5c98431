/**
 * @file baton_backoff.h
 * @brief Reconnect backoff: exponential, capped, with jitter from an injected random source.
 *
 * The delay before attempt n (counting from 0) is drawn uniformly from [cap/2, cap] where
 * cap = min(max_delay_ms, initial_delay_ms * 2^n) ("equal jitter"): never less than half
 * the nominal delay, so a fleet of devices that lost the server together spreads out
 * without any of them hammering it. After max_attempts consecutive failures the backoff
 * reports BATON_ERR_RETRIES_EXHAUSTED and the caller decides (restart, wait for an operator).
 */
#ifndef BATON_BACKOFF_H
#define BATON_BACKOFF_H

#include <stdint.h>

#include "baton_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct baton_backoff_config {
    /** Nominal delay before the first retry (ms). 0 selects 500 ms. */
    uint32_t initial_delay_ms;
    /** Upper bound of any delay (ms). 0 selects 30 s. */
    uint32_t max_delay_ms;
    /** Consecutive failed attempts before giving up; 0 means never give up. */
    uint32_t max_attempts;
} baton_backoff_config_t;

typedef struct baton_backoff {
    baton_backoff_config_t config;
    /** Failed attempts since the last success. */
    uint32_t attempts;
} baton_backoff_t;

/** Random source: any 32-bit value; tests inject a fixed sequence. */
typedef uint32_t (*baton_random_fn)(void *ctx);

void baton_backoff_init(baton_backoff_t *b, const baton_backoff_config_t *config);

/**
 * Counts one failed attempt and returns the delay before the next one.
 * @return BATON_OK with *delay_ms set, or BATON_ERR_RETRIES_EXHAUSTED (attempts are not counted further).
 */
baton_status_t baton_backoff_next(baton_backoff_t *b, baton_random_fn random, void *random_ctx, uint32_t *delay_ms);

/** Forgets past failures (call once a connection is fully established). */
void baton_backoff_reset(baton_backoff_t *b);

#ifdef __cplusplus
}
#endif

#endif /* BATON_BACKOFF_H */
