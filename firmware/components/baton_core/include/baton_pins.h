/**
 * @file baton_pins.h
 * @brief Which GPIOs an instrument may use, per chip: strapping, flash, USB and console pins
 *        are refused with a sentence that says why.
 *
 * Portable (no ESP-IDF include) so each target's table is unit-tested on the host
 * (tests/test_pins.c). main/app_driver.c asks it before touching a pin, and also keeps
 * ESP-IDF's GPIO_IS_VALID_GPIO / GPIO_IS_VALID_OUTPUT_GPIO as a second opinion.
 *
 * Sources: the ESP32 and ESP32-C3 datasheets (strapping pins, SPI flash pins) and the
 * ESP32-C3 technical reference (GPIO18/19 are the USB Serial/JTAG D-/D+).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The chips with a pin table. BATON_CHIP_OTHER: only the GPIO driver's own checks apply. */
typedef enum {
    BATON_CHIP_OTHER = 0,
    BATON_CHIP_ESP32,
    BATON_CHIP_ESP32C3,
} baton_chip_t;

typedef enum {
    BATON_PIN_INPUT,
    BATON_PIN_OUTPUT,
} baton_pin_dir_t;

/** Why a pin is refused (BATON_PIN_OK: it is not). */
typedef enum {
    BATON_PIN_OK = 0,
    /** No such GPIO on this chip. */
    BATON_PIN_NOT_A_GPIO,
    /** Wired to the SPI flash (or its supply): driving it crashes the chip. */
    BATON_PIN_FLASH,
    /** Sampled at reset to choose the boot mode or flash voltage. */
    BATON_PIN_STRAPPING,
    /** The USB Serial/JTAG pins: the console and the flashing port. */
    BATON_PIN_USB,
    /** The UART0 console pins. */
    BATON_PIN_CONSOLE,
    /** Input-only: cannot drive a clock. */
    BATON_PIN_INPUT_ONLY,
    /** Both roles on one pin. */
    BATON_PIN_SAME,
} baton_pin_verdict_t;

/** The verdict for one pin in one direction on `chip`. */
baton_pin_verdict_t baton_pin_check(baton_chip_t chip, int pin, baton_pin_dir_t dir);

/** A short reason ("a strapping pin: ..."), never NULL; "" for BATON_PIN_OK. */
const char *baton_pin_reason(baton_chip_t chip, baton_pin_verdict_t verdict);

/**
 * Checks an input pin and an output pin used together (the HX711's DOUT and SCK). On a
 * refusal writes one sentence into `why` (e.g. "HX711 DOUT GPIO12 is refused on the ESP32:
 * a strapping pin ...") and returns the verdict of the first refused pin.
 *
 * @param in_name  the input's name in the sentence ("HX711 DOUT")
 * @param out_name the output's name ("HX711 SCK")
 */
baton_pin_verdict_t baton_pins_check_pair(baton_chip_t chip, const char *in_name, int in_pin, const char *out_name,
                                          int out_pin, char *why, size_t why_cap);

/** "ESP32", "ESP32-C3" or "this chip". */
const char *baton_chip_name(baton_chip_t chip);

#ifdef __cplusplus
}
#endif
