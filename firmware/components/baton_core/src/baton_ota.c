/**
 * @file baton_ota.c
 * @brief The OTA decisions (see baton_ota.h).
 */
#include "baton_ota.h"

#include <stdio.h>
#include <string.h>

#include "baton_msgpack.h"

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static void set_error(baton_ota_t *m, const char *error)
{
    snprintf(m->last_error, sizeof m->last_error, "%s", error != NULL ? error : "");
}

void baton_ota_init(baton_ota_t *m, const char *running_version, baton_ota_boot_t boot, uint64_t now_ms,
                    uint32_t confirm_timeout_ms)
{
    memset(m, 0, sizeof *m);
    snprintf(m->running_version, sizeof m->running_version, "%s", running_version != NULL ? running_version : "");
    if (boot == BATON_OTA_BOOT_PENDING_VERIFY) {
        m->state = BATON_OTA_PENDING_CONFIRM;
        m->confirm_deadline_ms = now_ms + confirm_timeout_ms;
    } else {
        m->state = BATON_OTA_IDLE;
    }
}

baton_status_t baton_ota_parse_offer(const char *url, const char *version, const char *sha256_hex, baton_ota_offer_t *out)
{
    if (url == NULL || version == NULL || sha256_hex == NULL || out == NULL) {
        return BATON_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    const size_t url_len = strlen(url);
    if (url_len > BATON_OTA_URL_MAX) {
        return BATON_ERR_NO_SPACE;
    }
    /* The port applies the same URL policy as to the server (https, or http on a lab build). */
    if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
        return BATON_ERR_MALFORMED;
    }
    for (size_t i = 0; i < url_len; i++) {
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f) {
            return BATON_ERR_MALFORMED;
        }
    }
    const size_t version_len = strlen(version);
    if (version_len == 0 || version_len > BATON_OTA_VERSION_MAX) {
        return BATON_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < version_len; i++) {
        if ((unsigned char)version[i] < 0x20 || (unsigned char)version[i] >= 0x7f) {
            return BATON_ERR_MALFORMED;
        }
    }
    if (strlen(sha256_hex) != 64) {
        return BATON_ERR_MALFORMED;
    }
    for (size_t i = 0; i < 32; i++) {
        const int hi = hex_value(sha256_hex[2 * i]);
        const int lo = hex_value(sha256_hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return BATON_ERR_MALFORMED;
        }
        out->sha256[i] = (uint8_t)(hi << 4 | lo);
    }
    memcpy(out->url, url, url_len + 1);
    memcpy(out->version, version, version_len + 1);
    return BATON_OK;
}

baton_status_t baton_ota_parse_offer_msgpack(const uint8_t *payload, size_t len, baton_ota_offer_t *out)
{
    if (payload == NULL || out == NULL) {
        return BATON_ERR_INVALID_ARG;
    }
    /* One byte more than allowed, so a long field is told apart from a maximal one. */
    char url[BATON_OTA_URL_MAX + 2];
    char version[BATON_OTA_VERSION_MAX + 2];
    char sha[66];
    baton_mp_reader_t r;
    baton_mp_reader_init(&r, payload, len);
    baton_status_t st = baton_mp_map_get_str(&r, "url", url, sizeof url);
    if (st == BATON_OK) {
        st = baton_mp_map_get_str(&r, "version", version, sizeof version);
    }
    if (st == BATON_OK) {
        st = baton_mp_map_get_str(&r, "sha256", sha, sizeof sha);
    }
    if (st != BATON_OK) {
        memset(out, 0, sizeof *out);
        return st;
    }
    return baton_ota_parse_offer(url, version, sha, out);
}

baton_status_t baton_ota_offer(baton_ota_t *m, const baton_ota_offer_t *offer)
{
    if (m == NULL || offer == NULL) {
        return BATON_ERR_INVALID_ARG;
    }
    if (m->state == BATON_OTA_DOWNLOADING || m->state == BATON_OTA_VERIFIED || m->state == BATON_OTA_SWITCHING ||
        m->state == BATON_OTA_PENDING_CONFIRM) {
        return BATON_ERR_BUSY;
    }
    if (strcmp(offer->version, m->running_version) == 0) {
        return BATON_OK; /* already running it: nothing to do */
    }
    m->offer = *offer;
    m->state = BATON_OTA_OFFERED;
    m->last_error[0] = '\0';
    return BATON_OK;
}

baton_ota_action_t baton_ota_poll(baton_ota_t *m, uint64_t now_ms, bool device_idle)
{
    switch (m->state) {
    case BATON_OTA_OFFERED:
        if (device_idle) {
            m->state = BATON_OTA_DOWNLOADING;
            return BATON_OTA_ACT_DOWNLOAD;
        }
        return BATON_OTA_ACT_NONE;
    case BATON_OTA_VERIFIED:
        if (device_idle) {
            m->state = BATON_OTA_SWITCHING;
            return BATON_OTA_ACT_SWITCH;
        }
        return BATON_OTA_ACT_NONE;
    case BATON_OTA_PENDING_CONFIRM:
        if (now_ms >= m->confirm_deadline_ms) {
            set_error(m, "the new image did not reach the server in time");
            m->state = BATON_OTA_FAILED;
            return BATON_OTA_ACT_ROLLBACK;
        }
        return BATON_OTA_ACT_NONE;
    case BATON_OTA_IDLE:
    case BATON_OTA_DOWNLOADING:
    case BATON_OTA_SWITCHING:
    case BATON_OTA_FAILED:
        break;
    }
    return BATON_OTA_ACT_NONE;
}

baton_ota_action_t baton_ota_downloaded(baton_ota_t *m, bool ok, const uint8_t sha256[32], const char *image_version,
                                        const char *error)
{
    if (m->state != BATON_OTA_DOWNLOADING) {
        return BATON_OTA_ACT_NONE; /* not ours (or already decided) */
    }
    m->state = BATON_OTA_FAILED;
    if (!ok) {
        set_error(m, error != NULL && error[0] != '\0' ? error : "download failed");
        return BATON_OTA_ACT_DISCARD;
    }
    if (sha256 == NULL || memcmp(sha256, m->offer.sha256, 32) != 0) {
        set_error(m, "the image's SHA-256 differs from the offer's");
        return BATON_OTA_ACT_DISCARD;
    }
    if (image_version == NULL || strcmp(image_version, m->offer.version) != 0) {
        set_error(m, "the image's version differs from the offer's");
        return BATON_OTA_ACT_DISCARD;
    }
    m->state = BATON_OTA_VERIFIED;
    return BATON_OTA_ACT_NONE;
}

baton_ota_action_t baton_ota_server_reached(baton_ota_t *m)
{
    if (m->state != BATON_OTA_PENDING_CONFIRM) {
        return BATON_OTA_ACT_NONE;
    }
    m->state = BATON_OTA_IDLE;
    return BATON_OTA_ACT_CONFIRM;
}

const char *baton_ota_state_name(baton_ota_state_t state)
{
    switch (state) {
    case BATON_OTA_IDLE: return "idle";
    case BATON_OTA_OFFERED: return "offered";
    case BATON_OTA_DOWNLOADING: return "downloading";
    case BATON_OTA_VERIFIED: return "verified";
    case BATON_OTA_SWITCHING: return "switching";
    case BATON_OTA_PENDING_CONFIRM: return "pending-confirm";
    case BATON_OTA_FAILED: return "failed";
    }
    return "unknown";
}
