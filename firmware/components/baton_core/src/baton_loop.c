/**
 * @file baton_loop.c
 * @brief Tick arithmetic of the main loop (see baton_loop.h).
 */
#include "baton_loop.h"

/* 2025-01-01T00:00:00Z: older than any image that carries this code. */
#define BATON_CLOCK_FLOOR_S 1735689600LL

uint32_t baton_wait_ticks(uint32_t wait_ms, uint32_t tick_rate_hz, uint32_t max_ticks)
{
    if (tick_rate_hz == 0) {
        tick_rate_hz = 1000;
    }
    if (max_ticks == 0) {
        max_ticks = 1;
    }
    /* 64-bit: wait_ms * tick_rate_hz overflows 32 bits for waits over ~71 minutes at 1 kHz. */
    uint64_t ticks = ((uint64_t)wait_ms * tick_rate_hz + 999u) / 1000u;
    if (ticks == 0) {
        ticks = 1;
    }
    return ticks > max_ticks ? max_ticks : (uint32_t)ticks;
}

baton_loop_step_t baton_loop_plan(uint64_t now_ms, uint64_t deadline_ms, uint32_t max_wait_ms, uint32_t tick_rate_hz)
{
    baton_loop_step_t step = {.wait_ticks = 1, .overdue = deadline_ms <= now_ms};
    uint64_t wait = step.overdue ? 0 : deadline_ms - now_ms;
    if (wait > max_wait_ms) {
        wait = max_wait_ms;
    }
    step.wait_ticks = baton_wait_ticks((uint32_t)wait, tick_rate_hz, UINT32_MAX - 1u);
    return step;
}

bool baton_wall_clock_is_set(int64_t unix_seconds)
{
    return unix_seconds >= BATON_CLOCK_FLOOR_S;
}
