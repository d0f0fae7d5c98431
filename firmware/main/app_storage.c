/**
 * @file app_storage.c
 * @brief NVS start-up: the data partition may be erased after a layout change, the secret's never.
 */
#include <string.h>

#include "app_storage.h"

bool app_storage_may_erase(const char *label, const char *secret_label, app_nvs_init_t init)
{
    return init == APP_NVS_INIT_NEEDS_ERASE && label != NULL && secret_label != NULL && strcmp(label, secret_label) != 0;
}

app_storage_result_t app_storage_start(const app_nvs_ops_t *ops, const char *data_label, const char *secret_label)
{
    app_storage_result_t result = {0};
    app_nvs_init_t data = ops->init(ops->ctx, data_label);
    if (app_storage_may_erase(data_label, secret_label, data) && ops->erase(ops->ctx, data_label)) {
        result.data_erased = true;
        data = ops->init(ops->ctx, data_label);
    }
    result.data_ready = data == APP_NVS_INIT_OK;
    /* The secret's partition is only read at run time and written at provisioning: it cannot
     * fill up in the field. If it is unreadable, erasing it would only make that permanent. */
    result.secret_ready = ops->init(ops->ctx, secret_label) == APP_NVS_INIT_OK;
    return result;
}
