/* Type-check stub (see README.md): ESP-IDF's mbedtls component, esp_crt_bundle/include. */
#pragma once
#include "esp_err.h"
esp_err_t esp_crt_bundle_attach(void *conf);
