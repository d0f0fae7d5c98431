/**
 * @file baton_posix_ota.h
 * @brief Over-the-air updates on the host (the virtual device): the same decisions as the
 *        ESP32 (baton_ota.h), with a file for a flash slot.
 *
 * - Download: libcurl GETs the offer's URL into `<dir>/image.bin` (blocking, bounded in size
 *   and time; the same URL policy as the server's: https, or plain http to a lab-network host).
 * - Verify: the file's SHA-256 and its version — a host image starts with the line
 *   `BATON-VDEVICE-IMAGE <version>\n` (its `esp_app_desc_t`), anything may follow — must equal
 *   the offer's; otherwise it is deleted and the running version stays.
 * - Switch: `<dir>/firmware` records `pending <new> <previous>`; the application restarts its
 *   session (a reboot), so the next `hello` carries the new version.
 * - Confirm or roll back: the first `welcome` after the switch records `confirmed <new>`; if the
 *   session has not reached the server within the confirm timeout, `confirmed <previous>` and
 *   the session restarts on the previous version. The record is read at start-up, so a process
 *   that dies on probation comes back on probation (and rolls back unless it reaches the server).
 */
#ifndef BATON_POSIX_OTA_H
#define BATON_POSIX_OTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "baton_ota.h"
#include "baton_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The largest host image accepted (a download beyond it is cut off and refused). */
#define BATON_POSIX_OTA_IMAGE_MAX (8u * 1024u * 1024u)

typedef struct baton_posix_ota {
    baton_ota_t machine;
    /** Where the image and the record live ("" = updates are refused). */
    char dir[512];
    uint32_t confirm_timeout_ms;
    /** The version to go back to while the running one is on probation. */
    char previous[BATON_OTA_VERSION_MAX + 1];
    /**
     * What happened (may be NULL): `name` is "offered", "ignored", "downloading", "rejected",
     * "switching", "confirmed" or "rolled-back"; `version` the version concerned; `detail` a
     * sentence (why an offer was ignored or an image rejected).
     */
    void (*on_event)(void *ctx, const char *name, const char *version, const char *detail);
    void *event_ctx;
} baton_posix_ota_t;

/** What the application must do after baton_posix_ota_poll(). */
typedef enum {
    BATON_POSIX_OTA_NOTHING,
    /** Restart the session (a reboot): `hello` must now carry baton_posix_ota_version(). */
    BATON_POSIX_OTA_RESTART,
} baton_posix_ota_next_t;

/**
 * Reads `<dir>/firmware` (if any) to learn which version runs and whether it is on probation.
 * @param built_in the version of this binary when no update was ever installed
 */
void baton_posix_ota_init(baton_posix_ota_t *o, const char *dir, const char *built_in, uint64_t now_ms,
                          uint32_t confirm_timeout_ms);

/** The version that runs now (what `hello.firmware` says). */
const char *baton_posix_ota_version(const baton_posix_ota_t *o);

/** An offer from the server (msgpack `{ url, version, sha256 }`): checked, then kept until idle. */
baton_status_t baton_posix_ota_offer(baton_posix_ota_t *o, const uint8_t *payload, size_t len);

/** The session reached the server (`welcome`): confirms a version on probation. */
void baton_posix_ota_server_reached(baton_posix_ota_t *o);

/** Advances the update (downloads and verifies in this call when one is due). */
baton_posix_ota_next_t baton_posix_ota_poll(baton_posix_ota_t *o, uint64_t now_ms, bool device_idle);

/** SHA-256 of a file; BATON_ERR_PORT if it cannot be read. */
baton_status_t baton_posix_sha256_file(const char *path, uint8_t out[32]);

#ifdef __cplusplus
}
#endif

#endif /* BATON_POSIX_OTA_H */
