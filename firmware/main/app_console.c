/**
 * @file app_console.c
 * @brief The provisioning console (see app_console.h). Values are checked by the portable
 *        app_credentials.c (tests/test_credentials.c) before they are written.
 */
#include <stdio.h>
#include <string.h>

#include "esp_console.h"
#include "esp_log.h"
#include "esp_system.h"
#include "nvs.h"
#include "sdkconfig.h"

#include "app_console.h"
#include "app_credentials.h"
#include "baton_espidf.h"

static const char *TAG = "app_console";

/* Writes string values into the secret's partition, all or nothing (one commit). */
static int store(const char *key1, const char *value1, const char *key2, const char *value2)
{
    nvs_handle_t handle;
    esp_err_t err = nvs_open_from_partition(BATON_NVS_SECRET_PARTITION, BATON_NVS_NAMESPACE, NVS_READWRITE, &handle);
    if (err == ESP_OK) {
        err = nvs_set_str(handle, key1, value1);
        if (err == ESP_OK && key2 != NULL) {
            err = nvs_set_str(handle, key2, value2);
        }
        if (err == ESP_OK) {
            err = nvs_commit(handle);
        }
        nvs_close(handle);
    }
    if (err != ESP_OK) {
        printf("not stored: %s\n", esp_err_to_name(err));
        return 1;
    }
    printf("stored in NVS partition \"%s\"; type `restart` when done\n", BATON_NVS_SECRET_PARTITION);
    return 0;
}

static int cmd_wifi(int argc, char **argv)
{
    char why[128];
    if (argc < 2 || argc > 3) {
        printf("usage: wifi <ssid> [password]  (quote values with spaces: wifi \"Lab 2\" \"pass word\")\n");
        return 1;
    }
    const char *password = argc == 3 ? argv[2] : "";
    if (!app_check_wifi_credentials(argv[1], password, why, sizeof why)) {
        printf("refused: %s\n", why);
        return 1;
    }
    ESP_LOGI(TAG, "Wi-Fi credentials for \"%s\" provisioned at the console", argv[1]);
    return store(BATON_NVS_KEY_WIFI_SSID, argv[1], BATON_NVS_KEY_WIFI_PASS, password);
}

static int cmd_secret(int argc, char **argv)
{
    char why[128];
    if (argc != 2) {
        printf("usage: secret <the device secret registered on the server>\n");
        return 1;
    }
    if (!app_check_secret(argv[1], why, sizeof why)) {
        printf("refused: %s\n", why);
        return 1;
    }
    ESP_LOGI(TAG, "device secret provisioned at the console"); /* never the value */
    return store(BATON_NVS_KEY_SECRET, argv[1], NULL, NULL);
}

static int cmd_restart(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    esp_restart();
}

esp_err_t app_console_start_provisioning(void)
{
    esp_console_repl_t *repl = NULL;
    esp_console_repl_config_t repl_config = ESP_CONSOLE_REPL_CONFIG_DEFAULT();
    repl_config.prompt = "baton>";
    esp_err_t err;
#if CONFIG_ESP_CONSOLE_USB_SERIAL_JTAG
    esp_console_dev_usb_serial_jtag_config_t dev = ESP_CONSOLE_DEV_USB_SERIAL_JTAG_CONFIG_DEFAULT();
    err = esp_console_new_repl_usb_serial_jtag(&dev, &repl_config, &repl);
#elif CONFIG_ESP_CONSOLE_UART_DEFAULT || CONFIG_ESP_CONSOLE_UART_CUSTOM
    esp_console_dev_uart_config_t dev = ESP_CONSOLE_DEV_UART_CONFIG_DEFAULT();
    err = esp_console_new_repl_uart(&dev, &repl_config, &repl);
#else
    err = ESP_ERR_NOT_SUPPORTED;
#endif
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "no provisioning console: %s", esp_err_to_name(err));
        return err;
    }
    const esp_console_cmd_t commands[] = {
        {.command = "wifi", .help = "wifi <ssid> [password]: the network this device joins", .func = cmd_wifi},
        {.command = "secret", .help = "secret <value>: the device secret registered on the server", .func = cmd_secret},
        {.command = "restart", .help = "restart with what was stored", .func = cmd_restart},
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0] && err == ESP_OK; i++) {
        err = esp_console_cmd_register(&commands[i]);
    }
    if (err == ESP_OK) {
        err = esp_console_register_help_command();
    }
    if (err == ESP_OK) {
        err = esp_console_start_repl(repl);
    }
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "provisioning console failed: %s", esp_err_to_name(err));
        return err;
    }
    ESP_LOGW(TAG, "PROVISIONING: type `help`, then `wifi <ssid> <password>`, `secret <value>`, `restart`");
    return ESP_OK;
}
