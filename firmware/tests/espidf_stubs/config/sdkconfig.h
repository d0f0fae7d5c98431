/* Type-check stub: the Kconfig values main/ and the port read (defaults of main/Kconfig.projbuild
 * and ports/baton_port_espidf/Kconfig). The baton_core sizes (CONFIG_BATON_CORE_*) are left out:
 * baton_config.h then keeps its host defaults, which are the Kconfig defaults. */
#pragma once
#define CONFIG_BATON_WIFI_SSID ""
#define CONFIG_BATON_WIFI_PASSWORD ""
#define CONFIG_BATON_SERVER_URL "http://192.168.1.10:2567"
#define CONFIG_BATON_DEVICE_ID "scale-1"
#define CONFIG_BATON_DEV_SECRET ""
#define CONFIG_BATON_INSTRUMENT_SCALE 1
#define CONFIG_BATON_HX711_DOUT_GPIO 19
#define CONFIG_BATON_HX711_SCK_GPIO 18
#define CONFIG_BATON_LOADCELL_COUNTS_PER_GRAM 420
#define CONFIG_BATON_SCALE_MIN_LOAD_GRAMS 2000
#define CONFIG_BATON_SCALE_WAIT_MS 20000
#define CONFIG_BATON_HEARTBEAT_MS 5000
#define CONFIG_BATON_RECONNECT_MAX_DELAY_MS 30000
#define CONFIG_BATON_RECONNECT_MAX_ATTEMPTS 40
#define CONFIG_BATON_TLS_CRT_BUNDLE 1
#define CONFIG_IDF_TARGET_ESP32 1
#define CONFIG_BATON_WIFI_CONNECT_TIMEOUT_S 120
#define CONFIG_BATON_SNTP_SERVER "pool.ntp.org"
#define CONFIG_BATON_SNTP_WAIT_S 15
#define CONFIG_BATON_OTA_CONFIRM_TIMEOUT_S 300
#define CONFIG_BATON_STATUS_LED_GPIO -1
#define CONFIG_ESP_MAIN_TASK_STACK_SIZE 10240
/* sdkconfig.defaults turns rollback on; NVS encryption is on in production
 * (sdkconfig.defaults.production): set here so the type-check covers the encrypted path. */
#define CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE 1
#define CONFIG_NVS_ENCRYPTION 1
#define CONFIG_ESP_CONSOLE_UART_DEFAULT 1
