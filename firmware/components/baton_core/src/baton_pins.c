/**
 * @file baton_pins.c
 * @brief Per-chip GPIO tables (see baton_pins.h).
 */
#include "baton_pins.h"

#include <stdio.h>

static baton_pin_verdict_t esp32_check(int pin, baton_pin_dir_t dir)
{
    /* GPIO 0-39 minus the ones the package does not bond out. */
    if (pin < 0 || pin > 39 || pin == 20 || pin == 24 || (pin >= 28 && pin <= 31)) {
        return BATON_PIN_NOT_A_GPIO;
    }
    if (pin >= 6 && pin <= 11) {
        return BATON_PIN_FLASH;
    }
    /* GPIO0 (boot mode), 2 (boot mode), 5 (SDIO timing), 12 (MTDI: flash voltage, a pulled-up
     * HX711 DOUT selects 1.8 V flash and the chip does not boot), 15 (MTDO: boot messages). */
    if (pin == 0 || pin == 2 || pin == 5 || pin == 12 || pin == 15) {
        return BATON_PIN_STRAPPING;
    }
    if (pin == 1 || pin == 3) {
        return BATON_PIN_CONSOLE;
    }
    if (dir == BATON_PIN_OUTPUT && pin >= 34) {
        return BATON_PIN_INPUT_ONLY;
    }
    return BATON_PIN_OK;
}

static baton_pin_verdict_t esp32c3_check(int pin, baton_pin_dir_t dir)
{
    (void)dir; /* every ESP32-C3 GPIO can drive */
    if (pin < 0 || pin > 21) {
        return BATON_PIN_NOT_A_GPIO;
    }
    /* GPIO12-17 are the SPI flash; GPIO11 is VDD_SPI (the flash supply) unless an eFuse
     * was burned to free it, which the firmware cannot know. */
    if (pin >= 11 && pin <= 17) {
        return BATON_PIN_FLASH;
    }
    if (pin == 18 || pin == 19) {
        return BATON_PIN_USB;
    }
    if (pin == 20 || pin == 21) {
        return BATON_PIN_CONSOLE;
    }
    /* GPIO2 and GPIO8 must be high and GPIO9 selects download mode at reset. */
    if (pin == 2 || pin == 8 || pin == 9) {
        return BATON_PIN_STRAPPING;
    }
    return BATON_PIN_OK;
}

baton_pin_verdict_t baton_pin_check(baton_chip_t chip, int pin, baton_pin_dir_t dir)
{
    switch (chip) {
    case BATON_CHIP_ESP32: return esp32_check(pin, dir);
    case BATON_CHIP_ESP32C3: return esp32c3_check(pin, dir);
    case BATON_CHIP_OTHER: break;
    }
    return pin < 0 ? BATON_PIN_NOT_A_GPIO : BATON_PIN_OK;
}

const char *baton_chip_name(baton_chip_t chip)
{
    switch (chip) {
    case BATON_CHIP_ESP32: return "ESP32";
    case BATON_CHIP_ESP32C3: return "ESP32-C3";
    case BATON_CHIP_OTHER: break;
    }
    return "this chip";
}

const char *baton_pin_reason(baton_chip_t chip, baton_pin_verdict_t verdict)
{
    const bool c3 = chip == BATON_CHIP_ESP32C3;
    switch (verdict) {
    case BATON_PIN_OK: return "";
    case BATON_PIN_NOT_A_GPIO: return "there is no such GPIO";
    case BATON_PIN_FLASH:
        return c3 ? "GPIO11-17 are wired to the SPI flash or its supply, and driving them crashes the chip"
                  : "GPIO6-11 are wired to the SPI flash, and driving them crashes the chip";
    case BATON_PIN_STRAPPING:
        return c3 ? "a strapping pin (GPIO2, 8, 9) read at reset to choose the boot mode; a sensor holding it "
                    "would stop the board from booting"
                  : "a strapping pin (GPIO0, 2, 5, 12, 15) read at reset; GPIO12 held high by the HX711 selects "
                    "1.8 V flash and the board does not boot";
    case BATON_PIN_USB: return "GPIO18/19 are the USB D-/D+ of the console and flashing port";
    case BATON_PIN_CONSOLE:
        return c3 ? "GPIO20/21 are the UART0 console" : "GPIO1/3 are the UART0 console and flashing port";
    case BATON_PIN_INPUT_ONLY: return "GPIO34-39 are input-only and cannot drive a clock";
    case BATON_PIN_SAME: return "one pin cannot be both the input and the output";
    }
    return "refused";
}

baton_pin_verdict_t baton_pins_check_pair(baton_chip_t chip, const char *in_name, int in_pin, const char *out_name,
                                          int out_pin, char *why, size_t why_cap)
{
    const char *name = in_name;
    int pin = in_pin;
    baton_pin_verdict_t v = baton_pin_check(chip, in_pin, BATON_PIN_INPUT);
    if (v == BATON_PIN_OK) {
        name = out_name;
        pin = out_pin;
        v = baton_pin_check(chip, out_pin, BATON_PIN_OUTPUT);
    }
    if (v == BATON_PIN_OK && in_pin == out_pin) {
        v = BATON_PIN_SAME;
    }
    if (why != NULL && why_cap > 0) {
        if (v == BATON_PIN_OK) {
            why[0] = '\0';
        } else {
            snprintf(why, why_cap, "%s GPIO%d is refused on the %s: %s", name, pin, baton_chip_name(chip),
                     baton_pin_reason(chip, v));
        }
    }
    return v;
}
