/**
 * @file app_ota.h
 * @brief Over-the-air updates on ESP-IDF: esp_https_ota into the passive slot, driven by the
 *        portable state machine of baton_ota.h (offer → download → verify → switch → confirm
 *        or roll back).
 *
 * The download runs in its own task (esp_https_ota blocks for the whole image), so the main
 * loop keeps serving the socket and the task watchdog. Everything else runs in the main task.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Reads how this image booted (ESP_OTA_IMG_PENDING_VERIFY after an update) and starts the
 * machine. Call once, early in app_main.
 * @param running_version esp_app_get_description()->version
 */
void app_ota_init(const char *running_version, uint64_t now_ms);

/**
 * An offer from the server: the msgpack map `{ url, version, sha256 }` of the room → device
 * `update` message or of `welcome.update` (BATON_ACTION_UPDATE_OFFER; docs/PROTOCOL.md §15). The URL
 * must pass the same policy as the server's (https with the configured certificate check).
 * @return ESP_OK when taken (or already running that version); ESP_ERR_INVALID_ARG for a
 *         malformed offer or a refused URL; ESP_ERR_INVALID_STATE while an update is under way.
 */
esp_err_t app_ota_offer(const uint8_t *payload, size_t len);

/** The session reached the server (`welcome`): confirms an image on probation. */
void app_ota_server_reached(void);

/**
 * Advances the update. `device_idle`: no run in progress. May not return: a verified image
 * is switched to and the device restarts; an image on probation past its deadline rolls back.
 */
void app_ota_poll(uint64_t now_ms, bool device_idle);

/** "idle", "offered", "downloading", "verified", "switching", "pending-confirm" or "failed". */
const char *app_ota_state(void);

/** Lowest free stack of the download task, in bytes (0 when none ran). */
uint32_t app_ota_stack_high_water(void);

#ifdef __cplusplus
}
#endif
