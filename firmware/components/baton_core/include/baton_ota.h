/**
 * @file baton_ota.h
 * @brief Over-the-air update, the decisions: offer → download → verify → switch → confirm or roll back.
 *
 * Portable and pure (no I/O, clock passed in): it returns what to do, and the port does it
 * (main/app_ota.c with esp_https_ota and esp_ota_ops on ESP-IDF). Unit-tested in
 * tests/test_ota.c.
 *
 * The flow:
 *  - an offer (url, version, sha256 of the image) arrives from the server; it is checked and
 *    kept until the device has no run (`baton_ota_poll(..., device_idle)`), then DOWNLOAD;
 *  - the port downloads into the passive OTA slot over https with the same certificate
 *    policy as the WebSocket, then reports the image's SHA-256 and version: a mismatch with
 *    the offer → DISCARD (the running image stays); a match waits until the device is idle
 *    again, then SWITCH (set the boot slot, restart);
 *  - the new image boots in ESP-IDF's PENDING_VERIFY state (CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE):
 *    once it reaches the server (`welcome`, BATON_EVENT_JOINED) → CONFIRM; if it has not within
 *    the confirm timeout → ROLLBACK (mark invalid, restart into the previous image). A crash
 *    or a watchdog reset before the confirmation rolls back too (the bootloader does that).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "baton_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest image URL, in characters. */
#define BATON_OTA_URL_MAX 256
/** Longest version string: esp_app_desc_t.version holds 31 characters and a NUL. */
#define BATON_OTA_VERSION_MAX 31

/** What the server offers. */
typedef struct {
    char url[BATON_OTA_URL_MAX + 1];
    char version[BATON_OTA_VERSION_MAX + 1];
    /** SHA-256 of the image as ESP-IDF reports it for an app partition (esp_partition_get_sha256). */
    uint8_t sha256[32];
} baton_ota_offer_t;

typedef enum {
    /** Nothing to do; the running image is confirmed. */
    BATON_OTA_IDLE,
    /** An offer waits for the device to be idle (no run in progress). */
    BATON_OTA_OFFERED,
    /** The port downloads the offer into the passive slot. */
    BATON_OTA_DOWNLOADING,
    /** Downloaded and verified; the switch waits for the device to be idle again (a run may
     *  have started during the download). */
    BATON_OTA_VERIFIED,
    /** Verified and the boot slot switched: the device restarts. */
    BATON_OTA_SWITCHING,
    /** A new image runs but has not reached the server yet: rollback is still possible. */
    BATON_OTA_PENDING_CONFIRM,
    /** The last offer failed (`last_error`); the running image stays; a new offer tries again. */
    BATON_OTA_FAILED,
} baton_ota_state_t;

/** What the port must do now. */
typedef enum {
    BATON_OTA_ACT_NONE,
    /** Download `offer.url` into the passive slot, then call baton_ota_downloaded(). */
    BATON_OTA_ACT_DOWNLOAD,
    /** Abort the download / drop what was written; keep running this image. */
    BATON_OTA_ACT_DISCARD,
    /** Finish the update (validate, set the boot slot) and restart into it. */
    BATON_OTA_ACT_SWITCH,
    /** Mark the running image valid (esp_ota_mark_app_valid_cancel_rollback). */
    BATON_OTA_ACT_CONFIRM,
    /** Mark the running image invalid and restart into the previous one. */
    BATON_OTA_ACT_ROLLBACK,
} baton_ota_action_t;

/** How the running image booted. */
typedef enum {
    /** Confirmed already (or rollback is not enabled): nothing to prove. */
    BATON_OTA_BOOT_CONFIRMED,
    /** First boot of a new image (ESP_OTA_IMG_PENDING_VERIFY): must reach the server in time. */
    BATON_OTA_BOOT_PENDING_VERIFY,
} baton_ota_boot_t;

typedef struct {
    baton_ota_state_t state;
    baton_ota_offer_t offer;
    char running_version[BATON_OTA_VERSION_MAX + 1];
    uint64_t confirm_deadline_ms;
    char last_error[96];
} baton_ota_t;

/**
 * Starts the machine after boot.
 * @param running_version  the version of this image (esp_app_get_description()->version)
 * @param confirm_timeout_ms  with BATON_OTA_BOOT_PENDING_VERIFY: how long the new image has to reach the server
 */
void baton_ota_init(baton_ota_t *m, const char *running_version, baton_ota_boot_t boot, uint64_t now_ms,
                    uint32_t confirm_timeout_ms);

/**
 * Checks the fields of an offer: an http(s) URL of at most BATON_OTA_URL_MAX characters, a
 * version of 1-31 printable characters, and 64 hex digits of SHA-256.
 * @return BATON_OK, or BATON_ERR_INVALID_ARG / BATON_ERR_MALFORMED / BATON_ERR_NO_SPACE.
 */
baton_status_t baton_ota_parse_offer(const char *url, const char *version, const char *sha256_hex, baton_ota_offer_t *out);

/**
 * The same from a msgpack map `{ url, version, sha256 }`: the payload of the room → device
 * `update` message and of `welcome.update`, handed over by the session as
 * BATON_ACTION_UPDATE_OFFER (docs/PROTOCOL.md §15; firmware/README.md, "Over-the-air updates").
 */
baton_status_t baton_ota_parse_offer_msgpack(const uint8_t *payload, size_t len, baton_ota_offer_t *out);

/**
 * Takes an offer. Kept (state OFFERED) unless: it is the running version (ignored, BATON_OK
 * with state unchanged), or an update is already downloading, switching or awaiting its
 * confirmation, or is verified and waits to switch (BATON_ERR_BUSY: the offer is dropped; the server offers again later).
 * A newer offer replaces one that still waits.
 */
baton_status_t baton_ota_offer(baton_ota_t *m, const baton_ota_offer_t *offer);

/**
 * Call every loop. `device_idle`: no run in progress (a weighing is never interrupted).
 * OFFERED and idle → DOWNLOAD; VERIFIED and idle → SWITCH; PENDING_CONFIRM past its deadline → ROLLBACK.
 */
baton_ota_action_t baton_ota_poll(baton_ota_t *m, uint64_t now_ms, bool device_idle);

/**
 * The download ended. `ok` false (network, TLS, flash, image format): DISCARD with `error`.
 * Otherwise the image's SHA-256 and version must equal the offer's: VERIFIED (NONE now; the
 * switch comes from baton_ota_poll once the device is idle), else DISCARD.
 */
baton_ota_action_t baton_ota_downloaded(baton_ota_t *m, bool ok, const uint8_t sha256[32], const char *image_version,
                                        const char *error);

/** The device reached the server (`welcome`). PENDING_CONFIRM → CONFIRM, then IDLE. */
baton_ota_action_t baton_ota_server_reached(baton_ota_t *m);

/** "idle", "offered", "downloading", "verified", "switching", "pending-confirm", "failed". */
const char *baton_ota_state_name(baton_ota_state_t state);

#ifdef __cplusplus
}
#endif
