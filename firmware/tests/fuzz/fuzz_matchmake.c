/**
 * @file fuzz_matchmake.c
 * @brief libFuzzer target: any bytes as a matchmaking HTTP answer (seat, error and error-code readers).
 * Built and run by scripts/firmware-fuzz.sh (clang); findings become cmocka tests in
 * test_json_matchmake.c.
 */
#include <stddef.h>
#include <stdint.h>

#include "baton_matchmake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    baton_seat_t seat;
    int64_t code = 0;
    char message[64];
    (void)baton_matchmake_parse_seat((const char *)data, size, &seat);
    baton_matchmake_parse_error((const char *)data, size, &code, message, sizeof message);
    char error_code[BATON_ERROR_CODE_MAX];
    (void)baton_matchmake_parse_error_code((const char *)data, size, error_code, sizeof error_code);
    return 0;
}
