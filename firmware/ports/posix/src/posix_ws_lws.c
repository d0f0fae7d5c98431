/**
 * @file posix_ws_lws.c
 * @brief The WebSocket over libwebsockets 4.1 (client), plus the port's init/service.
 *
 * libwebsockets writes only from its WRITEABLE callback, so ws_send copies each message
 * into a small FIFO and asks for a writeable callback. Closing is requested the same way:
 * the callback drains the FIFO, then returns -1. Events of a socket we asked to close are never delivered to
 * the runner: the port contract says ws_close ends the conversation.
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "baton_posix.h"

_Static_assert(LWS_PRE <= 16, "baton_posix_tx_slot_t reserves 16 bytes of LWS_PRE headroom");

baton_status_t baton_posix_http_post(void *ctx, const char *url, const char *bearer, const char *json_body, size_t body_len,
                                     char *response, size_t response_cap, size_t *response_len, int *http_status,
                                     uint32_t *retry_after_s);
uint64_t baton_posix_now_ms(void *ctx);
uint32_t baton_posix_random(void *ctx);

static void deliver_closed(baton_posix_t *p, struct lws *wsi)
{
    /* While connecting, lws may already have cleared p->wsi (through info.pwsi) before it
     * reports the failure: a failure of the attempt in progress still counts. */
    bool current = (wsi == p->wsi) || (p->connecting && wsi != p->closing_wsi);
    if (!current) {
        return;
    }
    p->connecting = false;
    p->wsi = NULL;
    p->established = false;
    p->tx_count = 0;
    baton_rx_reset(&p->rx);
    if (p->runner != NULL) {
        baton_runner_on_ws_closed(p->runner, p->close_code);
    }
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    (void)user;
    baton_posix_t *p = lws_context_user(lws_get_context(wsi));
    if (p == NULL) {
        return 0;
    }
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (wsi == p->wsi) {
            p->connecting = false;
            p->established = true;
            baton_posix_log(p, BATON_LOG_INFO, "WebSocket open");
            if (p->runner != NULL) {
                baton_runner_on_ws_open(p->runner);
            }
        }
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
        char line[256];
        snprintf(line, sizeof line, "WebSocket connection error: %s", in ? (const char *)in : "(no detail)");
        baton_posix_log(p, BATON_LOG_WARN, line);
        deliver_closed(p, wsi);
        break;
    }
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (wsi == p->wsi && in != NULL && len >= 2) {
            const uint8_t *b = in;
            p->close_code = (uint16_t)((b[0] << 8) | b[1]);
        }
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (wsi == p->closing_wsi) {
            p->closing_wsi = NULL;
        }
        deliver_closed(p, wsi);
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE: {
        if (wsi != p->wsi || !lws_frame_is_binary(wsi)) {
            break; /* Colyseus speaks binary; text frames are not ours */
        }
        const uint8_t *message = NULL;
        size_t message_len = 0;
        baton_status_t st = baton_rx_feed(&p->rx, lws_is_first_fragment(wsi), lws_is_final_fragment(wsi), in, len, &message,
                                          &message_len);
        if (st != BATON_OK) {
            baton_posix_log(p, BATON_LOG_WARN, "dropped an incoming message larger than BATON_RX_FRAME_MAX");
        } else if (message != NULL && p->runner != NULL) {
            baton_runner_on_ws_message(p->runner, message, message_len);
        }
        break;
    }
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (wsi == p->closing_wsi && p->tx_count == 0) {
            /* Everything queued before ws_close (e.g. LEAVE_ROOM) is out: now close. */
            lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
            return -1;
        }
        if ((wsi == p->wsi || wsi == p->closing_wsi) && p->tx_count > 0) {
            baton_posix_tx_slot_t *slot = &p->tx[p->tx_head];
            int n = lws_write(wsi, slot->bytes + LWS_PRE, slot->len, LWS_WRITE_BINARY);
            p->tx_head = (p->tx_head + 1) % BATON_POSIX_TX_SLOTS;
            p->tx_count--;
            if (n < (int)slot->len) {
                return -1; /* lws could not take the message: the socket is done for */
            }
            if (p->tx_count > 0 || wsi == p->closing_wsi) {
                lws_callback_on_writable(wsi);
            }
        }
        break;
    default:
        break;
    }
    return 0;
}

/* The protocol list must end with a zeroed entry (libwebsockets 4.1 walks it to the NULL). */
static const struct lws_protocols protocols[] = {
    {"baton-device", callback, 0, BATON_RX_FRAME_MAX, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static baton_status_t ws_open(void *ctx, const char *url)
{
    baton_posix_t *p = ctx;
    if (p->wsi != NULL) {
        return BATON_ERR_STATE;
    }
    char copy[BATON_URL_MAX];
    snprintf(copy, sizeof copy, "%s", url);
    const char *scheme = NULL;
    const char *address = NULL;
    const char *path = NULL;
    int port = 0;
    if (lws_parse_uri(copy, &scheme, &address, &port, &path) != 0) {
        return BATON_ERR_INVALID_ARG;
    }
    /* lws_parse_uri drops the leading '/' of the path; put it back. */
    char full_path[BATON_URL_MAX];
    snprintf(full_path, sizeof full_path, "/%s", path);

    struct lws_client_connect_info info;
    memset(&info, 0, sizeof info);
    info.context = p->lws;
    info.address = address;
    info.port = port;
    info.path = full_path;
    info.host = address;
    info.origin = address;
    info.protocol = NULL; /* no Sec-WebSocket-Protocol: Colyseus does not use one */
    info.local_protocol_name = protocols[0].name;
    info.ssl_connection = strcmp(scheme, "wss") == 0 ? LCCSCF_USE_SSL : 0;
    info.pwsi = &p->wsi;
    p->close_code = 0;
    p->connecting = true;
    p->established = false;
    p->tx_count = 0;
    p->tx_head = 0;
    baton_rx_reset(&p->rx);
    if (lws_client_connect_via_info(&info) == NULL) {
        p->wsi = NULL;
        p->connecting = false;
        return BATON_ERR_PORT;
    }
    return BATON_OK;
}

static baton_status_t ws_send(void *ctx, const uint8_t *data, size_t len)
{
    baton_posix_t *p = ctx;
    if (p->wsi == NULL || !p->established) {
        return BATON_ERR_PORT;
    }
    if (len > BATON_RX_FRAME_MAX || p->tx_count >= BATON_POSIX_TX_SLOTS) {
        return BATON_ERR_NO_SPACE;
    }
    baton_posix_tx_slot_t *slot = &p->tx[(p->tx_head + p->tx_count) % BATON_POSIX_TX_SLOTS];
    memcpy(slot->bytes + LWS_PRE, data, len);
    slot->len = len;
    p->tx_count++;
    lws_callback_on_writable(p->wsi);
    return BATON_OK;
}

static void ws_close(void *ctx)
{
    baton_posix_t *p = ctx;
    if (p->wsi == NULL) {
        return;
    }
    p->closing_wsi = p->wsi;
    p->wsi = NULL;
    p->connecting = false;
    p->established = false;
    /* The queue is kept: what was sent before the close still goes out first. */
    lws_callback_on_writable(p->closing_wsi);
}

static uint64_t seed(void)
{
    uint64_t s = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (f != NULL) {
        if (fread(&s, sizeof s, 1, f) != 1) {
            s = 0;
        }
        fclose(f);
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    s ^= (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
    return s != 0 ? s : 0x9e3779b97f4a7c15ull;
}

baton_status_t baton_posix_init(baton_posix_t *p, const char *state_file, baton_port_t *port)
{
    if (p == NULL || port == NULL) {
        return BATON_ERR_INVALID_ARG;
    }
    /* p is not zeroed here: the caller may have set log_level/log_tag already. */
    if (state_file != NULL && strlen(state_file) >= sizeof p->state_file) {
        return BATON_ERR_CONFIG;
    }
    snprintf(p->state_file, sizeof p->state_file, "%s", state_file != NULL ? state_file : "");
    p->wsi = NULL;
    p->closing_wsi = NULL;
    p->runner = NULL;
    p->tx_head = p->tx_count = 0;
    p->random_state = seed();
    baton_rx_init(&p->rx, p->rx_buf, sizeof p->rx_buf);

    lws_set_log_level(LLL_ERR, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.user = p;
    info.gid = -1;
    info.uid = -1;
    p->lws = lws_create_context(&info);
    if (p->lws == NULL) {
        return BATON_ERR_PORT;
    }

    memset(port, 0, sizeof *port);
    port->ctx = p;
    port->http_post = baton_posix_http_post;
    port->ws_open = ws_open;
    port->ws_send = ws_send;
    port->ws_close = ws_close;
    port->now_ms = baton_posix_now_ms;
    port->kv_get = baton_posix_kv_get;
    port->kv_set = baton_posix_kv_set;
    port->random_u32 = baton_posix_random;
    port->log = baton_posix_log;
    return BATON_OK;
}

void baton_posix_attach(baton_posix_t *p, baton_runner_t *runner)
{
    p->runner = runner;
}

static void wake(lws_sorted_usec_list_t *sul)
{
    (void)sul; /* firing is the point: it ends the lws_service() wait */
}

void baton_posix_service(baton_posix_t *p, int timeout_ms)
{
    /*
     * lws 4.1 ignores lws_service()'s timeout and sleeps until its own next timer, which
     * can be seconds away; a timer of ours at `timeout_ms` bounds the wait so the session's
     * reconnect and heartbeat deadlines are kept.
     */
    lws_sul_schedule(p->lws, 0, &p->wake_timer, wake, (lws_usec_t)(timeout_ms < 1 ? 1 : timeout_ms) * LWS_US_PER_MS);
    lws_service(p->lws, 0);
    lws_sul_cancel(&p->wake_timer);
}

void baton_posix_deinit(baton_posix_t *p)
{
    if (p->lws != NULL) {
        p->runner = NULL; /* no callbacks into a runner that is going away */
        lws_sul_cancel(&p->wake_timer);
        lws_context_destroy(p->lws);
        p->lws = NULL;
    }
    p->wsi = NULL;
    p->closing_wsi = NULL;
}
