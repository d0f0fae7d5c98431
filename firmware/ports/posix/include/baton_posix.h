/**
 * @file baton_posix.h
 * @brief POSIX implementation of baton_port_t: libcurl, libwebsockets 4.1, a state file.
 *
 * Single-threaded: the application's loop calls baton_posix_service(), which runs the
 * libwebsockets event loop for up to a timeout and delivers socket events to the runner.
 */
#ifndef BATON_POSIX_H
#define BATON_POSIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "baton_config.h"
#include "baton_port.h"
#include "baton_runner.h"
#include "baton_rx.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Outgoing messages waiting for libwebsockets to let us write (it writes only from its callback). */
#define BATON_POSIX_TX_SLOTS 16

typedef struct baton_posix_tx_slot {
    size_t len;
    /* LWS_PRE (16 in 4.1) bytes of headroom that lws_write() needs before the payload. */
    uint8_t bytes[16 + BATON_RX_FRAME_MAX];
} baton_posix_tx_slot_t;

typedef struct baton_posix {
    /** Path of the key-value state file ("" = keep values in memory only). */
    char state_file[512];
    /** Minimum level written to stderr. */
    baton_log_level_t log_level;
    /** Prefix of every log line (e.g. the device id). */
    char log_tag[64];

    struct lws_context *lws;
    /** The socket the runner believes in; NULL when none. */
    struct lws *wsi;
    /** A socket we asked to close; its late events are ignored. */
    struct lws *closing_wsi;
    /** ws_open was called and neither ESTABLISHED nor a failure has come back yet. */
    bool connecting;
    bool established;
    uint16_t close_code;

    baton_runner_t *runner;
    uint8_t rx_buf[BATON_RX_FRAME_MAX];
    baton_rx_t rx;
    baton_posix_tx_slot_t tx[BATON_POSIX_TX_SLOTS];
    size_t tx_head;
    size_t tx_count;

    uint64_t random_state;
    /** Bounds each baton_posix_service() wait (see there). */
    lws_sorted_usec_list_t wake_timer;
} baton_posix_t;

/** Creates the libwebsockets context and fills `port`. */
baton_status_t baton_posix_init(baton_posix_t *p, const char *state_file, baton_port_t *port);

/** Tells the port which runner receives its socket events (after baton_runner_init). */
void baton_posix_attach(baton_posix_t *p, baton_runner_t *runner);

/** Runs the event loop for at most `timeout_ms` (returns earlier when something happened). */
void baton_posix_service(baton_posix_t *p, int timeout_ms);

/** Closes any socket and frees the libwebsockets context. */
void baton_posix_deinit(baton_posix_t *p);

/* The pieces, exposed for the port's unit tests. */
baton_status_t baton_posix_kv_get(void *ctx, const char *key, uint8_t *buf, size_t cap, size_t *len);
baton_status_t baton_posix_kv_set(void *ctx, const char *key, const uint8_t *data, size_t len);
void baton_posix_log(void *ctx, baton_log_level_t level, const char *message);

#ifdef __cplusplus
}
#endif

#endif /* BATON_POSIX_H */
