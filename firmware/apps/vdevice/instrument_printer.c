/**
 * @file instrument_printer.c
 * @brief Simulated 3D printer: session type "printing", a long job with progress reports.
 *
 * input  {fileName: string, material: "PLA"|"ABS"|"PETG", quality: "draft"|"normal"|"high"}
 * output {printTime: seconds, filamentUsed: grams, status: "completed"}
 * A fileName containing "fail" jams the nozzle half-way (a failure path for tests).
 */
#include <stdio.h>
#include <string.h>

#include "instruments.h"

#define PROGRESS_STEPS 10

static void declare(baton_mp_writer_t *w)
{
    static const char *const materials[] = {"PLA", "ABS", "PETG"};
    static const char *const qualities[] = {"draft", "normal", "high"};
    baton_mp_write_array(w, 1);
    baton_mp_write_map(w, 4);
    baton_mp_write_cstr(w, "name");
    baton_mp_write_cstr(w, "printing");
    baton_mp_write_cstr(w, "inputSchema");
    baton_mp_write_map(w, 4);
    baton_mp_write_cstr(w, "type");
    baton_mp_write_cstr(w, "object");
    baton_mp_write_cstr(w, "properties");
    baton_mp_write_map(w, 3);
    baton_mp_write_cstr(w, "fileName");
    schema_string(w, NULL, 0);
    baton_mp_write_cstr(w, "material");
    schema_string(w, materials, 3);
    baton_mp_write_cstr(w, "quality");
    schema_string(w, qualities, 3);
    baton_mp_write_cstr(w, "required");
    baton_mp_write_array(w, 3);
    baton_mp_write_cstr(w, "fileName");
    baton_mp_write_cstr(w, "material");
    baton_mp_write_cstr(w, "quality");
    baton_mp_write_cstr(w, "additionalProperties");
    baton_mp_write_bool(w, false);
    baton_mp_write_cstr(w, "maxDurationMs");
    baton_mp_write_uint(w, 600000);
    baton_mp_write_cstr(w, "stepTimeoutMs");
    baton_mp_write_uint(w, 30000);
}

static bool begin(instrument_job_t *job, const baton_mp_reader_t *input, char *error, size_t error_cap)
{
    static const char *const keys[] = {"fileName", "material", "quality"};
    for (int i = 0; i < 3; i++) {
        if (!instrument_read_text(input, keys[i], job->text[i], sizeof job->text[i], true)) {
            snprintf(error, error_cap, "%s is required and must be a short string", keys[i]);
            return false;
        }
    }
    return true;
}

static instrument_step_t poll(instrument_job_t *job, double fraction, double *progress, char *message, size_t message_cap,
                              baton_mp_writer_t *output)
{
    int step = (int)(fraction * PROGRESS_STEPS);
    if (strstr(job->text[0], "fail") != NULL && step >= PROGRESS_STEPS / 2) {
        snprintf(message, message_cap, "nozzle jammed at layer %d", 40 + job->reported_steps);
        return STEP_FAILED;
    }
    if (fraction < 1.0) {
        if (step <= job->reported_steps) {
            return STEP_WORKING;
        }
        job->reported_steps = step;
        *progress = (double)step / PROGRESS_STEPS;
        snprintf(message, message_cap, "printing %s: layer %d", job->text[0], step * 12);
        return STEP_PROGRESS;
    }
    double quality_factor = strcmp(job->text[2], "high") == 0 ? 1.6 : strcmp(job->text[2], "draft") == 0 ? 0.6 : 1.0;
    baton_mp_write_map(output, 3);
    baton_mp_write_cstr(output, "printTime");
    baton_mp_write_double(output, instrument_reading(job, 2, 600.0, 3600.0, 0) * quality_factor);
    baton_mp_write_cstr(output, "filamentUsed");
    baton_mp_write_double(output, instrument_reading(job, 3, 5.0, 80.0, 1));
    baton_mp_write_cstr(output, "status");
    baton_mp_write_cstr(output, "completed");
    return STEP_DONE;
}

const instrument_t instrument_printer = {"printer", "printing", 10000, declare, begin, poll, NULL};
