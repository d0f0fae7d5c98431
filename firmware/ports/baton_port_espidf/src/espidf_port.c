/**
 * @file espidf_port.c
 * @brief Port wiring: clock, randomness, logging, and the ring-buffer hand-off to the main task.
 */
#include <string.h>

#include "baton_loop.h"
#include "esp_log.h"
#include "esp_random.h"
#include "esp_timer.h"
#include "nvs.h"

#include "espidf_internal.h"

static const char *TAG = "baton";

/* Two full messages plus headers: the websocket task never blocks on a slow main loop for long. */
#define EVENT_RING_BYTES (2 * (BATON_RX_FRAME_MAX + 32))

static uint64_t now_ms(void *ctx)
{
    (void)ctx;
    return (uint64_t)(esp_timer_get_time() / 1000); /* microseconds since boot, monotonic */
}

static uint32_t random_u32(void *ctx)
{
    (void)ctx;
    return esp_random();
}

static void log_line(void *ctx, baton_log_level_t level, const char *message)
{
    (void)ctx;
    switch (level) {
    case BATON_LOG_ERROR: ESP_LOGE(TAG, "%s", message); break;
    case BATON_LOG_WARN: ESP_LOGW(TAG, "%s", message); break;
    case BATON_LOG_INFO: ESP_LOGI(TAG, "%s", message); break;
    default: ESP_LOGD(TAG, "%s", message); break;
    }
}

esp_err_t baton_espidf_init(baton_espidf_t *p, baton_port_t *port)
{
    if (p == NULL || port == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    memset(p, 0, sizeof *p);
    baton_rx_init(&p->rx, p->rx_buf, sizeof p->rx_buf);
    p->events = xRingbufferCreate(EVENT_RING_BYTES, RINGBUF_TYPE_NOSPLIT);
    if (p->events == NULL) {
        return ESP_ERR_NO_MEM;
    }
    memset(port, 0, sizeof *port);
    port->ctx = p;
    port->http_post = espidf_http_post;
    port->ws_open = espidf_ws_open;
    port->ws_send = espidf_ws_send;
    port->ws_close = espidf_ws_close;
    port->now_ms = now_ms;
    port->kv_get = espidf_kv_get;
    port->kv_set = espidf_kv_set;
    port->random_u32 = random_u32;
    port->log = log_line;
    return ESP_OK;
}

void baton_espidf_attach(baton_espidf_t *p, baton_runner_t *runner)
{
    p->runner = runner;
}

/*
 * An event of the current socket was dropped (the ring was full while this task was busy, e.g.
 * in a 2 s send). Going on would leave the device and the room disagreeing (a lost `start` or
 * `ack`), so the socket is closed and the session told: it reconnects, and the room's `welcome`
 * restates the run and makes the device re-send what is still unacknowledged.
 */
static void recover_from_lost_event(baton_espidf_t *p)
{
    ESP_LOGW(TAG, "a socket event was lost: closing the socket so the session reconnects");
    espidf_ws_close(p); /* new generation: what the old socket still queued is dropped */
    if (p->runner != NULL) {
        baton_runner_on_ws_closed(p->runner, 0);
    }
}

void baton_espidf_service(baton_espidf_t *p, uint32_t timeout_ms)
{
    size_t size = 0;
    /* At least one tick (baton_loop.h): pdMS_TO_TICKS rounds a wait under one tick down to 0,
     * and a loop whose deadline is past would then spin without ever blocking. */
    const TickType_t wait = (TickType_t)baton_wait_ticks(timeout_ms, configTICK_RATE_HZ, portMAX_DELAY - 1u);
    uint8_t *item = xRingbufferReceive(p->events, &size, wait);
    if (item == NULL) {
        if (p->client != NULL && baton_handoff_broken(&p->handoff)) {
            recover_from_lost_event(p); /* the lost event was the last one: no gap to see */
        }
        return;
    }
    espidf_event_header_t header;
    memcpy(&header, item, sizeof header);
    /* Events of a socket we already closed must not reach the runner (port contract). */
    if (header.generation == p->generation && p->runner != NULL &&
        (!baton_handoff_accept(&p->handoff, header.seq) || baton_handoff_broken(&p->handoff))) {
        vRingbufferReturnItem(p->events, item);
        recover_from_lost_event(p);
        return;
    }
    if (header.generation == p->generation && p->runner != NULL) {
        switch (header.kind) {
        case ESPIDF_EVENT_OPEN:
            baton_runner_on_ws_open(p->runner);
            break;
        case ESPIDF_EVENT_MESSAGE:
            baton_runner_on_ws_message(p->runner, item + sizeof header, size - sizeof header);
            break;
        case ESPIDF_EVENT_CLOSED:
            baton_runner_on_ws_closed(p->runner, header.close_code);
            break;
        default:
            break;
        }
    }
    vRingbufferReturnItem(p->events, item);
}

esp_err_t baton_espidf_read_secret(char *out, size_t cap)
{
    return baton_espidf_read_provisioned(BATON_NVS_KEY_SECRET, out, cap);
}

esp_err_t baton_espidf_read_provisioned(const char *key, char *out, size_t cap)
{
    nvs_handle_t handle;
    esp_err_t err = nvs_open_from_partition(BATON_NVS_SECRET_PARTITION, BATON_NVS_NAMESPACE, NVS_READONLY, &handle);
    if (err != ESP_OK) {
        return err;
    }
    size_t len = cap;
    err = nvs_get_str(handle, key, out, &len);
    nvs_close(handle);
    return err;
}
