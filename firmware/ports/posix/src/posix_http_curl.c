/**
 * @file posix_http_curl.c
 * @brief The matchmaking POST over libcurl (blocking, bounded response).
 */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "baton_matchmake.h"
#include "baton_posix.h"

/* libcurl's connect and total limits; the session's own step timeout is longer. */
#define HTTP_CONNECT_TIMEOUT_MS 5000L
#define HTTP_TOTAL_TIMEOUT_MS 8000L

typedef struct {
    char *buf;
    size_t cap;
    size_t len;
} sink_t;

static size_t collect(char *data, size_t size, size_t count, void *user)
{
    sink_t *sink = user;
    size_t n = size * count;
    size_t room = sink->cap - sink->len;
    size_t take = n < room ? n : room; /* a longer body is cut; the parser then refuses it */
    memcpy(sink->buf + sink->len, data, take);
    sink->len += take;
    return n;
}

/* Keeps the answer's Retry-After (seconds) from the header lines curl hands over one by one. */
static size_t header_line(char *data, size_t size, size_t count, void *user)
{
    uint32_t *retry_after_s = user;
    size_t n = size * count;
    static const char name[] = "retry-after:";
    if (n > sizeof name - 1 && n < 64 && strncasecmp(data, name, sizeof name - 1) == 0) {
        char value[64];
        memcpy(value, data + sizeof name - 1, n - (sizeof name - 1));
        value[n - (sizeof name - 1)] = '\0';
        *retry_after_s = baton_parse_retry_after(value);
    }
    return n;
}

baton_status_t baton_posix_http_post(void *ctx, const char *url, const char *bearer, const char *json_body, size_t body_len,
                                     char *response, size_t response_cap, size_t *response_len, int *http_status,
                                     uint32_t *retry_after_s);

baton_status_t baton_posix_http_post(void *ctx, const char *url, const char *bearer, const char *json_body, size_t body_len,
                                     char *response, size_t response_cap, size_t *response_len, int *http_status,
                                     uint32_t *retry_after_s)
{
    baton_posix_t *p = ctx;
    CURL *curl = curl_easy_init();
    if (curl == NULL) {
        return BATON_ERR_PORT;
    }
    char auth[512];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", bearer);
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Accept: application/json");
    headers = curl_slist_append(headers, auth);
    sink_t sink = {response, response_cap, 0};

    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json_body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)body_len);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    *retry_after_s = 0;
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, header_line);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, retry_after_s);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, HTTP_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, HTTP_TOTAL_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L); /* no SIGALRM games in a program that handles SIGTERM */

    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    if (rc == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    } else {
        char line[256];
        snprintf(line, sizeof line, "HTTP POST failed: %s", curl_easy_strerror(rc));
        baton_posix_log(p, BATON_LOG_WARN, line);
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    *response_len = sink.len;
    *http_status = (int)status;
    return rc == CURLE_OK ? BATON_OK : BATON_ERR_PORT;
}
