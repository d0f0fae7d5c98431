/**
 * @file espidf_http.c
 * @brief The matchmaking POST over esp_http_client (streaming API: open, write, fetch, read).
 */
#include <stdio.h>
#include <string.h>

#include "esp_http_client.h"
#include "esp_log.h"

#include "espidf_internal.h"

static const char *TAG = "baton.http";

#define HTTP_TIMEOUT_MS 8000

baton_status_t espidf_http_post(void *ctx, const char *url, const char *bearer, const char *json_body, size_t body_len,
                                char *response, size_t response_cap, size_t *response_len, int *http_status)
{
    (void)ctx;
    if (baton_espidf_check_url(url) != ESP_OK) {
        *response_len = 0;
        *http_status = 0;
        return BATON_ERR_CONFIG; /* the bearer secret must not go there */
    }
    const espidf_tls_t tls = espidf_tls_settings();
    esp_http_client_config_t config = {
        .url = url,
        .method = HTTP_METHOD_POST,
        .timeout_ms = HTTP_TIMEOUT_MS,
        .disable_auto_redirect = true,
        .crt_bundle_attach = tls.crt_bundle_attach,
        .cert_pem = tls.cert_pem,
    };
    esp_http_client_handle_t client = esp_http_client_init(&config);
    if (client == NULL) {
        return BATON_ERR_PORT;
    }
    char auth[160];
    snprintf(auth, sizeof auth, "Bearer %s", bearer);
    esp_http_client_set_header(client, "Content-Type", "application/json");
    esp_http_client_set_header(client, "Accept", "application/json");
    esp_http_client_set_header(client, "Authorization", auth);

    baton_status_t status = BATON_ERR_PORT;
    *response_len = 0;
    *http_status = 0;
    esp_err_t err = esp_http_client_open(client, (int)body_len);
    if (err == ESP_OK && esp_http_client_write(client, json_body, (int)body_len) == (int)body_len &&
        esp_http_client_fetch_headers(client) >= 0) {
        *http_status = esp_http_client_get_status_code(client);
        /* Read what fits; a longer body is cut and the session refuses it as malformed. */
        while (*response_len < response_cap) {
            int n = esp_http_client_read(client, response + *response_len, (int)(response_cap - *response_len));
            if (n <= 0) {
                break;
            }
            *response_len += (size_t)n;
        }
        status = BATON_OK;
    } else {
        ESP_LOGW(TAG, "POST %s failed: %s", url, esp_err_to_name(err));
    }
    esp_http_client_close(client);
    esp_http_client_cleanup(client);
    return status;
}
