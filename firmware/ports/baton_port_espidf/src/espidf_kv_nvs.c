/**
 * @file espidf_kv_nvs.c
 * @brief Key-value storage in NVS (namespace "baton"); every write is committed before returning.
 */
#include "nvs.h"

#include "espidf_internal.h"

baton_status_t espidf_kv_get(void *ctx, const char *key, uint8_t *buf, size_t cap, size_t *len)
{
    (void)ctx;
    nvs_handle_t handle;
    esp_err_t err = nvs_open(BATON_NVS_NAMESPACE, NVS_READONLY, &handle);
    if (err == ESP_ERR_NVS_NOT_FOUND) {
        return BATON_ERR_NOT_FOUND; /* the namespace does not exist until the first write */
    }
    if (err != ESP_OK) {
        return BATON_ERR_PORT;
    }
    size_t size = cap;
    err = nvs_get_blob(handle, key, buf, &size);
    nvs_close(handle);
    if (err == ESP_ERR_NVS_NOT_FOUND) {
        return BATON_ERR_NOT_FOUND;
    }
    if (err == ESP_ERR_NVS_INVALID_LENGTH) {
        return BATON_ERR_NO_SPACE;
    }
    if (err != ESP_OK) {
        return BATON_ERR_PORT;
    }
    *len = size;
    return BATON_OK;
}

baton_status_t espidf_kv_set(void *ctx, const char *key, const uint8_t *data, size_t len)
{
    (void)ctx;
    nvs_handle_t handle;
    if (nvs_open(BATON_NVS_NAMESPACE, NVS_READWRITE, &handle) != ESP_OK) {
        return BATON_ERR_PORT;
    }
    esp_err_t err = (len == 0) ? nvs_erase_key(handle, key) : nvs_set_blob(handle, key, data, len);
    if (err == ESP_ERR_NVS_NOT_FOUND && len == 0) {
        err = ESP_OK; /* erasing what is not there is success */
    }
    if (err == ESP_OK) {
        err = nvs_commit(handle);
    }
    nvs_close(handle);
    return err == ESP_OK ? BATON_OK : BATON_ERR_PORT;
}
