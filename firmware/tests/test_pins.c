/**
 * @file test_pins.c
 * @brief Pin validation per target: the ESP32's flash, strapping, console and input-only
 *        pins, the ESP32-C3's flash, USB, console and strapping pins, and the sentences.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "baton_pins.h"

/* The defaults of main/Kconfig.projbuild and sdkconfig.defaults.<target> must pass. */
static void kconfig_defaults_are_accepted(void **state)
{
    (void)state;
    char why[200];
    assert_int_equal(baton_pins_check_pair(BATON_CHIP_ESP32, "HX711 DOUT", 19, "HX711 SCK", 18, why, sizeof why), BATON_PIN_OK);
    assert_string_equal(why, "");
    assert_int_equal(baton_pins_check_pair(BATON_CHIP_ESP32C3, "HX711 DOUT", 4, "HX711 SCK", 5, why, sizeof why), BATON_PIN_OK);
}

static void esp32_refuses_flash_strapping_console_and_input_only(void **state)
{
    (void)state;
    for (int pin = 6; pin <= 11; pin++) {
        assert_int_equal(baton_pin_check(BATON_CHIP_ESP32, pin, BATON_PIN_INPUT), BATON_PIN_FLASH);
    }
    const int strapping[] = {0, 2, 5, 12, 15};
    for (size_t i = 0; i < sizeof strapping / sizeof strapping[0]; i++) {
        assert_int_equal(baton_pin_check(BATON_CHIP_ESP32, strapping[i], BATON_PIN_INPUT), BATON_PIN_STRAPPING);
        assert_int_equal(baton_pin_check(BATON_CHIP_ESP32, strapping[i], BATON_PIN_OUTPUT), BATON_PIN_STRAPPING);
    }
    assert_int_equal(baton_pin_check(BATON_CHIP_ESP32, 1, BATON_PIN_OUTPUT), BATON_PIN_CONSOLE);
    assert_int_equal(baton_pin_check(BATON_CHIP_ESP32, 3, BATON_PIN_INPUT), BATON_PIN_CONSOLE);
    for (int pin = 34; pin <= 39; pin++) {
        assert_int_equal(baton_pin_check(BATON_CHIP_ESP32, pin, BATON_PIN_INPUT), BATON_PIN_OK);
        assert_int_equal(baton_pin_check(BATON_CHIP_ESP32, pin, BATON_PIN_OUTPUT), BATON_PIN_INPUT_ONLY);
    }
    const int missing[] = {-1, 20, 24, 28, 29, 30, 31, 40, 48};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        assert_int_equal(baton_pin_check(BATON_CHIP_ESP32, missing[i], BATON_PIN_INPUT), BATON_PIN_NOT_A_GPIO);
    }
    const int fine[] = {4, 13, 14, 16, 17, 18, 19, 21, 22, 23, 25, 26, 27, 32, 33};
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++) {
        assert_int_equal(baton_pin_check(BATON_CHIP_ESP32, fine[i], BATON_PIN_OUTPUT), BATON_PIN_OK);
    }
}

static void esp32c3_refuses_flash_usb_console_and_strapping(void **state)
{
    (void)state;
    for (int pin = 11; pin <= 17; pin++) {
        assert_int_equal(baton_pin_check(BATON_CHIP_ESP32C3, pin, BATON_PIN_INPUT), BATON_PIN_FLASH);
    }
    assert_int_equal(baton_pin_check(BATON_CHIP_ESP32C3, 18, BATON_PIN_OUTPUT), BATON_PIN_USB);
    assert_int_equal(baton_pin_check(BATON_CHIP_ESP32C3, 19, BATON_PIN_INPUT), BATON_PIN_USB);
    assert_int_equal(baton_pin_check(BATON_CHIP_ESP32C3, 20, BATON_PIN_INPUT), BATON_PIN_CONSOLE);
    assert_int_equal(baton_pin_check(BATON_CHIP_ESP32C3, 21, BATON_PIN_OUTPUT), BATON_PIN_CONSOLE);
    assert_int_equal(baton_pin_check(BATON_CHIP_ESP32C3, 2, BATON_PIN_INPUT), BATON_PIN_STRAPPING);
    assert_int_equal(baton_pin_check(BATON_CHIP_ESP32C3, 8, BATON_PIN_OUTPUT), BATON_PIN_STRAPPING);
    assert_int_equal(baton_pin_check(BATON_CHIP_ESP32C3, 9, BATON_PIN_INPUT), BATON_PIN_STRAPPING);
    assert_int_equal(baton_pin_check(BATON_CHIP_ESP32C3, 22, BATON_PIN_INPUT), BATON_PIN_NOT_A_GPIO);
    assert_int_equal(baton_pin_check(BATON_CHIP_ESP32C3, -3, BATON_PIN_INPUT), BATON_PIN_NOT_A_GPIO);
    const int fine[] = {0, 1, 3, 4, 5, 6, 7, 10};
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++) {
        assert_int_equal(baton_pin_check(BATON_CHIP_ESP32C3, fine[i], BATON_PIN_OUTPUT), BATON_PIN_OK);
    }
}

/* The old default (DOUT 19, SCK 18) on a C3 is the USB port: refused with a sentence. */
static void refusals_are_sentences_naming_the_pin(void **state)
{
    (void)state;
    char why[200];
    assert_int_equal(baton_pins_check_pair(BATON_CHIP_ESP32C3, "HX711 DOUT", 19, "HX711 SCK", 18, why, sizeof why),
                     BATON_PIN_USB);
    assert_non_null(strstr(why, "HX711 DOUT GPIO19 is refused on the ESP32-C3"));
    assert_non_null(strstr(why, "USB"));
    assert_int_equal(baton_pins_check_pair(BATON_CHIP_ESP32, "HX711 DOUT", 12, "HX711 SCK", 13, why, sizeof why),
                     BATON_PIN_STRAPPING);
    assert_non_null(strstr(why, "GPIO12"));
    assert_non_null(strstr(why, "1.8 V flash"));
    assert_int_equal(baton_pins_check_pair(BATON_CHIP_ESP32, "HX711 DOUT", 26, "HX711 SCK", 36, why, sizeof why),
                     BATON_PIN_INPUT_ONLY);
    assert_non_null(strstr(why, "HX711 SCK GPIO36"));
    assert_int_equal(baton_pins_check_pair(BATON_CHIP_ESP32C3, "HX711 DOUT", 4, "HX711 SCK", 4, why, sizeof why),
                     BATON_PIN_SAME);
    /* A short buffer is cut, never overrun. */
    char tiny[8];
    assert_int_equal(baton_pins_check_pair(BATON_CHIP_ESP32C3, "HX711 DOUT", 14, "HX711 SCK", 5, tiny, sizeof tiny),
                     BATON_PIN_FLASH);
    assert_int_equal(strlen(tiny), sizeof tiny - 1);
    for (int v = BATON_PIN_NOT_A_GPIO; v <= BATON_PIN_SAME; v++) {
        assert_true(strlen(baton_pin_reason(BATON_CHIP_ESP32, (baton_pin_verdict_t)v)) > 10);
        assert_true(strlen(baton_pin_reason(BATON_CHIP_ESP32C3, (baton_pin_verdict_t)v)) > 10);
    }
}

static void other_chips_only_refuse_negative_pins(void **state)
{
    (void)state;
    assert_int_equal(baton_pin_check(BATON_CHIP_OTHER, 19, BATON_PIN_OUTPUT), BATON_PIN_OK);
    assert_int_equal(baton_pin_check(BATON_CHIP_OTHER, -1, BATON_PIN_OUTPUT), BATON_PIN_NOT_A_GPIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kconfig_defaults_are_accepted),
        cmocka_unit_test(esp32_refuses_flash_strapping_console_and_input_only),
        cmocka_unit_test(esp32c3_refuses_flash_usb_console_and_strapping),
        cmocka_unit_test(refusals_are_sentences_naming_the_pin),
        cmocka_unit_test(other_chips_only_refuse_negative_pins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
