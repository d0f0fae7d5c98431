/**
 * @file baton_url_policy.c
 * @brief URL transport classification (see baton_url_policy.h).
 */
#include "baton_url_policy.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* Longest host looked at; a longer one is not a lab name anyway. */
#define HOST_MAX 255

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool starts_with_ci(const char *s, const char *prefix)
{
    for (; *prefix != '\0'; s++, prefix++) {
        if (lower(*s) != *prefix) {
            return false;
        }
    }
    return true;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
    const size_t n = strlen(suffix);
    return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* Dotted-quad IPv4 literal → its four octets; false if `host` is not exactly one. */
static bool parse_ipv4(const char *host, unsigned char out[4])
{
    const char *p = host;
    for (int i = 0; i < 4; i++) {
        unsigned value = 0;
        int digits = 0;
        while (*p >= '0' && *p <= '9') {
            value = value * 10u + (unsigned)(*p - '0');
            if (++digits > 3 || value > 255u) {
                return false;
            }
            p++;
        }
        if (digits == 0) {
            return false;
        }
        out[i] = (unsigned char)value;
        if (i < 3) {
            if (*p != '.') {
                return false;
            }
            p++;
        }
    }
    return *p == '\0';
}

static bool ipv4_is_lab(const unsigned char a[4])
{
    return a[0] == 10                                  /* 10.0.0.0/8 (RFC 1918) */
           || (a[0] == 172 && (a[1] & 0xF0u) == 16)    /* 172.16.0.0/12 */
           || (a[0] == 192 && a[1] == 168)             /* 192.168.0.0/16 */
           || a[0] == 127                              /* loopback */
           || (a[0] == 169 && a[1] == 254);            /* link-local */
}

/* `host` is the text between the brackets of an IPv6 literal, lower-cased. */
static bool ipv6_is_lab(const char *host)
{
    if (strcmp(host, "::1") == 0) {
        return true; /* loopback */
    }
    /* fc00::/7 (unique local) and fe80::/10 (link-local): the first group decides. */
    const size_t group = strcspn(host, ":");
    if (group != 4) {
        return false;
    }
    return host[0] == 'f' && ((host[1] == 'c' || host[1] == 'd') ||
                              (host[1] == 'e' && (host[2] == '8' || host[2] == '9' || host[2] == 'a' || host[2] == 'b')));
}

static bool name_is_lab(const char *host, size_t len)
{
    if (strcmp(host, "localhost") == 0 || ends_with(host, len, ".localhost") || ends_with(host, len, ".local") ||
        ends_with(host, len, ".home.arpa")) {
        return true;
    }
    return strchr(host, '.') == NULL; /* a single label: no public DNS name */
}

baton_url_security_t baton_url_security(const char *url)
{
    if (url == NULL) {
        return BATON_URL_INVALID;
    }
    bool tls;
    const char *rest;
    if (starts_with_ci(url, "https://")) {
        tls = true;
        rest = url + 8;
    } else if (starts_with_ci(url, "wss://")) {
        tls = true;
        rest = url + 6;
    } else if (starts_with_ci(url, "http://")) {
        tls = false;
        rest = url + 7;
    } else if (starts_with_ci(url, "ws://")) {
        tls = false;
        rest = url + 5;
    } else {
        return BATON_URL_INVALID;
    }
    /* The authority ends at the path, query or fragment. Credentials in the URL are refused:
     * `http://10.0.0.1@evil.example/` must not pass as a lab address. */
    const size_t authority_len = strcspn(rest, "/?#");
    if (memchr(rest, '@', authority_len) != NULL) {
        return BATON_URL_INVALID;
    }
    char host[HOST_MAX + 1];
    size_t host_len;
    bool ipv6 = false;
    if (rest[0] == '[') {
        const char *close = memchr(rest, ']', authority_len);
        if (close == NULL) {
            return BATON_URL_INVALID;
        }
        host_len = (size_t)(close - rest) - 1;
        rest++;
        ipv6 = true;
    } else {
        host_len = strcspn(rest, ":/?#");
    }
    if (host_len == 0 || host_len > HOST_MAX) {
        return host_len == 0 ? BATON_URL_INVALID : (tls ? BATON_URL_TLS : BATON_URL_PLAIN_PUBLIC);
    }
    if (tls) {
        return BATON_URL_TLS;
    }
    for (size_t i = 0; i < host_len; i++) {
        host[i] = lower(rest[i]);
    }
    host[host_len] = '\0';
    if (!ipv6 && host_len > 0 && host[host_len - 1] == '.') {
        host[--host_len] = '\0'; /* a fully qualified name's trailing dot */
    }
    unsigned char octets[4];
    bool lab;
    if (ipv6) {
        lab = ipv6_is_lab(host);
    } else if (parse_ipv4(host, octets)) {
        lab = ipv4_is_lab(octets);
    } else {
        lab = host_len > 0 && name_is_lab(host, host_len); /* "http://./" has no name */
    }
    return lab ? BATON_URL_PLAIN_LAB : BATON_URL_PLAIN_PUBLIC;
}

const char *baton_url_security_str(baton_url_security_t security)
{
    switch (security) {
    case BATON_URL_TLS: return "tls";
    case BATON_URL_PLAIN_LAB: return "plain-lab";
    case BATON_URL_PLAIN_PUBLIC: return "plain-public";
    case BATON_URL_INVALID: return "invalid";
    }
    return "invalid";
}
