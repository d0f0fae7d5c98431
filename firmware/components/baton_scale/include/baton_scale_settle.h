/**
 * @file baton_scale_settle.h
 * @brief When a weighing is done: a stable load of at least a minimum, within a time limit.
 *
 * Why: a run can start before anyone stands on the scale. Settling on the empty platform
 * would report ≈0 kg as a successful weighing. So a reading below `min_load_grams` counts as
 * "no load": the weighing waits for one (and says so through progress reports), and when
 * `timeout_ms` passes it fails — with BATON_ERROR_CODE_NOTHING_TO_MEASURE if the platform is
 * still empty, with "did not settle" if someone is on it but never stood still.
 *
 * Pure logic, no I/O: readings (in grams, tare already subtracted) and the time are fed in.
 * The ESP32 app feeds it HX711 readings (main/app_driver.c), baton-vdevice a simulated person
 * (apps/vdevice/instrument_scale.c); tests/test_scale_settle.c proves the rules.
 */
#ifndef BATON_SCALE_SETTLE_H
#define BATON_SCALE_SETTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Consecutive readings that must agree for a stable weight. */
#define BATON_SCALE_WINDOW 8
/** How often a progress report repeats while the weighing waits (also keeps the room's step timer alive). */
#define BATON_SCALE_PROGRESS_EVERY_MS 5000u
/** A change of phase is reported at most this often. */
#define BATON_SCALE_PROGRESS_MIN_GAP_MS 1000u
/** Live telemetry (issue 24): the raw weight goes out at most this often while the load settles (5 a second). */
#define BATON_SCALE_TELEMETRY_EVERY_MS 200u

typedef struct baton_scale_settle_config {
    /** Readings below this are "no load" (the empty platform, a bag on it). */
    int32_t min_load_grams;
    /** The window is stable when its highest and lowest readings differ by at most this. */
    int32_t stable_grams;
    /** Time from the start of the run after which the weighing fails. */
    uint32_t timeout_ms;
} baton_scale_settle_config_t;

typedef enum {
    /** Nothing to report. */
    BATON_SCALE_NOTHING,
    /** Report progress (*progress, message from baton_scale_settle_message()). */
    BATON_SCALE_PROGRESS,
    /** Done: *grams is the average of the stable window. */
    BATON_SCALE_DONE,
    /** Timed out with no load on the platform: fail with NOTHING_TO_MEASURE. */
    BATON_SCALE_NO_LOAD,
    /** Timed out with a load that never settled: fail (DEVICE_FAILED, "did not settle"). */
    BATON_SCALE_UNSTABLE,
} baton_scale_step_t;

typedef enum {
    BATON_SCALE_WAITING_FOR_LOAD,
    BATON_SCALE_SETTLING,
} baton_scale_phase_t;

typedef struct baton_scale_settle {
    baton_scale_settle_config_t config;
    uint64_t started_ms;
    int32_t window[BATON_SCALE_WINDOW];
    /** Readings in the window (consecutive readings at or above the minimum). */
    size_t count;
    baton_scale_phase_t phase;
    /** When the last progress report went out, and the phase it named; `reported` is false before the first one. */
    uint64_t reported_ms;
    baton_scale_phase_t reported_phase;
    bool reported;
    bool finished;
    /** When the raw weight last went out as telemetry; `telemetry_sent` is false before the first. */
    uint64_t telemetry_ms;
    bool telemetry_sent;
} baton_scale_settle_t;

/** Checks a configuration: a positive minimum and timeout, a non-negative spread. */
bool baton_scale_settle_config_valid(const baton_scale_settle_config_t *config);

/** Begins a weighing at `now_ms`. */
void baton_scale_settle_begin(baton_scale_settle_t *s, const baton_scale_settle_config_t *config, uint64_t now_ms);

/**
 * Advances the weighing at `now_ms`, with one new reading when `has_reading` (a conversion
 * may not be ready at every call). Once DONE, NO_LOAD or UNSTABLE was returned, it returns
 * NOTHING until the next begin.
 * @param progress set with BATON_SCALE_PROGRESS: 0 while waiting for a load, 0.5 while settling.
 * @param grams    set with BATON_SCALE_DONE.
 */
baton_scale_step_t baton_scale_settle_feed(baton_scale_settle_t *s, uint64_t now_ms, bool has_reading, int32_t reading_grams,
                                           double *progress, int32_t *grams);

/**
 * Whether the reading just fed should go out as live telemetry (the `weight` channel, issue
 * 24): only while a load is on the platform and settling — not while it is empty, not once
 * the weighing is over (its result carries the weight) — and at most every
 * BATON_SCALE_TELEMETRY_EVERY_MS. Call it after baton_scale_settle_feed() with the same
 * `has_reading`; a true answer counts as sent.
 */
bool baton_scale_settle_telemetry_due(baton_scale_settle_t *s, uint64_t now_ms, bool has_reading);

/** What the weighing is doing, for the progress report: "waiting for a load" or "settling". */
const char *baton_scale_settle_message(const baton_scale_settle_t *s);

#ifdef __cplusplus
}
#endif

#endif /* BATON_SCALE_SETTLE_H */
