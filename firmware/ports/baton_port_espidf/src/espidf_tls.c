/**
 * @file espidf_tls.c
 * @brief Server verification for https:// and wss://, and the plain-http policy.
 *
 * One place decides how both clients verify the server (Kconfig BATON_TLS_VERIFY): the
 * ESP-IDF certificate bundle, an embedded CA of our own, or nothing (plain http only).
 * esp-tls refuses a TLS connection with no verification option set, so an https:// URL
 * with BATON_TLS_NONE is refused here with a clear message instead.
 */
#include <stdbool.h>

#include "esp_log.h"
#include "sdkconfig.h"

#include "baton_url_policy.h"
#include "espidf_internal.h"

#if CONFIG_BATON_TLS_CRT_BUNDLE
#include "esp_crt_bundle.h"
#endif

static const char *TAG = "baton.tls";
static bool s_warned_plain_lab;

#if CONFIG_BATON_TLS_CUSTOM_CA
/* Embedded by CMakeLists.txt (target_add_binary_data … TEXT): NUL-terminated PEM. */
extern const char baton_ca_pem_start[] asm("_binary_baton_ca_pem_start");
#endif

espidf_tls_t espidf_tls_settings(void)
{
    espidf_tls_t tls = {0};
#if CONFIG_BATON_TLS_CRT_BUNDLE
    tls.crt_bundle_attach = esp_crt_bundle_attach;
#elif CONFIG_BATON_TLS_CUSTOM_CA
    tls.cert_pem = baton_ca_pem_start;
#endif
    return tls;
}

esp_err_t baton_espidf_check_url(const char *url)
{
    const baton_url_security_t security = baton_url_security(url);
    switch (security) {
    case BATON_URL_TLS:
#if CONFIG_BATON_TLS_NONE
        ESP_LOGE(TAG, "%s is https/wss, but this image verifies no certificate (BATON_TLS_NONE): "
                      "choose the certificate bundle or a CA of your own in menuconfig", url);
        return ESP_ERR_INVALID_STATE;
#else
        return ESP_OK;
#endif
    case BATON_URL_PLAIN_LAB:
        if (!s_warned_plain_lab) { /* once per boot: every reconnect would repeat it */
            s_warned_plain_lab = true;
            ESP_LOGW(TAG, "%s is plain http/ws: the device secret travels UNENCRYPTED. "
                          "Acceptable on a lab network only; use https in production.", url);
        }
        return ESP_OK;
    case BATON_URL_PLAIN_PUBLIC:
#if CONFIG_BATON_ALLOW_PLAIN_HTTP
        ESP_LOGW(TAG, "!!! %s is plain http/ws to a host that is NOT on a local network: the device "
                      "secret crosses networks UNENCRYPTED (BATON_ALLOW_PLAIN_HTTP is set) !!!", url);
        return ESP_OK;
#else
        ESP_LOGE(TAG, "refusing %s: plain http/ws to a host that is not on a local network would send "
                      "the device secret in clear. Use https (or set BATON_ALLOW_PLAIN_HTTP for a test set-up)", url);
        return ESP_ERR_NOT_SUPPORTED;
#endif
    case BATON_URL_INVALID:
    default:
        ESP_LOGE(TAG, "not an http(s)/ws(s) URL with a host: %s", url);
        return ESP_ERR_INVALID_ARG;
    }
}

esp_err_t baton_espidf_http_tls(esp_http_client_config_t *config)
{
    if (config == NULL || config->url == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    esp_err_t err = baton_espidf_check_url(config->url);
    if (err != ESP_OK) {
        return err;
    }
    const espidf_tls_t tls = espidf_tls_settings();
    config->crt_bundle_attach = tls.crt_bundle_attach;
    config->cert_pem = tls.cert_pem;
    return ESP_OK;
}
