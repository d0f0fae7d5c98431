/**
 * @file app_main.c
 * @brief Wiring: NVS, Wi-Fi, the ESP-IDF port, the Baton runner and the instrument driver.
 *
 * One task (this one) owns the runner: it waits for socket events from the port, advances
 * the instrument, and ticks the session. Everything Baton-specific lives in baton_core;
 * everything hardware-specific in app_driver.c.
 */
#include <stdio.h>
#include <string.h>

#include "esp_event.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "esp_system.h"
#include "esp_wifi.h"
#include "freertos/FreeRTOS.h"
#include "freertos/event_groups.h"
#include "freertos/task.h"
#include "nvs_flash.h"
#include "sdkconfig.h"

#include "app_credentials.h"
#include "app_priv.h"
#include "app_storage.h"
#include "baton_espidf.h"
#include "baton_protocol.h"
#include "baton_runner.h"

static const char *TAG = "app_main";

#define FIRMWARE_VERSION "baton-esp32/0.1.0"
#define WIFI_CONNECTED_BIT BIT0
#define LOOP_MAX_WAIT_MS 20
/* After a refusal the device waits this long before trying again from a fresh boot. */
#define STOPPED_RETRY_MS (60u * 60u * 1000u)

static EventGroupHandle_t s_wifi_events;
/* Static, not on the task stack: the runner holds the action arena and the held report. */
static baton_espidf_t s_port_state;
static baton_port_t s_port;
static baton_runner_t s_runner;
static uint8_t s_session_types[512];
static char s_secret[128];
static bool s_waiting_for_reset;

static void on_wifi_event(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    (void)arg;
    (void)data;
    if (base == WIFI_EVENT && id == WIFI_EVENT_STA_START) {
        esp_wifi_connect();
    } else if (base == WIFI_EVENT && id == WIFI_EVENT_STA_DISCONNECTED) {
        /* Wi-Fi reconnects on its own; the Baton session notices the dead socket and backs off. */
        xEventGroupClearBits(s_wifi_events, WIFI_CONNECTED_BIT);
        esp_wifi_connect();
    } else if (base == IP_EVENT && id == IP_EVENT_STA_GOT_IP) {
        xEventGroupSetBits(s_wifi_events, WIFI_CONNECTED_BIT);
    }
}

static bool wifi_start(void)
{
    wifi_config_t config = {0};
    /* Exact copies: a 32-character SSID or a 64-digit PSK fills its field with no NUL. */
    if (!app_copy_credential(config.sta.ssid, sizeof config.sta.ssid, CONFIG_BATON_WIFI_SSID) ||
        !app_copy_credential(config.sta.password, sizeof config.sta.password, CONFIG_BATON_WIFI_PASSWORD)) {
        ESP_LOGE(TAG, "Wi-Fi SSID (max %d characters) or password (max %d) too long: check menuconfig", APP_WIFI_SSID_MAX,
                 APP_WIFI_PASSWORD_MAX);
        return false;
    }
    s_wifi_events = xEventGroupCreate();
    ESP_ERROR_CHECK(esp_netif_init());
    ESP_ERROR_CHECK(esp_event_loop_create_default());
    esp_netif_create_default_wifi_sta();
    wifi_init_config_t init = WIFI_INIT_CONFIG_DEFAULT();
    ESP_ERROR_CHECK(esp_wifi_init(&init));
    ESP_ERROR_CHECK(esp_event_handler_instance_register(WIFI_EVENT, ESP_EVENT_ANY_ID, on_wifi_event, NULL, NULL));
    ESP_ERROR_CHECK(esp_event_handler_instance_register(IP_EVENT, IP_EVENT_STA_GOT_IP, on_wifi_event, NULL, NULL));
    config.sta.threshold.authmode = WIFI_AUTH_WPA2_PSK;
    ESP_ERROR_CHECK(esp_wifi_set_mode(WIFI_MODE_STA));
    ESP_ERROR_CHECK(esp_wifi_set_config(WIFI_IF_STA, &config));
    ESP_ERROR_CHECK(esp_wifi_start());
    return true;
}

/* ---- NVS through app_storage (which decides what may be erased: never the secret's partition). */

static app_nvs_init_t nvs_init_partition(void *ctx, const char *label)
{
    (void)ctx;
    esp_err_t err = nvs_flash_init_partition(label);
    if (err == ESP_ERR_NVS_NO_FREE_PAGES || err == ESP_ERR_NVS_NEW_VERSION_FOUND) {
        return APP_NVS_INIT_NEEDS_ERASE;
    }
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "NVS partition \"%s\": %s", label, esp_err_to_name(err));
        return APP_NVS_INIT_FAILED;
    }
    return APP_NVS_INIT_OK;
}

static bool nvs_erase_partition(void *ctx, const char *label)
{
    (void)ctx;
    ESP_LOGW(TAG, "NVS partition \"%s\" needs an erase (layout change): unacknowledged reports are lost", label);
    return nvs_flash_erase_partition(label) == ESP_OK;
}

static bool s_secret_partition_ready;

static bool nvs_start(void)
{
    const app_nvs_ops_t ops = {.init = nvs_init_partition, .erase = nvs_erase_partition};
    app_storage_result_t storage = app_storage_start(&ops, BATON_NVS_DATA_PARTITION, BATON_NVS_SECRET_PARTITION);
    s_secret_partition_ready = storage.secret_ready;
    if (!storage.secret_ready) {
        ESP_LOGE(TAG, "the secret's NVS partition \"%s\" is unreadable; it is never erased by the firmware: "
                 "re-provision it (firmware/README.md)", BATON_NVS_SECRET_PARTITION);
    }
    return storage.data_ready;
}

/* The secret comes from its own NVS partition; the Kconfig fallback exists for bench development only. */
static bool load_secret(void)
{
    if (s_secret_partition_ready && baton_espidf_read_secret(s_secret, sizeof s_secret) == ESP_OK && s_secret[0] != '\0') {
        return true;
    }
    if (CONFIG_BATON_DEV_SECRET[0] != '\0') {
        ESP_LOGW(TAG, "no secret in NVS: using the DEVELOPMENT fallback secret from Kconfig");
        snprintf(s_secret, sizeof s_secret, "%s", CONFIG_BATON_DEV_SECRET);
        return true;
    }
    return false;
}

/* ---- runner hooks: record only; the loop does the work (hooks may not call the runner). */

static void job_start(void *ctx, const char *run_id, const char *session_type, const uint8_t *input, size_t input_len,
                      uint64_t budget_ms)
{
    (void)ctx;
    ESP_LOGI(TAG, "run %s (%s), budget %llu ms", run_id, session_type, (unsigned long long)budget_ms);
    s_waiting_for_reset = false;
    app_driver_start(run_id, input, input_len);
}

static void job_cancel(void *ctx, const char *run_id)
{
    (void)ctx;
    app_driver_cancel(run_id);
    s_waiting_for_reset = true;
}

static void on_event(void *ctx, baton_event_t event, const char *run_id, const char *text, uint64_t number)
{
    (void)ctx;
    (void)run_id;
    (void)text;
    (void)number;
    if (event == BATON_EVENT_RESULT_ACKED) {
        s_waiting_for_reset = true; /* `ready` once the platform is empty again */
    }
}

static void advance_instrument(void)
{
    static uint8_t output[256];
    char run_id[BATON_RUN_ID_MAX + 1];
    char message[128] = "";
    double progress = 0;
    size_t output_len = 0;
    const char *failure_code = BATON_ERROR_CODE_DEVICE_FAILED;
    switch (app_driver_poll(run_id, sizeof run_id, &progress, message, sizeof message, &failure_code, output, sizeof output,
                            &output_len)) {
    case APP_JOB_NOTHING:
        break;
    case APP_JOB_PROGRESS:
        baton_runner_job_progress(&s_runner, run_id, progress, message);
        break;
    case APP_JOB_DONE:
        baton_runner_job_result(&s_runner, run_id, output, output_len);
        break;
    case APP_JOB_FAILED:
        baton_runner_job_failed(&s_runner, run_id, failure_code, message);
        s_waiting_for_reset = true;
        break;
    }
    if (s_waiting_for_reset && app_driver_is_reset() && baton_runner_device_ready(&s_runner) == BATON_OK) {
        s_waiting_for_reset = false;
    }
}

/*
 * The session stopped by itself. Exhausted retries: restart at once, which also resets Wi-Fi
 * and the TCP/IP stack. Refused / replaced / revoked: the protocol says not to reconnect
 * (retrying cannot fix it); wait an hour so a fixed registry or a removed twin is picked up
 * without a site visit. An unacknowledged result survives in NVS either way.
 */
static void wait_and_restart(baton_stop_reason_t reason) __attribute__((noreturn));
static void wait_and_restart(baton_stop_reason_t reason)
{
    const bool operator_needed = reason == BATON_STOP_REFUSED || reason == BATON_STOP_REPLACED || reason == BATON_STOP_REVOKED;
    const uint32_t wait_ms = operator_needed ? STOPPED_RETRY_MS : 1000;
    ESP_LOGE(TAG, "session stopped (reason %d): restarting in %lu s", (int)reason, (unsigned long)(wait_ms / 1000));
    vTaskDelay(pdMS_TO_TICKS(wait_ms));
    esp_restart();
}

void app_main(void)
{
    if (!nvs_start()) {
        ESP_LOGE(TAG, "NVS data partition \"%s\" unusable: unacknowledged reports cannot be kept", BATON_NVS_DATA_PARTITION);
        return;
    }
    if (!load_secret()) {
        ESP_LOGE(TAG, "no device secret: provision it into NVS partition \"%s\" (namespace \"%s\", key \"%s\"); "
                 "see firmware/README.md", BATON_NVS_SECRET_PARTITION, BATON_NVS_NAMESPACE, BATON_NVS_KEY_SECRET);
        return;
    }
    /* https with certificate verification, or plain http on a lab network only (README, "TLS"). */
    if (baton_espidf_check_url(CONFIG_BATON_SERVER_URL) != ESP_OK) {
        ESP_LOGE(TAG, "server URL refused: fix BATON_SERVER_URL or the TLS options in menuconfig");
        return;
    }
    if (app_driver_init() != ESP_OK) {
        /* Not a reason to reboot (that loops for ever): stay connected, fail runs with INSTRUMENT_FAULT. */
        ESP_LOGE(TAG, "instrument fault: the device connects anyway and reports it with every run");
    }
    size_t types_len = app_driver_declare(s_session_types, sizeof s_session_types);
    if (types_len == 0) {
        ESP_LOGE(TAG, "session type declaration does not fit");
        return;
    }
    if (!wifi_start()) {
        return;
    }
    ESP_LOGI(TAG, "waiting for Wi-Fi \"%s\"", CONFIG_BATON_WIFI_SSID);
    xEventGroupWaitBits(s_wifi_events, WIFI_CONNECTED_BIT, pdFALSE, pdTRUE, portMAX_DELAY);

    ESP_ERROR_CHECK(baton_espidf_init(&s_port_state, &s_port));
    baton_session_config_t config = {
        .server_url = CONFIG_BATON_SERVER_URL,
        .device_id = CONFIG_BATON_DEVICE_ID,
        .firmware = FIRMWARE_VERSION,
        .session_types = s_session_types,
        .session_types_len = types_len,
        .heartbeat_interval_ms = CONFIG_BATON_HEARTBEAT_MS,
        .backoff = {.initial_delay_ms = 500,
                    .max_delay_ms = CONFIG_BATON_RECONNECT_MAX_DELAY_MS,
                    .max_attempts = CONFIG_BATON_RECONNECT_MAX_ATTEMPTS},
    };
    baton_app_t app = {.job_start = job_start, .job_cancel = job_cancel, .on_event = on_event};
    baton_status_t st = baton_runner_init(&s_runner, &s_port, &app, &config, s_secret);
    if (st != BATON_OK) {
        ESP_LOGE(TAG, "bad Baton configuration (%s): check the server URL and device id", baton_status_str(st));
        return;
    }
    baton_espidf_attach(&s_port_state, &s_runner);
    baton_runner_start(&s_runner);

    for (;;) {
        baton_espidf_service(&s_port_state, baton_runner_idle_ms(&s_runner, LOOP_MAX_WAIT_MS));
        advance_instrument();
        baton_runner_tick(&s_runner);
        if (s_runner.session.state == BATON_CONN_STOPPED) {
            wait_and_restart(s_runner.session.stop_reason);
        }
    }
}
