/**
 * @file baton_scale_output.h
 * @brief The `outputSchema` every Baton scale declares in `hello` for its "weighing" runs.
 *
 * Why: a result should read like a result — "Weight 72.4 kg", not "weight 72.4". The server
 * keeps what the device declares (docs/PROTOCOL.md §5, `hello`) and the dashboard and
 * `demo:claim` label each value with its `title` and `x-unit`. The ESP32 app
 * (main/app_driver.c) and baton-vdevice's simulated scale (apps/vdevice/instrument_scale.c)
 * both write it with this one function, and tests/test_scale_output.c holds it equal to
 * shared/instruments/weighing.output.schema.json (which the TypeScript simulator declares too).
 */
#ifndef BATON_SCALE_OUTPUT_H
#define BATON_SCALE_OUTPUT_H

#include "baton_msgpack.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Writes the weighing output schema — one msgpack map: `type`, `properties` (weight in kg,
 * unit, stable, bmi in kg/m², each with its title), `required`, `additionalProperties` — as
 * the value of a session type's `outputSchema` key.
 *
 * @param w writer positioned where the value goes.
 * @return BATON_OK, or the writer's status (BATON_ERR_NO_SPACE when the buffer is too small;
 *         the writer then stays in that status, as after any write that did not fit).
 */
baton_status_t baton_scale_write_output_schema(baton_mp_writer_t *w);

#ifdef __cplusplus
}
#endif

#endif /* BATON_SCALE_OUTPUT_H */
