/**
 * @file app_ota.c
 * @brief OTA glue: esp_https_ota + esp_ota_ops under the decisions of baton_ota (see app_ota.h).
 *
 * Verification: esp_https_ota_finish() checks the image's own format and appended SHA-256
 * (and its signature with Secure Boot); before that, the image's SHA-256 as ESP-IDF reports
 * it for the written slot (esp_partition_get_sha256) and its version (the image's app
 * description) must equal the offer's, so the server's offer pins the exact image.
 */
#include <stdio.h>
#include <string.h>

#include "esp_https_ota.h"
#include "esp_log.h"
#include "esp_ota_ops.h"
#include "esp_partition.h"
#include "esp_system.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "sdkconfig.h"

#include "app_ota.h"
#include "baton_espidf.h"
#include "baton_ota.h"

static const char *TAG = "app_ota";

#define OTA_TASK_STACK 8192 /* esp_https_ota runs a TLS handshake: Espressif's OTA examples use 8 KB */
#define OTA_HTTP_TIMEOUT_MS 15000

static baton_ota_t s_ota;
static esp_https_ota_handle_t s_handle;
static TaskHandle_t s_task;
static uint32_t s_task_high_water;

/* Written by the download task before it sets s_download_done (release), read by the main
 * task after it sees it set (acquire). */
static struct {
    bool ok;
    uint8_t sha256[32];
    char version[BATON_OTA_VERSION_MAX + 1];
    char error[64];
} s_result;
static int s_download_done;

static void finish_download(bool ok, const char *error)
{
    s_result.ok = ok;
    snprintf(s_result.error, sizeof s_result.error, "%s", error != NULL ? error : "");
    s_task_high_water = (uint32_t)uxTaskGetStackHighWaterMark(NULL);
    __atomic_store_n(&s_download_done, 1, __ATOMIC_RELEASE);
}

static void download_task(void *arg)
{
    (void)arg;
    esp_http_client_config_t http = {
        .url = s_ota.offer.url,
        .timeout_ms = OTA_HTTP_TIMEOUT_MS,
    };
    esp_https_ota_config_t config = {.http_config = &http};
    esp_err_t err = baton_espidf_http_tls(&http); /* the WebSocket's certificate policy */
    if (err == ESP_OK) {
        err = esp_https_ota_begin(&config, &s_handle);
    }
    if (err != ESP_OK) {
        s_handle = NULL;
        char why[64];
        snprintf(why, sizeof why, "cannot start the download: %s", esp_err_to_name(err));
        finish_download(false, why);
        vTaskDelete(NULL);
        return;
    }
    esp_app_desc_t desc;
    memset(&desc, 0, sizeof desc);
    err = esp_https_ota_get_img_desc(s_handle, &desc);
    while (err == ESP_OK) {
        err = esp_https_ota_perform(s_handle);
        if (err != ESP_ERR_HTTPS_OTA_IN_PROGRESS) {
            break;
        }
        err = ESP_OK;
    }
    if (err != ESP_OK || !esp_https_ota_is_complete_data_received(s_handle)) {
        char why[64];
        snprintf(why, sizeof why, "download failed after %d bytes: %s", esp_https_ota_get_image_len_read(s_handle),
                 esp_err_to_name(err == ESP_OK ? ESP_FAIL : err));
        finish_download(false, why);
        vTaskDelete(NULL);
        return;
    }
    const esp_partition_t *slot = esp_ota_get_next_update_partition(NULL);
    if (slot == NULL || esp_partition_get_sha256(slot, s_result.sha256) != ESP_OK) {
        finish_download(false, "cannot read back the written image");
        vTaskDelete(NULL);
        return;
    }
    snprintf(s_result.version, sizeof s_result.version, "%s", desc.version);
    finish_download(true, NULL);
    vTaskDelete(NULL);
}

static void act(baton_ota_action_t action)
{
    switch (action) {
    case BATON_OTA_ACT_NONE:
        break;
    case BATON_OTA_ACT_DOWNLOAD:
        ESP_LOGI(TAG, "downloading %s (version %s)", s_ota.offer.url, s_ota.offer.version);
        __atomic_store_n(&s_download_done, 0, __ATOMIC_RELEASE);
        memset(&s_result, 0, sizeof s_result);
        if (xTaskCreate(download_task, "baton_ota", OTA_TASK_STACK, NULL, 4, &s_task) != pdPASS) {
            act(baton_ota_downloaded(&s_ota, false, NULL, NULL, "no memory for the download task"));
        }
        break;
    case BATON_OTA_ACT_DISCARD:
        ESP_LOGE(TAG, "update to %s abandoned: %s; keeping %s", s_ota.offer.version, s_ota.last_error,
                 s_ota.running_version);
        if (s_handle != NULL) {
            esp_https_ota_abort(s_handle);
            s_handle = NULL;
        }
        break;
    case BATON_OTA_ACT_SWITCH: {
        /* Only now, with the device idle: validates the image and sets the boot slot. */
        esp_err_t err = esp_https_ota_finish(s_handle);
        s_handle = NULL;
        if (err != ESP_OK) {
            ESP_LOGE(TAG, "the image of %s did not validate: %s; keeping %s", s_ota.offer.version, esp_err_to_name(err),
                     s_ota.running_version);
            s_ota.state = BATON_OTA_FAILED;
            snprintf(s_ota.last_error, sizeof s_ota.last_error, "image validation failed: %s", esp_err_to_name(err));
            break;
        }
        ESP_LOGW(TAG, "restarting into %s (on probation until it reaches the server)", s_ota.offer.version);
        esp_restart();
    }
    case BATON_OTA_ACT_CONFIRM: {
        esp_err_t err = esp_ota_mark_app_valid_cancel_rollback();
        if (err == ESP_OK) {
            ESP_LOGI(TAG, "image %s reached the server: confirmed", s_ota.running_version);
        } else {
            ESP_LOGE(TAG, "cannot confirm image %s: %s", s_ota.running_version, esp_err_to_name(err));
        }
        break;
    }
    case BATON_OTA_ACT_ROLLBACK: {
        ESP_LOGE(TAG, "image %s: %s; rolling back", s_ota.running_version, s_ota.last_error);
        /* Restarts into the previous slot; returns only when there is none to go back to. */
        esp_err_t err = esp_ota_mark_app_invalid_rollback_and_reboot();
        ESP_LOGE(TAG, "rollback impossible (%s): staying on %s", esp_err_to_name(err), s_ota.running_version);
        break;
    }
    }
}

void app_ota_init(const char *running_version, uint64_t now_ms)
{
    baton_ota_boot_t boot = BATON_OTA_BOOT_CONFIRMED;
#if CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE
    esp_ota_img_states_t state;
    const esp_partition_t *running = esp_ota_get_running_partition();
    if (running != NULL && esp_ota_get_state_partition(running, &state) == ESP_OK && state == ESP_OTA_IMG_PENDING_VERIFY) {
        boot = BATON_OTA_BOOT_PENDING_VERIFY;
        ESP_LOGW(TAG, "first boot of %s: on probation for %d s until it reaches the server", running_version,
                 CONFIG_BATON_OTA_CONFIRM_TIMEOUT_S);
    }
#endif
    baton_ota_init(&s_ota, running_version, boot, now_ms, (uint32_t)CONFIG_BATON_OTA_CONFIRM_TIMEOUT_S * 1000u);
}

esp_err_t app_ota_offer(const uint8_t *payload, size_t len)
{
    baton_ota_offer_t offer;
    baton_status_t st = baton_ota_parse_offer_msgpack(payload, len, &offer);
    if (st != BATON_OK) {
        ESP_LOGW(TAG, "update offer refused: %s", baton_status_str(st));
        return ESP_ERR_INVALID_ARG;
    }
    if (baton_espidf_check_url(offer.url) != ESP_OK) {
        return ESP_ERR_INVALID_ARG; /* logged by the URL policy */
    }
    st = baton_ota_offer(&s_ota, &offer);
    if (st != BATON_OK) {
        ESP_LOGW(TAG, "update offer of %s ignored: an update is under way (%s)", offer.version,
                 baton_ota_state_name(s_ota.state));
        return ESP_ERR_INVALID_STATE;
    }
    return ESP_OK;
}

void app_ota_server_reached(void)
{
    act(baton_ota_server_reached(&s_ota));
}

void app_ota_poll(uint64_t now_ms, bool device_idle)
{
    if (s_ota.state == BATON_OTA_DOWNLOADING && __atomic_load_n(&s_download_done, __ATOMIC_ACQUIRE)) {
        __atomic_store_n(&s_download_done, 0, __ATOMIC_RELAXED);
        s_task = NULL;
        act(baton_ota_downloaded(&s_ota, s_result.ok, s_result.sha256, s_result.version, s_result.error));
    }
    act(baton_ota_poll(&s_ota, now_ms, device_idle));
}

const char *app_ota_state(void)
{
    return baton_ota_state_name(s_ota.state);
}

uint32_t app_ota_stack_high_water(void)
{
    return s_task_high_water;
}
