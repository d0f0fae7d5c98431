/**
 * @file baton_scale_output.c
 * @brief The weighing output schema (see baton_scale_output.h): the same map, key for key,
 *        as shared/instruments/weighing.output.schema.json without its document keys.
 */
#include "baton_scale_output.h"

/** One labelled number: {type: number, exclusiveMinimum: 0, title, x-unit, x-decimals: 1[, description]}. */
static void write_measurement(baton_mp_writer_t *w, const char *title, const char *unit, const char *description)
{
    baton_mp_write_map(w, description ? 6 : 5);
    baton_mp_write_cstr(w, "type");
    baton_mp_write_cstr(w, "number");
    baton_mp_write_cstr(w, "exclusiveMinimum");
    baton_mp_write_uint(w, 0);
    baton_mp_write_cstr(w, "title");
    baton_mp_write_cstr(w, title);
    baton_mp_write_cstr(w, "x-unit");
    baton_mp_write_cstr(w, unit);
    baton_mp_write_cstr(w, "x-decimals");
    baton_mp_write_uint(w, 1);
    if (description) {
        baton_mp_write_cstr(w, "description");
        baton_mp_write_cstr(w, description);
    }
}

baton_status_t baton_scale_write_output_schema(baton_mp_writer_t *w)
{
    baton_mp_write_map(w, 4);
    baton_mp_write_cstr(w, "type");
    baton_mp_write_cstr(w, "object");
    baton_mp_write_cstr(w, "required");
    baton_mp_write_array(w, 3);
    baton_mp_write_cstr(w, "weight");
    baton_mp_write_cstr(w, "unit");
    baton_mp_write_cstr(w, "stable");
    baton_mp_write_cstr(w, "additionalProperties");
    baton_mp_write_bool(w, false);
    baton_mp_write_cstr(w, "properties");
    baton_mp_write_map(w, 4);

    baton_mp_write_cstr(w, "weight");
    write_measurement(w, "Weight", "kg", NULL);

    baton_mp_write_cstr(w, "unit");
    baton_mp_write_map(w, 2);
    baton_mp_write_cstr(w, "const");
    baton_mp_write_cstr(w, "kg");
    baton_mp_write_cstr(w, "title");
    baton_mp_write_cstr(w, "Unit of weight");

    baton_mp_write_cstr(w, "stable");
    baton_mp_write_map(w, 3);
    baton_mp_write_cstr(w, "const");
    baton_mp_write_bool(w, true);
    baton_mp_write_cstr(w, "title");
    baton_mp_write_cstr(w, "Stable");
    baton_mp_write_cstr(w, "description");
    baton_mp_write_cstr(w, "The reading settled before it was reported.");

    /* "kg/m\xc2\xb2": the superscript two in UTF-8, spelled out so the source stays ASCII. */
    baton_mp_write_cstr(w, "bmi");
    write_measurement(w, "BMI", "kg/m\xc2\xb2", "Body mass index; only when the run's input gave heightCm.");
    return w->status;
}
