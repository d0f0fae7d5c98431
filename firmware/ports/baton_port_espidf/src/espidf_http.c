/**
 * @file espidf_http.c
 * @brief The matchmaking POST over esp_http_client (streaming API: open, write, fetch, read).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "baton_matchmake.h"
#include "esp_http_client.h"
#include "esp_log.h"

#include "espidf_internal.h"

static const char *TAG = "baton.http";

#define HTTP_TIMEOUT_MS 8000

/* esp_http_client hands response headers only to its event handler: keep Retry-After (seconds). */
static esp_err_t on_http_event(esp_http_client_event_t *evt)
{
    if (evt->event_id == HTTP_EVENT_ON_HEADER && evt->user_data != NULL && evt->header_key != NULL &&
        strcasecmp(evt->header_key, "Retry-After") == 0) {
        *(uint32_t *)evt->user_data = baton_parse_retry_after(evt->header_value);
    }
    return ESP_OK;
}

baton_status_t espidf_http_post(void *ctx, const char *url, const char *bearer, const char *json_body, size_t body_len,
                                char *response, size_t response_cap, size_t *response_len, int *http_status,
                                uint32_t *retry_after_s)
{
    (void)ctx;
    *retry_after_s = 0;
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
        .event_handler = on_http_event,
        .user_data = retry_after_s,
    };
    esp_http_client_handle_t client = esp_http_client_init(&config);
    if (client == NULL) {
        return BATON_ERR_PORT;
    }
    char auth[160];
    snprintf(auth, sizeof auth, "Bearer %s", bearer);
    baton_status_t status = BATON_ERR_PORT;
    *response_len = 0;
    *http_status = 0;
    /* A request without its Authorization header would only be refused: stop here instead. */
    esp_err_t err = esp_http_client_set_header(client, "Content-Type", "application/json");
    if (err == ESP_OK) {
        err = esp_http_client_set_header(client, "Accept", "application/json");
    }
    if (err == ESP_OK) {
        err = esp_http_client_set_header(client, "Authorization", auth);
    }
    memset(auth, 0, sizeof auth); /* the client keeps its own copy */
    if (err != ESP_OK) {
        ESP_LOGW(TAG, "POST %s: cannot set the request headers: %s", url, esp_err_to_name(err));
        esp_http_client_cleanup(client);
        return status;
    }
    err = esp_http_client_open(client, (int)body_len);
    int written = -1;
    int64_t headers = -1;
    if (err == ESP_OK) {
        written = esp_http_client_write(client, json_body, (int)body_len);
    }
    if (err == ESP_OK && written == (int)body_len) {
        headers = esp_http_client_fetch_headers(client);
    }
    if (err != ESP_OK) {
        ESP_LOGW(TAG, "POST %s failed to connect: %s", url, esp_err_to_name(err));
    } else if (written != (int)body_len) {
        ESP_LOGW(TAG, "POST %s failed: wrote %d of %u bytes of the body", url, written, (unsigned)body_len);
    } else if (headers < 0) {
        ESP_LOGW(TAG, "POST %s failed: no response headers (%s)", url,
                 headers == -ESP_ERR_HTTP_EAGAIN ? "timed out" : "connection error");
    } else {
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
    }
    esp_http_client_close(client);
    esp_http_client_cleanup(client);
    return status;
}
