/**
 * @file fuzz_frame.c
 * @brief libFuzzer target: any bytes as a server WebSocket message (baton_frame_parse).
 * Built and run by scripts/firmware-fuzz.sh (clang); findings become cmocka tests in test_frame.c.
 */
#include <stddef.h>
#include <stdint.h>

#include "baton_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    baton_frame_t frame;
    (void)baton_frame_parse(data, size, &frame);
    return 0;
}
