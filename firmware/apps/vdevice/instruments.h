/**
 * @file instruments.h
 * @brief The three simulated instruments of baton-vdevice (same as the TypeScript simulator).
 *
 * An instrument declares its session type (name, JSON Schema of the input, limits) and
 * simulates a job: `begin` reads the input, `poll` advances with simulated time and reports
 * progress, a result, or a failure. Time is scaled by --speed so tests run fast.
 */
#ifndef VDEVICE_INSTRUMENTS_H
#define VDEVICE_INSTRUMENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "baton_msgpack.h"
#include "baton_scale_settle.h"

typedef enum {
    /** Still working; nothing new to report. */
    STEP_WORKING,
    /** Report `progress` (0..1) and `message`. */
    STEP_PROGRESS,
    /** Done: `output` holds the encoded result map. */
    STEP_DONE,
    /** Failed: `message` says why, reported with the job's `failure_code` (DEVICE_FAILED when unset). */
    STEP_FAILED,
} instrument_step_t;

/** Inputs read at `begin`, kept for the whole simulated job. */
typedef struct instrument_job {
    char text[3][64];
    double number;
    bool has_number;
    /** Progress steps already reported. */
    int reported_steps;
    /** Seed of this run's simulated readings (so a re-run of the same id reads the same). */
    uint32_t seed;
    /** Simulated time since the job began (scaled by --speed), set before every poll. */
    uint64_t elapsed_ms;
    /** With STEP_FAILED: the failure code (a BATON_ERROR_CODE_*); NULL means DEVICE_FAILED. */
    const char *failure_code;
    /** Instrument-specific state (the scale's settling window). */
    baton_scale_settle_t settle;
    uint64_t last_reading_ms;
    /** Live telemetry (issue 24): a sample for `telemetry_channel` is due (the loop sends it and clears this). */
    bool telemetry_due;
    const char *telemetry_channel;
    double telemetry_value;
} instrument_job_t;

typedef struct instrument {
    /** --instrument value. */
    const char *name;
    /** The session type it declares. */
    const char *session_type;
    /** Simulated duration at --speed 1. */
    uint32_t duration_ms;
    /** Writes the `sessionTypes` array for `hello`. */
    void (*declare)(baton_mp_writer_t *w);
    /** Reads the input; false (with `error`) if the job cannot run. */
    bool (*begin)(instrument_job_t *job, const baton_mp_reader_t *input, char *error, size_t error_cap);
    /** Advances to `fraction` (0..1) of the simulated duration. */
    instrument_step_t (*poll)(instrument_job_t *job, double fraction, double *progress, char *message, size_t message_cap,
                              baton_mp_writer_t *output);
    /** Optional: writes the `telemetry` channel array for `hello` (issue 24); NULL declares none. */
    void (*declare_telemetry)(baton_mp_writer_t *w);
} instrument_t;

extern const instrument_t instrument_scale;
extern const instrument_t instrument_printer;
extern const instrument_t instrument_lab;

/** The simulated scale's options (--scale-min-load-g, --scale-step-on-ms, --scale-wait-ms). */
typedef struct scale_options {
    /** A weighing needs a stable load of at least this (as CONFIG_BATON_SCALE_MIN_LOAD_GRAMS). */
    uint32_t min_load_grams;
    /** Simulated ms after the start when the person steps on; negative: nobody ever does. */
    int64_t step_on_ms;
    /** Simulated ms after which the weighing fails (as CONFIG_BATON_SCALE_WAIT_MS). */
    uint32_t wait_ms;
} scale_options_t;

/** Sets the simulated scale's options (before the first job). */
void instrument_scale_configure(const scale_options_t *options);

/** The instrument called `name`, or NULL. */
const instrument_t *instrument_find(const char *name);

/* Helpers shared by the instruments. */
/** A simulated reading in [low, high], rounded to `decimals`, stable for a job's seed and `salt`. */
double instrument_reading(const instrument_job_t *job, uint32_t salt, double low, double high, int decimals);
/** Copies an optional string input (empty if absent); false if present but not a string or too long. */
bool instrument_read_text(const baton_mp_reader_t *input, const char *key, char *out, size_t cap, bool required);
/** Writes `{type: "string", minLength: 1}`-style property schemas. */
void schema_string(baton_mp_writer_t *w, const char *const *allowed, size_t allowed_count);

#endif /* VDEVICE_INSTRUMENTS_H */
