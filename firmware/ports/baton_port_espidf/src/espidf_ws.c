/**
 * @file espidf_ws.c
 * @brief The WebSocket over esp_websocket_client.
 *
 * Why each setting:
 *  - disable_auto_reconnect: the Colyseus URL carries a one-time session id; reconnecting
 *    to it would fail, so the session redoes matchmaking itself (with backoff).
 *  - DATA events arrive for every frame, ping/pong/close included, a large frame arrives in
 *    buffer_size pieces (payload_offset/payload_len are per frame), and a message may span
 *    several frames (binary without FIN, then continuations, op code 0, until FIN):
 *    baton_rx_feed_frame() joins them into one BATON_RX_FRAME_MAX buffer and hands out only
 *    complete binary messages (unit-tested on the host: tests/test_rx.c).
 *  - Each socket gets a generation number (passed as the handler argument); events of a
 *    socket that ws_close has already ended are dropped in baton_espidf_service().
 */
#include <string.h>

#include "esp_log.h"

#include "espidf_internal.h"

static const char *TAG = "baton.ws";

#define WS_OPCODE_CLOSE 0x8
#define WS_BUFFER_SIZE 1024
#define WS_TASK_STACK 6144
#define WS_NETWORK_TIMEOUT_MS 10000
#define WS_SEND_TIMEOUT_MS 2000
#define WS_CLOSE_TIMEOUT_MS 1000

/* One port per device; the event handler needs it and gets the generation as its argument. */
static baton_espidf_t *s_port;

/*
 * Hands one event to the main task. Never blocks long: this task holds the client's lock, which
 * the main task's send and close wait for. A dropped event is counted (baton_handoff.h); the
 * main task then closes this socket and the session reconnects, so the loss is never silent.
 */
static void post(uint8_t kind, uint32_t generation, uint16_t close_code, const uint8_t *data, size_t len)
{
    espidf_event_header_t header = {.kind = kind, .close_code = close_code, .generation = generation};
    header.seq = baton_handoff_stamp(&s_port->handoff);
    void *slot = NULL;
    if (xRingbufferSendAcquire(s_port->events, &slot, sizeof header + len, pdMS_TO_TICKS(100)) != pdTRUE) {
        baton_handoff_note_drop(&s_port->handoff);
        ESP_LOGE(TAG, "event ring full: dropped a socket event; the main task will reconnect");
        return;
    }
    memcpy(slot, &header, sizeof header);
    if (len > 0) {
        memcpy((uint8_t *)slot + sizeof header, data, len);
    }
    xRingbufferSendComplete(s_port->events, slot);
}

static void on_event(void *handler_args, esp_event_base_t base, int32_t event_id, void *event_data)
{
    (void)base;
    const uint32_t generation = (uint32_t)(uintptr_t)handler_args;
    const esp_websocket_event_data_t *d = event_data;
    switch (event_id) {
    case WEBSOCKET_EVENT_CONNECTED:
        baton_rx_reset(&s_port->rx);
        post(ESPIDF_EVENT_OPEN, generation, 0, NULL, 0);
        break;
    case WEBSOCKET_EVENT_DATA:
        if (d->op_code == WS_OPCODE_CLOSE && d->data_len >= 2) {
            const uint8_t *b = (const uint8_t *)d->data_ptr;
            s_port->close_code = (uint16_t)((b[0] << 8) | b[1]);
        } else if (d->payload_offset >= 0 && d->payload_len >= 0 && d->data_len >= 0) {
            /* Binary frames and their continuations are joined; text and control frames are skipped. */
            const uint8_t *message = NULL;
            size_t message_len = 0;
            baton_status_t st = baton_rx_feed_frame(&s_port->rx, d->op_code, d->fin, (size_t)d->payload_offset,
                                                    (size_t)d->payload_len, (const uint8_t *)d->data_ptr,
                                                    (size_t)d->data_len, &message, &message_len);
            if (st != BATON_OK) {
                ESP_LOGW(TAG, "dropped an incoming message (%s)", baton_status_str(st));
            } else if (message != NULL) {
                post(ESPIDF_EVENT_MESSAGE, generation, 0, message, message_len);
            }
        }
        break;
    case WEBSOCKET_EVENT_DISCONNECTED:
    case WEBSOCKET_EVENT_CLOSED:
    case WEBSOCKET_EVENT_ERROR:
        if (!s_port->close_reported) {
            s_port->close_reported = true;
            post(ESPIDF_EVENT_CLOSED, generation, s_port->close_code, NULL, 0);
        }
        break;
    default:
        break;
    }
}

/* Stops and frees the current client, if any (never from the websocket task itself). */
static void destroy_client(baton_espidf_t *p, bool polite)
{
    if (p->client == NULL) {
        return;
    }
    if (polite && esp_websocket_client_is_connected(p->client)) {
        esp_websocket_client_close(p->client, pdMS_TO_TICKS(WS_CLOSE_TIMEOUT_MS));
    }
    esp_websocket_client_destroy(p->client);
    p->client = NULL;
}

baton_status_t espidf_ws_open(void *ctx, const char *url)
{
    baton_espidf_t *p = ctx;
    s_port = p;
    destroy_client(p, false); /* a socket the server closed is still allocated */
    p->generation++;
    baton_handoff_reset(&p->handoff); /* no websocket task runs now: a fresh stream for the new socket */
    p->close_reported = false;
    p->close_code = 0;

    if (baton_espidf_check_url(url) != ESP_OK) {
        return BATON_ERR_CONFIG;
    }
    const espidf_tls_t tls = espidf_tls_settings();
    esp_websocket_client_config_t config = {
        .uri = url,
        .disable_auto_reconnect = true,
        .buffer_size = WS_BUFFER_SIZE,
        .task_stack = WS_TASK_STACK,
        .network_timeout_ms = WS_NETWORK_TIMEOUT_MS,
        .crt_bundle_attach = tls.crt_bundle_attach,
        .cert_pem = tls.cert_pem,
    };
    p->client = esp_websocket_client_init(&config);
    if (p->client == NULL) {
        return BATON_ERR_PORT;
    }
    esp_err_t err = esp_websocket_register_events(p->client, WEBSOCKET_EVENT_ANY, on_event, (void *)(uintptr_t)p->generation);
    if (err != ESP_OK) {
        /* Without the handler no event would ever reach the session: fail now, reconnect later. */
        ESP_LOGE(TAG, "esp_websocket_register_events: %s", esp_err_to_name(err));
        destroy_client(p, false);
        return BATON_ERR_PORT;
    }
    if (esp_websocket_client_start(p->client) != ESP_OK) {
        destroy_client(p, false);
        return BATON_ERR_PORT;
    }
    return BATON_OK;
}

baton_status_t espidf_ws_send(void *ctx, const uint8_t *data, size_t len)
{
    baton_espidf_t *p = ctx;
    if (p->client == NULL || !esp_websocket_client_is_connected(p->client)) {
        return BATON_ERR_PORT;
    }
    int sent = esp_websocket_client_send_bin(p->client, (const char *)data, (int)len, pdMS_TO_TICKS(WS_SEND_TIMEOUT_MS));
    return sent == (int)len ? BATON_OK : BATON_ERR_PORT;
}

void espidf_ws_close(void *ctx)
{
    baton_espidf_t *p = ctx;
    p->generation++; /* first: whatever the old socket still reports is dropped */
    destroy_client(p, true);
}
