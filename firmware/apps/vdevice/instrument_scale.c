/**
 * @file instrument_scale.c
 * @brief Simulated weighing scale: session type "weighing", the seed's one-shot flow.
 *
 * input  {userAge?: number, userGender?: "male"|"female"|"other", heightCm?: number}
 * output {weight: kg, unit: "kg", stable: true, bmi?: number (only with heightCm: a scale
 *        cannot measure height)} — the one shape of every Baton scale
 *        (shared/instruments/weighing.output.schema.json), declared in `hello` as its
 *        outputSchema with titles and units (baton_scale_output.h).
 *
 * Like the ESP32's HX711 scale it reads 10 times a (simulated) second and decides with the
 * same baton_scale_settle: the simulated person steps on at --scale-step-on-ms (0: at once;
 * `never`: an empty platform), moves for 0.7 s, then stands still. Until then progress says
 * "waiting for a load"; after --scale-wait-ms with nobody on it the run fails with
 * NOTHING_TO_MEASURE, as on the device.
 */
#include <stdio.h>
#include <string.h>

#include "baton_protocol.h"
#include "baton_scale_output.h"
#include "instruments.h"

#define READING_EVERY_MS 100
#define MOVING_MS 700

static scale_options_t s_options = {.min_load_grams = 2000, .step_on_ms = 0, .wait_ms = 20000};

void instrument_scale_configure(const scale_options_t *options)
{
    s_options = *options;
}

static void declare(baton_mp_writer_t *w)
{
    static const char *const genders[] = {"male", "female", "other"};
    baton_mp_write_array(w, 1);
    baton_mp_write_map(w, 4);
    baton_mp_write_cstr(w, "name");
    baton_mp_write_cstr(w, "weighing");
    /* Titles and units for the result (Weight … kg), as every Baton scale declares them. */
    baton_mp_write_cstr(w, "outputSchema");
    (void)baton_scale_write_output_schema(w); /* a full buffer shows in w->status, checked by the caller */
    baton_mp_write_cstr(w, "inputSchema");
    baton_mp_write_map(w, 3);
    baton_mp_write_cstr(w, "type");
    baton_mp_write_cstr(w, "object");
    baton_mp_write_cstr(w, "properties");
    baton_mp_write_map(w, 3);
    baton_mp_write_cstr(w, "heightCm");
    baton_mp_write_map(w, 3);
    baton_mp_write_cstr(w, "type");
    baton_mp_write_cstr(w, "number");
    baton_mp_write_cstr(w, "minimum");
    baton_mp_write_uint(w, 50);
    baton_mp_write_cstr(w, "maximum");
    baton_mp_write_uint(w, 250);
    baton_mp_write_cstr(w, "userAge");
    baton_mp_write_map(w, 3);
    baton_mp_write_cstr(w, "type");
    baton_mp_write_cstr(w, "number");
    baton_mp_write_cstr(w, "minimum");
    baton_mp_write_uint(w, 0);
    baton_mp_write_cstr(w, "maximum");
    baton_mp_write_uint(w, 150);
    baton_mp_write_cstr(w, "userGender");
    schema_string(w, genders, 3);
    baton_mp_write_cstr(w, "additionalProperties");
    baton_mp_write_bool(w, false);
    baton_mp_write_cstr(w, "maxDurationMs");
    baton_mp_write_uint(w, 30000);
}

static bool begin(instrument_job_t *job, const baton_mp_reader_t *input, char *error, size_t error_cap)
{
    double age = 0;
    baton_status_t st = baton_mp_map_get_double(input, "userAge", &age);
    if (st != BATON_OK && st != BATON_ERR_NOT_FOUND) {
        snprintf(error, error_cap, "userAge must be a number");
        return false;
    }
    /* `number` holds the height: the BMI needs it, and a scale cannot measure it. */
    st = baton_mp_map_get_double(input, "heightCm", &job->number);
    job->has_number = (st == BATON_OK);
    /* The declared range, checked here too: the BMI is rounded through a cast to long, which a
     * tiny height (an infinite BMI) would make undefined. `!(a <= b)` also rejects NaN. */
    if ((st != BATON_OK && st != BATON_ERR_NOT_FOUND) || (job->has_number && !(job->number >= 50.0 && job->number <= 250.0))) {
        snprintf(error, error_cap, "heightCm must be a number from 50 to 250");
        return false;
    }
    if (!instrument_read_text(input, "userGender", job->text[0], sizeof job->text[0], false)) {
        snprintf(error, error_cap, "userGender must be a short string");
        return false;
    }
    const baton_scale_settle_config_t settle = {
        .min_load_grams = (int32_t)s_options.min_load_grams,
        .stable_grams = 200,
        .timeout_ms = s_options.wait_ms,
    };
    baton_scale_settle_begin(&job->settle, &settle, 0);
    job->last_reading_ms = 0;
    return true;
}

/* The platform at simulated time `t`: empty (a few grams of drift), a person moving, or standing still. */
static int32_t simulated_grams(const instrument_job_t *job, double weight_kg, uint64_t t)
{
    const double drift = instrument_reading(job, (uint32_t)(t / READING_EVERY_MS) + 100, -5.0, 5.0, 0);
    if (s_options.step_on_ms < 0 || t < (uint64_t)s_options.step_on_ms) {
        return (int32_t)drift;
    }
    const uint64_t on_for = t - (uint64_t)s_options.step_on_ms;
    const double swing = on_for < MOVING_MS ? 1500.0 : 50.0; /* grams either way */
    const double noise = instrument_reading(job, (uint32_t)(t / READING_EVERY_MS) + 1000, -swing, swing, 0);
    return (int32_t)(weight_kg * 1000.0 + noise);
}

static instrument_step_t poll(instrument_job_t *job, double fraction, double *progress, char *message, size_t message_cap,
                              baton_mp_writer_t *output)
{
    (void)fraction; /* the scale is done when it settles, not after a fixed time */
    const double weight = instrument_reading(job, 1, 50.0, 100.0, 1);
    /* One reading per simulated 100 ms, as the HX711 at 10 SPS. */
    const bool has_reading = job->elapsed_ms >= job->last_reading_ms + READING_EVERY_MS;
    int32_t reading = 0;
    if (has_reading) {
        job->last_reading_ms = job->elapsed_ms - job->elapsed_ms % READING_EVERY_MS;
        reading = simulated_grams(job, weight, job->elapsed_ms);
    }
    int32_t settled = 0;
    const baton_scale_step_t step = baton_scale_settle_feed(&job->settle, job->elapsed_ms, has_reading, reading, progress, &settled);
    if (baton_scale_settle_telemetry_due(&job->settle, job->elapsed_ms, has_reading)) {
        /* The raw weight while the load settles (the `weight` channel, owner-only: see declare_telemetry). */
        job->telemetry_due = true;
        job->telemetry_channel = "weight";
        job->telemetry_value = (double)reading / 1000.0;
    }
    switch (step) {
    case BATON_SCALE_NOTHING:
        return STEP_WORKING;
    case BATON_SCALE_PROGRESS:
        snprintf(message, message_cap, "%s", baton_scale_settle_message(&job->settle));
        return STEP_PROGRESS;
    case BATON_SCALE_NO_LOAD:
        job->failure_code = BATON_ERROR_CODE_NOTHING_TO_MEASURE;
        snprintf(message, message_cap, "nobody stepped on the scale: no stable load of %u g or more within %u ms",
                 (unsigned)s_options.min_load_grams, (unsigned)s_options.wait_ms);
        return STEP_FAILED;
    case BATON_SCALE_UNSTABLE:
        snprintf(message, message_cap, "the reading did not settle (is someone moving on the scale?)");
        return STEP_FAILED;
    case BATON_SCALE_DONE:
        break;
    }
    /* The reported weight is the simulated person's, to 0.1 kg: the same for a re-run of the run id. */
    (void)settled;
    baton_mp_write_map(output, job->has_number ? 4 : 3);
    baton_mp_write_cstr(output, "weight");
    baton_mp_write_double(output, weight);
    baton_mp_write_cstr(output, "unit");
    baton_mp_write_cstr(output, "kg");
    baton_mp_write_cstr(output, "stable");
    baton_mp_write_bool(output, true);
    if (job->has_number) {
        const double metres = job->number / 100.0;
        baton_mp_write_cstr(output, "bmi");
        baton_mp_write_double(output, (double)(long)(weight / (metres * metres) * 10.0 + 0.5) / 10.0);
    }
    return STEP_DONE;
}

/* `hello.telemetry`: the raw weight, in kg, for the holder alone (a person's weight is theirs). */
static void declare_telemetry(baton_mp_writer_t *w)
{
    baton_mp_write_array(w, 1);
    baton_mp_write_map(w, 5);
    baton_mp_write_cstr(w, "name");
    baton_mp_write_cstr(w, "weight");
    baton_mp_write_cstr(w, "unit");
    baton_mp_write_cstr(w, "kg");
    baton_mp_write_cstr(w, "type");
    baton_mp_write_cstr(w, "number");
    baton_mp_write_cstr(w, "maxRateHz");
    baton_mp_write_uint(w, 5);
    baton_mp_write_cstr(w, "visibility");
    baton_mp_write_cstr(w, "owner");
}

const instrument_t instrument_scale = {"scale", "weighing", 1500, declare, begin, poll, declare_telemetry};
