/**
 * @file app_console.h
 * @brief First-time provisioning over the serial console: the Wi-Fi credentials and the
 *        device secret typed in, written to the secret's NVS partition, never into the image.
 *
 * Opened only when the device lacks them (a fresh or erased `baton_sec`), so a provisioned
 * device has no console to overwrite them through. With NVS encryption the values are
 * encrypted on the device with its own keys (firmware/README.md, "Provisioning").
 */
#pragma once

#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Starts a console REPL (UART or USB Serial/JTAG, whichever is the ESP-IDF console) with the
 * commands `wifi <ssid> [password]`, `secret <secret>` and `restart`. Returns once it runs
 * (the REPL has its own task); ESP_ERR_NOT_SUPPORTED when the console is on neither.
 */
esp_err_t app_console_start_provisioning(void);

#ifdef __cplusplus
}
#endif
