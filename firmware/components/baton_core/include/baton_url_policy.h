/**
 * @file baton_url_policy.h
 * @brief Is a server URL safe to send the device secret to? (transport security, no I/O)
 *
 * The matchmaking request carries the device secret as a bearer token. Over https it is
 * encrypted and the server is authenticated (the ESP-IDF port verifies the certificate);
 * over plain http anyone on the path reads it. Plain http is therefore only for a lab
 * network: a URL whose host is provably local (an IP literal in a private, loopback or
 * link-local range; `localhost`; an mDNS `.local` or `.home.arpa` name; a single-label name,
 * which public DNS cannot resolve). Any other plain-http host counts as public.
 * The ESP-IDF port refuses a public plain-http URL unless the build opts in
 * (CONFIG_BATON_ALLOW_PLAIN_HTTP) and warns loudly about every plain-http URL.
 */
#ifndef BATON_URL_POLICY_H
#define BATON_URL_POLICY_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    /** https:// or wss://: encrypted, the server's certificate is verified by the port. */
    BATON_URL_TLS = 0,
    /** http:// or ws:// to a host that is provably on a local network. */
    BATON_URL_PLAIN_LAB = 1,
    /** http:// or ws:// to any other host: the secret would cross networks in clear. */
    BATON_URL_PLAIN_PUBLIC = 2,
    /** Not an http(s)/ws(s) URL with a host. */
    BATON_URL_INVALID = 3,
} baton_url_security_t;

/** Classifies `url` (NULL is BATON_URL_INVALID). The scheme and host are case-insensitive. */
baton_url_security_t baton_url_security(const char *url);

/** A constant name for a classification ("tls", "plain-lab", "plain-public", "invalid"). */
const char *baton_url_security_str(baton_url_security_t security);

#ifdef __cplusplus
}
#endif

#endif /* BATON_URL_POLICY_H */
