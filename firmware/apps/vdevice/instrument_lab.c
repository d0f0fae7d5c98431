/**
 * @file instrument_lab.c
 * @brief Simulated lab analyser (pH meter): session type "analysis", three measured stages.
 *
 * input  {sampleType: string, testType: string}
 * output {phLevel: number, temperature: °C, quality: "good"|"fair"}
 */
#include <stdio.h>
#include <string.h>

#include "instruments.h"

#define STAGES 3

static void declare(baton_mp_writer_t *w)
{
    baton_mp_write_array(w, 1);
    baton_mp_write_map(w, 3);
    baton_mp_write_cstr(w, "name");
    baton_mp_write_cstr(w, "analysis");
    baton_mp_write_cstr(w, "inputSchema");
    baton_mp_write_map(w, 4);
    baton_mp_write_cstr(w, "type");
    baton_mp_write_cstr(w, "object");
    baton_mp_write_cstr(w, "properties");
    baton_mp_write_map(w, 2);
    baton_mp_write_cstr(w, "sampleType");
    schema_string(w, NULL, 0);
    baton_mp_write_cstr(w, "testType");
    schema_string(w, NULL, 0);
    baton_mp_write_cstr(w, "required");
    baton_mp_write_array(w, 2);
    baton_mp_write_cstr(w, "sampleType");
    baton_mp_write_cstr(w, "testType");
    baton_mp_write_cstr(w, "additionalProperties");
    baton_mp_write_bool(w, false);
    baton_mp_write_cstr(w, "maxDurationMs");
    baton_mp_write_uint(w, 120000);
}

static bool begin(instrument_job_t *job, const baton_mp_reader_t *input, char *error, size_t error_cap)
{
    if (!instrument_read_text(input, "sampleType", job->text[0], sizeof job->text[0], true) ||
        !instrument_read_text(input, "testType", job->text[1], sizeof job->text[1], true)) {
        snprintf(error, error_cap, "sampleType and testType are required short strings");
        return false;
    }
    return true;
}

static instrument_step_t poll(instrument_job_t *job, double fraction, double *progress, char *message, size_t message_cap,
                              baton_mp_writer_t *output)
{
    static const char *const stage_names[STAGES] = {"calibrating", "measuring", "rinsing"};
    if (fraction < 1.0) {
        int stage = (int)(fraction * STAGES);
        if (stage <= job->reported_steps) {
            return STEP_WORKING;
        }
        job->reported_steps = stage;
        *progress = (double)stage / STAGES;
        snprintf(message, message_cap, "%s %s sample", stage_names[stage - 1], job->text[0]);
        return STEP_PROGRESS;
    }
    double ph = instrument_reading(job, 4, 6.5, 7.5, 2);
    baton_mp_write_map(output, 3);
    baton_mp_write_cstr(output, "phLevel");
    baton_mp_write_double(output, ph);
    baton_mp_write_cstr(output, "temperature");
    baton_mp_write_double(output, instrument_reading(job, 5, 20.0, 25.0, 1));
    baton_mp_write_cstr(output, "quality");
    baton_mp_write_cstr(output, (ph > 6.8 && ph < 7.2) ? "good" : "fair");
    return STEP_DONE;
}

const instrument_t instrument_lab = {"lab", "analysis", 3000, declare, begin, poll, NULL};
