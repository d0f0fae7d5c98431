/**
 * @file posix_ota.c
 * @brief Over-the-air updates of the virtual device (see baton_posix_ota.h): libcurl into a
 *        file, OpenSSL's SHA-256, a one-line record for the boot slot.
 */
#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "baton_posix_ota.h"
#include "baton_url_policy.h"

#define DOWNLOAD_CONNECT_TIMEOUT_MS 5000L
#define DOWNLOAD_TOTAL_TIMEOUT_MS 30000L
#define IMAGE_MAGIC "BATON-VDEVICE-IMAGE "

static void say(baton_posix_ota_t *o, const char *name, const char *version, const char *detail)
{
    if (o->on_event != NULL) {
        o->on_event(o->event_ctx, name, version != NULL ? version : "", detail != NULL ? detail : "");
    }
}

static void path_of(const baton_posix_ota_t *o, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", o->dir, name);
}

/* The boot record: `confirmed <version>` or `pending <new> <previous>`, written atomically. */
static bool write_record(const baton_posix_ota_t *o, const char *state, const char *version, const char *previous)
{
    char path[600];
    char tmp[610];
    path_of(o, "firmware", path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        return false;
    }
    bool ok = fprintf(f, "%s %s%s%s\n", state, version, previous != NULL ? " " : "", previous != NULL ? previous : "") > 0;
    ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    return ok && rename(tmp, path) == 0;
}

/* Versions never contain spaces here: the record is space-separated (an offer with one is refused). */
static bool has_space(const char *s)
{
    return strchr(s, ' ') != NULL;
}

void baton_posix_ota_init(baton_posix_ota_t *o, const char *dir, const char *built_in, uint64_t now_ms,
                          uint32_t confirm_timeout_ms)
{
    void (*on_event)(void *, const char *, const char *, const char *) = o->on_event;
    void *event_ctx = o->event_ctx;
    memset(o, 0, sizeof *o);
    o->on_event = on_event;
    o->event_ctx = event_ctx;
    o->confirm_timeout_ms = confirm_timeout_ms;
    snprintf(o->dir, sizeof o->dir, "%s", dir != NULL ? dir : "");
    baton_ota_init(&o->machine, built_in, BATON_OTA_BOOT_CONFIRMED, now_ms, confirm_timeout_ms);
    if (o->dir[0] == '\0') {
        return;
    }
    char path[600];
    path_of(o, "firmware", path, sizeof path);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return; /* never updated: the built-in version runs */
    }
    char state[16] = "";
    char version[BATON_OTA_VERSION_MAX + 1] = "";
    char previous[BATON_OTA_VERSION_MAX + 1] = "";
    int fields = fscanf(f, "%15s %31s %31s", state, version, previous);
    fclose(f);
    if (fields >= 2 && strcmp(state, "confirmed") == 0) {
        baton_ota_init(&o->machine, version, BATON_OTA_BOOT_CONFIRMED, now_ms, confirm_timeout_ms);
    } else if (fields == 3 && strcmp(state, "pending") == 0) {
        baton_ota_init(&o->machine, version, BATON_OTA_BOOT_PENDING_VERIFY, now_ms, confirm_timeout_ms);
        snprintf(o->previous, sizeof o->previous, "%s", previous);
    }
}

const char *baton_posix_ota_version(const baton_posix_ota_t *o)
{
    return o->machine.running_version;
}

baton_status_t baton_posix_ota_offer(baton_posix_ota_t *o, const uint8_t *payload, size_t len)
{
    baton_ota_offer_t offer;
    baton_status_t st = baton_ota_parse_offer_msgpack(payload, len, &offer);
    if (st != BATON_OK) {
        say(o, "ignored", "", "malformed offer (url, version or sha256)");
        return st;
    }
    if (o->dir[0] == '\0') {
        say(o, "ignored", offer.version, "no --ota-dir: this device takes no updates");
        return BATON_ERR_STATE;
    }
    const baton_url_security_t security = baton_url_security(offer.url);
    if (security != BATON_URL_TLS && security != BATON_URL_PLAIN_LAB) {
        say(o, "ignored", offer.version, "the image URL is plain http to a public host (the server URL's policy)");
        return BATON_ERR_CONFIG;
    }
    if (has_space(offer.version)) {
        say(o, "ignored", offer.version, "a version with a space");
        return BATON_ERR_MALFORMED;
    }
    if (strcmp(offer.version, o->machine.running_version) == 0) {
        return BATON_OK; /* running it already */
    }
    st = baton_ota_offer(&o->machine, &offer);
    if (st != BATON_OK) {
        say(o, "ignored", offer.version, "an update is under way");
        return st;
    }
    say(o, "offered", offer.version, offer.url);
    return BATON_OK;
}

typedef struct {
    FILE *file;
    size_t written;
    bool too_large;
} sink_t;

static size_t write_image(char *data, size_t size, size_t count, void *user)
{
    sink_t *sink = user;
    const size_t n = size * count;
    if (sink->written + n > BATON_POSIX_OTA_IMAGE_MAX) {
        sink->too_large = true;
        return 0; /* aborts the transfer */
    }
    if (fwrite(data, 1, n, sink->file) != n) {
        return 0;
    }
    sink->written += n;
    return n;
}

static bool download(const char *url, const char *path, char *error, size_t error_cap)
{
    FILE *file = fopen(path, "wb");
    if (file == NULL) {
        snprintf(error, error_cap, "cannot write %s: %s", path, strerror(errno));
        return false;
    }
    sink_t sink = {.file = file};
    CURL *curl = curl_easy_init();
    CURLcode code = CURLE_FAILED_INIT;
    long status = 0;
    if (curl != NULL) {
        curl_easy_setopt(curl, CURLOPT_URL, url);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_image);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, DOWNLOAD_CONNECT_TIMEOUT_MS);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, DOWNLOAD_TOTAL_TIMEOUT_MS);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        /* No redirects: the image must come from the URL the server named (and its policy). */
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
        /* https: libcurl verifies the certificate against the system store, as the WebSocket does. */
        code = curl_easy_perform(curl);
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(curl);
    }
    const bool closed = fclose(file) == 0;
    if (sink.too_large) {
        snprintf(error, error_cap, "the image is larger than %u bytes", BATON_POSIX_OTA_IMAGE_MAX);
        return false;
    }
    if (code != CURLE_OK) {
        snprintf(error, error_cap, "download failed: %s", curl_easy_strerror(code));
        return false;
    }
    if (status != 200) {
        snprintf(error, error_cap, "download failed: HTTP %ld", status);
        return false;
    }
    if (!closed) {
        snprintf(error, error_cap, "cannot write %s", path);
        return false;
    }
    return true;
}

baton_status_t baton_posix_sha256_file(const char *path, uint8_t out[32])
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return BATON_ERR_PORT;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    unsigned char buf[4096];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        ok = EVP_DigestUpdate(ctx, buf, n) == 1;
    }
    ok = ok && !ferror(f);
    unsigned int len = 0;
    ok = ok && EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == 32;
    EVP_MD_CTX_free(ctx);
    fclose(f);
    return ok ? BATON_OK : BATON_ERR_PORT;
}

/* The version a host image declares in its first line; false if it has none. */
static bool image_version(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return false;
    }
    char line[sizeof IMAGE_MAGIC + BATON_OTA_VERSION_MAX + 2];
    const bool read = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    if (!read || strncmp(line, IMAGE_MAGIC, sizeof IMAGE_MAGIC - 1) != 0) {
        return false;
    }
    char *version = line + sizeof IMAGE_MAGIC - 1;
    version[strcspn(version, "\n")] = '\0';
    snprintf(out, cap, "%s", version);
    return true;
}

static baton_posix_ota_next_t act(baton_posix_ota_t *o, baton_ota_action_t action, uint64_t now_ms)
{
    char image[600];
    path_of(o, "image.bin", image, sizeof image);
    switch (action) {
    case BATON_OTA_ACT_NONE:
        return BATON_POSIX_OTA_NOTHING;
    case BATON_OTA_ACT_DOWNLOAD: {
        say(o, "downloading", o->machine.offer.version, o->machine.offer.url);
        char error[160] = "";
        uint8_t sha[32] = {0};
        char version[BATON_OTA_VERSION_MAX + 1] = "";
        bool ok = download(o->machine.offer.url, image, error, sizeof error);
        if (ok && baton_posix_sha256_file(image, sha) != BATON_OK) {
            ok = false;
            snprintf(error, sizeof error, "cannot read back the image");
        }
        if (ok && !image_version(image, version, sizeof version)) {
            snprintf(version, sizeof version, "(none)"); /* not a host image: refused as a version mismatch */
        }
        return act(o, baton_ota_downloaded(&o->machine, ok, sha, version, error), now_ms);
    }
    case BATON_OTA_ACT_DISCARD:
        unlink(image);
        say(o, "rejected", o->machine.offer.version, o->machine.last_error);
        return BATON_POSIX_OTA_NOTHING;
    case BATON_OTA_ACT_SWITCH: {
        char previous[BATON_OTA_VERSION_MAX + 1];
        char next[BATON_OTA_VERSION_MAX + 1];
        snprintf(previous, sizeof previous, "%s", o->machine.running_version);
        snprintf(next, sizeof next, "%s", o->machine.offer.version);
        if (!write_record(o, "pending", next, previous)) {
            o->machine.state = BATON_OTA_FAILED;
            snprintf(o->machine.last_error, sizeof o->machine.last_error, "cannot record the new boot version");
            say(o, "rejected", next, o->machine.last_error);
            return BATON_POSIX_OTA_NOTHING;
        }
        say(o, "switching", next, previous);
        /* The "reboot": the new version starts on probation. */
        baton_ota_init(&o->machine, next, BATON_OTA_BOOT_PENDING_VERIFY, now_ms, o->confirm_timeout_ms);
        snprintf(o->previous, sizeof o->previous, "%s", previous);
        return BATON_POSIX_OTA_RESTART;
    }
    case BATON_OTA_ACT_CONFIRM:
        if (!write_record(o, "confirmed", o->machine.running_version, NULL)) {
            say(o, "rejected", o->machine.running_version, "cannot record the confirmation");
        }
        o->previous[0] = '\0';
        say(o, "confirmed", o->machine.running_version, "");
        return BATON_POSIX_OTA_NOTHING;
    case BATON_OTA_ACT_ROLLBACK: {
        char failed[BATON_OTA_VERSION_MAX + 1];
        snprintf(failed, sizeof failed, "%s", o->machine.running_version);
        if (o->previous[0] == '\0') {
            say(o, "rejected", failed, "nothing to roll back to");
            return BATON_POSIX_OTA_NOTHING;
        }
        write_record(o, "confirmed", o->previous, NULL);
        say(o, "rolled-back", o->previous, o->machine.last_error);
        baton_ota_init(&o->machine, o->previous, BATON_OTA_BOOT_CONFIRMED, now_ms, o->confirm_timeout_ms);
        o->previous[0] = '\0';
        return BATON_POSIX_OTA_RESTART;
    }
    }
    return BATON_POSIX_OTA_NOTHING;
}

void baton_posix_ota_server_reached(baton_posix_ota_t *o)
{
    (void)act(o, baton_ota_server_reached(&o->machine), 0);
}

baton_posix_ota_next_t baton_posix_ota_poll(baton_posix_ota_t *o, uint64_t now_ms, bool device_idle)
{
    return act(o, baton_ota_poll(&o->machine, now_ms, device_idle), now_ms);
}
