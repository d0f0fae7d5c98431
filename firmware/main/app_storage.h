/**
 * @file app_storage.h
 * @brief Bringing up NVS at boot without ever erasing the device secret.
 *
 * Why: NVS must be erased when its layout changed (ESP_ERR_NVS_NO_FREE_PAGES,
 * ESP_ERR_NVS_NEW_VERSION_FOUND), and `nvs_flash_erase()` wipes the whole default partition.
 * The secret used to live there, so a full partition cost the device its identity (a site
 * visit to re-provision). Now the secret has its own NVS partition (`baton_sec` in
 * partitions.csv) that nothing erases implicitly; only the data partition (held reports) may
 * be erased, and only after a layout change. The decision and the sequence are portable —
 * NVS is reached through two injected functions — so tests/test_storage.c proves on the host
 * that the secret survives; app_main.c supplies the ESP-IDF calls.
 */
#pragma once

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/** How initialising one NVS partition went. */
typedef enum {
    APP_NVS_INIT_OK,
    /** No free pages, or written by a newer NVS version: readable only after an erase. */
    APP_NVS_INIT_NEEDS_ERASE,
    /** Anything else (partition missing, flash error). */
    APP_NVS_INIT_FAILED,
} app_nvs_init_t;

/** The NVS calls the start-up needs (nvs_flash_init_partition / nvs_flash_erase_partition). */
typedef struct app_nvs_ops {
    void *ctx;
    app_nvs_init_t (*init)(void *ctx, const char *label);
    /** Erases every key of partition `label`; true on success. */
    bool (*erase)(void *ctx, const char *label);
} app_nvs_ops_t;

typedef struct app_storage_result {
    /** The data partition is usable (held reports can be kept). */
    bool data_ready;
    /** It was erased (a layout change): unacknowledged reports are gone. */
    bool data_erased;
    /** The secret partition is readable. When false the device cannot authenticate and says so. */
    bool secret_ready;
} app_storage_result_t;

/**
 * May partition `label` be erased after an init that returned `init`? Only the data
 * partition, only when NVS needs an erase to be readable — never `secret_label`.
 */
bool app_storage_may_erase(const char *label, const char *secret_label, app_nvs_init_t init);

/** Initialises the data partition (erasing it if app_storage_may_erase says so) and the secret partition. */
app_storage_result_t app_storage_start(const app_nvs_ops_t *ops, const char *data_label, const char *secret_label);

#ifdef __cplusplus
}
#endif
