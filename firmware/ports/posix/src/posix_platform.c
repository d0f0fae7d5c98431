/**
 * @file posix_platform.c
 * @brief Clock, randomness and logging for the POSIX port.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "baton_posix.h"

uint64_t baton_posix_now_ms(void *ctx);
uint32_t baton_posix_random(void *ctx);

uint64_t baton_posix_now_ms(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint32_t baton_posix_random(void *ctx)
{
    /* xorshift64*: jitter needs spread, not secrecy. Seeded in baton_posix_init. */
    baton_posix_t *p = ctx;
    uint64_t x = p->random_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    p->random_state = x;
    return (uint32_t)((x * 0x2545F4914F6CDD1Dull) >> 32);
}

void baton_posix_log(void *ctx, baton_log_level_t level, const char *message)
{
    static const char *const names[] = {"ERROR", "WARN", "INFO", "DEBUG"};
    baton_posix_t *p = ctx;
    if (p != NULL && level > p->log_level) {
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    /* stderr only: stdout carries the machine-readable EVENT lines. */
    fprintf(stderr, "%02d:%02d:%02d.%03ld %-5s [%s] %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L,
            names[level <= BATON_LOG_DEBUG ? level : BATON_LOG_DEBUG], (p != NULL && p->log_tag[0]) ? p->log_tag : "baton",
            message);
}
