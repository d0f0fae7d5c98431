/**
 * @file instrument_scale.c
 * @brief Simulated weighing scale: session type "weighing", the seed's one-shot flow.
 *
 * input  {userAge?: number, userGender?: "male"|"female"|"other", heightCm?: number}
 * output {weight: kg, unit: "kg", stable: true, bmi?: number (only with heightCm: a scale
 *        cannot measure height)} — the one shape of every Baton scale
 *        (shared/instruments/weighing.output.schema.json).
 */
#include <stdio.h>
#include <string.h>

#include "instruments.h"

static void declare(baton_mp_writer_t *w)
{
    static const char *const genders[] = {"male", "female", "other"};
    baton_mp_write_array(w, 1);
    baton_mp_write_map(w, 3);
    baton_mp_write_cstr(w, "name");
    baton_mp_write_cstr(w, "weighing");
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
    return true;
}

static instrument_step_t poll(instrument_job_t *job, double fraction, double *progress, char *message, size_t message_cap,
                              baton_mp_writer_t *output)
{
    (void)progress;
    (void)message;
    (void)message_cap;
    if (fraction < 1.0) {
        return STEP_WORKING; /* a scale settles and reads once: no progress steps */
    }
    double weight = instrument_reading(job, 1, 50.0, 100.0, 1);
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

const instrument_t instrument_scale = {"scale", "weighing", 1500, declare, begin, poll};
