/**
 * @file baton_loop.h
 * @brief The main loop's waits: never a zero-tick wait, so a deadline in the past sleeps.
 *
 * FreeRTOS converts milliseconds to ticks rounding down: at the default 100 Hz tick,
 * pdMS_TO_TICKS(5) is 0 and a "5 ms" wait returns at once. A loop that waits for
 * `baton_runner_idle_ms()` (0 when a deadline is due) would then spin for as long as the
 * deadline stays due, starving the idle task and so the task watchdog. These helpers round
 * up and never return 0 ticks. Portable: unit-tested in tests/test_loop.c.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Ticks to block for a wait of `wait_ms` at `tick_rate_hz`: rounded up, at least 1, at most
 * `max_ticks` (pass the largest finite wait, e.g. portMAX_DELAY - 1). tick_rate_hz 0 counts as 1000.
 */
uint32_t baton_wait_ticks(uint32_t wait_ms, uint32_t tick_rate_hz, uint32_t max_ticks);

/** One step of the main loop, planned from the clock and the next deadline. */
typedef struct {
    /** How long to block for socket events (ticks, >= 1). */
    uint32_t wait_ticks;
    /** The deadline was already due when planned (the loop is behind, not idle). */
    bool overdue;
} baton_loop_step_t;

/**
 * Plans a step: wait until `deadline_ms` (absolute, same clock as now_ms), at most
 * `max_wait_ms`, and at least one tick even when the deadline is in the past.
 */
baton_loop_step_t baton_loop_plan(uint64_t now_ms, uint64_t deadline_ms, uint32_t max_wait_ms, uint32_t tick_rate_hz);

/**
 * Whether a wall-clock time (seconds since 1970) can be today's: later than 2025-01-01.
 * Before SNTP sets it the clock starts at 1970, and a certificate's dates cannot be checked.
 */
bool baton_wall_clock_is_set(int64_t unix_seconds);

#ifdef __cplusplus
}
#endif
