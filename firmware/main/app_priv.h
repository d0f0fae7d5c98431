/**
 * @file app_priv.h
 * @brief The boundary between the wiring (app_main.c) and the instrument (app_driver.c).
 *
 * The driver knows the hardware and nothing about Baton's protocol; app_main.c knows the
 * runner and nothing about GPIOs. Jobs advance in app_driver_poll(), called from the main
 * loop (never from a runner hook, which may not call back into the runner).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    /** No job, or still working with nothing to report. */
    APP_JOB_NOTHING,
    /** Report *progress / message. */
    APP_JOB_PROGRESS,
    /** Finished: output holds the encoded msgpack result map. */
    APP_JOB_DONE,
    /** Failed: *failure_code (a BATON_ERROR_CODE_*) and message say why. */
    APP_JOB_FAILED,
} app_job_step_t;

/**
 * Initialises the instrument hardware (checks the pins, tares the scale). An error is an
 * instrument fault, not a reason to stop: the device stays connected, every run fails with
 * INSTRUMENT_FAULT, and the next run tries the hardware again.
 */
esp_err_t app_driver_init(void);

/** Writes the msgpack `sessionTypes` array this instrument declares; returns its length (0 on error). */
size_t app_driver_declare(uint8_t *buf, size_t cap);

/** Writes the msgpack `telemetry` channel array this instrument declares (issue 24); 0 = none. */
size_t app_driver_declare_telemetry(uint8_t *buf, size_t cap);

/** A live telemetry sample due since the last poll (the scale's raw weight while it settles); false if none. */
bool app_driver_telemetry(const char **channel, double *value);

/** Begins a run (input is a msgpack map, valid until the run ends). */
void app_driver_start(const char *run_id, const uint8_t *input, size_t input_len);

/** Stops the current run, if it is `run_id`. */
void app_driver_cancel(const char *run_id);

/** Advances the current run; `run_id` receives its id when something is reported. */
app_job_step_t app_driver_poll(char *run_id, size_t run_id_cap, double *progress, char *message, size_t message_cap,
                               const char **failure_code, uint8_t *output, size_t output_cap, size_t *output_len);

/** True once the instrument is physically back to its resting state (scale: platform empty). */
bool app_driver_is_reset(void);

#ifdef __cplusplus
}
#endif
