/**
 * @file posix_kv_file.c
 * @brief Key-value storage in one small file, rewritten atomically on every change.
 *
 * The held report must survive a kill -9 of the virtual device, exactly as it survives a
 * power cut in NVS: each write goes to "<file>.tmp", is fsync'ed, and renamed over the file.
 * Layout: records of (u8 key length, key, u32 LE value length, value). Small by design.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "baton_posix.h"

#define KV_FILE_MAX 16384

/* Reads the whole file; a missing file is an empty store. */
static baton_status_t load(const baton_posix_t *p, uint8_t *buf, size_t *len)
{
    *len = 0;
    FILE *f = fopen(p->state_file, "rb");
    if (f == NULL) {
        return errno == ENOENT ? BATON_OK : BATON_ERR_PORT;
    }
    *len = fread(buf, 1, KV_FILE_MAX, f);
    bool too_big = !feof(f) && fgetc(f) != EOF;
    fclose(f);
    return too_big ? BATON_ERR_NO_SPACE : BATON_OK;
}

/* Walks the records; calls `visit` for each until it returns false. Stops at a corrupt tail. */
typedef bool (*visit_fn)(void *user, const char *key, size_t key_len, const uint8_t *value, size_t value_len);

static void walk(const uint8_t *buf, size_t len, visit_fn visit, void *user)
{
    size_t at = 0;
    while (at < len) {
        size_t key_len = buf[at++];
        if (key_len > len - at || len - at - key_len < 4) {
            return;
        }
        const char *key = (const char *)(buf + at);
        at += key_len;
        size_t value_len = (size_t)buf[at] | (size_t)buf[at + 1] << 8 | (size_t)buf[at + 2] << 16 | (size_t)buf[at + 3] << 24;
        at += 4;
        if (value_len > len - at) {
            return;
        }
        if (!visit(user, key, key_len, buf + at, value_len)) {
            return;
        }
        at += value_len;
    }
}

typedef struct {
    const char *key;
    uint8_t *out;
    size_t cap;
    size_t *len;
    baton_status_t status;
} get_ctx_t;

static bool visit_get(void *user, const char *key, size_t key_len, const uint8_t *value, size_t value_len)
{
    get_ctx_t *g = user;
    if (strlen(g->key) != key_len || memcmp(g->key, key, key_len) != 0) {
        return true;
    }
    if (value_len > g->cap) {
        g->status = BATON_ERR_NO_SPACE;
    } else {
        memcpy(g->out, value, value_len);
        *g->len = value_len;
        g->status = BATON_OK;
    }
    return false;
}

baton_status_t baton_posix_kv_get(void *ctx, const char *key, uint8_t *buf, size_t cap, size_t *len)
{
    baton_posix_t *p = ctx;
    if (p->state_file[0] == '\0') {
        return BATON_ERR_NOT_FOUND;
    }
    static uint8_t file[KV_FILE_MAX];
    size_t file_len = 0;
    baton_status_t st = load(p, file, &file_len);
    if (st != BATON_OK) {
        return st;
    }
    get_ctx_t g = {key, buf, cap, len, BATON_ERR_NOT_FOUND};
    walk(file, file_len, visit_get, &g);
    return g.status;
}

typedef struct {
    const char *skip_key;
    uint8_t *out;
    size_t len;
    bool overflow;
} copy_ctx_t;

static void put_record(copy_ctx_t *c, const char *key, size_t key_len, const uint8_t *value, size_t value_len)
{
    if (key_len > 255 || 1 + key_len + 4 + value_len > KV_FILE_MAX - c->len) {
        c->overflow = true;
        return;
    }
    c->out[c->len++] = (uint8_t)key_len;
    memcpy(c->out + c->len, key, key_len);
    c->len += key_len;
    for (int i = 0; i < 4; i++) {
        c->out[c->len++] = (uint8_t)(value_len >> (8 * i));
    }
    memcpy(c->out + c->len, value, value_len);
    c->len += value_len;
}

static bool visit_copy(void *user, const char *key, size_t key_len, const uint8_t *value, size_t value_len)
{
    copy_ctx_t *c = user;
    if (!(strlen(c->skip_key) == key_len && memcmp(c->skip_key, key, key_len) == 0)) {
        put_record(c, key, key_len, value, value_len);
    }
    return !c->overflow;
}

baton_status_t baton_posix_kv_set(void *ctx, const char *key, const uint8_t *data, size_t len)
{
    baton_posix_t *p = ctx;
    if (p->state_file[0] == '\0') {
        return BATON_OK; /* memory-only mode: nothing survives a restart, by request */
    }
    static uint8_t old_file[KV_FILE_MAX];
    static uint8_t new_file[KV_FILE_MAX];
    size_t old_len = 0;
    baton_status_t st = load(p, old_file, &old_len);
    if (st != BATON_OK) {
        return st;
    }
    copy_ctx_t c = {key, new_file, 0, false};
    walk(old_file, old_len, visit_copy, &c);
    if (len > 0) {
        put_record(&c, key, strlen(key), data, len);
    }
    if (c.overflow) {
        return BATON_ERR_NO_SPACE;
    }

    char tmp[sizeof p->state_file + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", p->state_file);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        return BATON_ERR_PORT;
    }
    size_t written = 0;
    while (written < c.len) {
        ssize_t n = write(fd, new_file + written, c.len - written);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            close(fd);
            unlink(tmp);
            return BATON_ERR_PORT;
        }
        written += (size_t)n;
    }
    bool synced = fsync(fd) == 0;
    bool closed = close(fd) == 0;
    if (!synced || !closed || rename(tmp, p->state_file) != 0) {
        unlink(tmp);
        return BATON_ERR_PORT;
    }
    return BATON_OK;
}
