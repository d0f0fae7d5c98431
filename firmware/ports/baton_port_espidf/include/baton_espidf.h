/**
 * @file baton_espidf.h
 * @brief ESP-IDF implementation of baton_port_t (esp_http_client, esp_websocket_client, NVS).
 *
 * Threading: esp_websocket_client raises its events in its own task. The port reassembles
 * binary messages there and hands complete ones (and open/close events) to the main task
 * through a ring buffer; baton_espidf_service(), called from the task that owns the runner,
 * delivers them. The runner is therefore only ever called from one task. When the ring is
 * full the websocket task drops the event (it must not wait long: it holds the client's lock);
 * the main task notices the gap (baton_handoff.h), closes the socket and reports it closed,
 * so the session reconnects and the room's `welcome` restates what was lost.
 *
 * Every function returns esp_err_t where it can fail.
 */
#ifndef BATON_ESPIDF_H
#define BATON_ESPIDF_H

#include <stdbool.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_http_client.h"
#include "esp_websocket_client.h"
#include "freertos/FreeRTOS.h"
#include "freertos/ringbuf.h"

#include "baton_config.h"
#include "baton_handoff.h"
#include "baton_port.h"
#include "baton_runner.h"
#include "baton_rx.h"

#ifdef __cplusplus
extern "C" {
#endif

/** NVS namespace of everything Baton stores (the held reports; the device secret in its own partition). */
#define BATON_NVS_NAMESPACE "baton"
/** NVS key of the device secret (a string), provisioned at the factory or with the NVS partition tool. */
#define BATON_NVS_KEY_SECRET "secret"
/** Wi-Fi credentials, provisioned into the secret's partition with it (firmware/README.md, "Provisioning"). */
#define BATON_NVS_KEY_WIFI_SSID "wifi_ssid"
#define BATON_NVS_KEY_WIFI_PASS "wifi_pass"
/** The NVS partition of the held reports (the default one), erased only after a layout change. */
#define BATON_NVS_DATA_PARTITION "nvs"
/**
 * The device secret's own NVS partition (partitions.csv). The firmware never erases it: an
 * erase of the data partition (nvs_flash_erase after ESP_ERR_NVS_NO_FREE_PAGES) used to take
 * the secret with it. main/app_storage.c decides what may be erased.
 */
#define BATON_NVS_SECRET_PARTITION "baton_sec"

typedef struct baton_espidf {
    esp_websocket_client_handle_t client;
    /** Incremented per socket: events of an older socket still in the ring are dropped. */
    uint32_t generation;
    /** Set in the websocket task, read there: one close event per socket. */
    volatile bool close_reported;
    volatile uint16_t close_code;
    RingbufHandle_t events;
    /** Sequence numbers and drop count of the ring's events: a dropped event forces a reconnect. */
    baton_handoff_t handoff;
    baton_runner_t *runner;
    /* Used only in the websocket task. */
    uint8_t rx_buf[BATON_RX_FRAME_MAX];
    baton_rx_t rx;
} baton_espidf_t;

/** Creates the event ring buffer and fills `port`. Both NVS partitions must be initialised before. */
esp_err_t baton_espidf_init(baton_espidf_t *p, baton_port_t *port);

/** The runner that receives socket events (after baton_runner_init). */
void baton_espidf_attach(baton_espidf_t *p, baton_runner_t *runner);

/** Waits up to `timeout_ms` for one socket event and delivers it to the runner. */
void baton_espidf_service(baton_espidf_t *p, uint32_t timeout_ms);

/**
 * Whether the device may talk to `url` (docs: firmware/README.md, "TLS"), logging why not:
 * ESP_OK for https/wss (unless the image has BATON_TLS_NONE: ESP_ERR_INVALID_STATE) and for
 * plain http/ws to a local-network host (with a warning: the secret travels in clear);
 * ESP_ERR_NOT_SUPPORTED for plain http/ws to any other host unless BATON_ALLOW_PLAIN_HTTP;
 * ESP_ERR_INVALID_ARG for what is not such a URL. The port applies it to every request and
 * socket; call it at boot on the configured server URL to fail early and visibly.
 */
esp_err_t baton_espidf_check_url(const char *url);

/** Reads the device secret from its NVS partition into `out`. ESP_ERR_NVS_NOT_FOUND if it was never provisioned. */
esp_err_t baton_espidf_read_secret(char *out, size_t cap);

/**
 * Reads any string `key` of the secret's partition (namespace BATON_NVS_NAMESPACE), e.g. the
 * Wi-Fi credentials. ESP_ERR_NVS_NOT_FOUND if it was never provisioned.
 */
esp_err_t baton_espidf_read_provisioned(const char *key, char *out, size_t cap);

/**
 * Sets the certificate fields of an esp_http_client configuration to the policy of the
 * matchmaking request and the WebSocket (Kconfig BATON_TLS_VERIFY), e.g. for esp_https_ota.
 * Checks `config->url` with baton_espidf_check_url() first.
 * @return ESP_OK, or the refusal of baton_espidf_check_url().
 */
esp_err_t baton_espidf_http_tls(esp_http_client_config_t *config);

#ifdef __cplusplus
}
#endif

#endif /* BATON_ESPIDF_H */
