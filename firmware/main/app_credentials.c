/**
 * @file app_credentials.c
 * @brief Exact-length copies into the Wi-Fi configuration's fixed fields.
 */
#include <stdio.h>
#include <string.h>

#include "app_credentials.h"

bool app_copy_credential(uint8_t *dst, size_t cap, const char *src)
{
    memset(dst, 0, cap);
    if (src == NULL) {
        return false;
    }
    /* Looks at most cap + 1 bytes: enough to tell "fits" from "too long". */
    size_t n = 0;
    while (n <= cap && src[n] != '\0') {
        n++;
    }
    if (n > cap) {
        return false;
    }
    memcpy(dst, src, n);
    return true;
}

static void say(char *why, size_t why_cap, const char *sentence)
{
    if (why != NULL && why_cap > 0) {
        snprintf(why, why_cap, "%s", sentence);
    }
}

static bool all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

bool app_check_wifi_credentials(const char *ssid, const char *password, char *why, size_t why_cap)
{
    say(why, why_cap, "");
    if (ssid == NULL || ssid[0] == '\0' || strlen(ssid) > APP_WIFI_SSID_MAX) {
        say(why, why_cap, "the SSID must have 1 to 32 characters");
        return false;
    }
    const size_t n = password == NULL ? 0 : strlen(password);
    if (n == 0) {
        return true; /* an open network */
    }
    if (n == APP_WIFI_PASSWORD_MAX) {
        if (!all_hex(password, n)) {
            say(why, why_cap, "a 64-character password must be a raw PSK of 64 hex digits");
            return false;
        }
        return true;
    }
    if (n < 8 || n > APP_WIFI_PASSWORD_MAX - 1) {
        say(why, why_cap, "a WPA2 password has 8 to 63 characters (or is a 64-hex-digit PSK)");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)password[i] < 0x20 || (unsigned char)password[i] > 0x7e) {
            say(why, why_cap, "a WPA2 password has printable ASCII characters only");
            return false;
        }
    }
    return true;
}

bool app_check_secret(const char *secret, char *why, size_t why_cap)
{
    say(why, why_cap, "");
    const size_t n = secret == NULL ? 0 : strlen(secret);
    if (n < 16 || n > APP_SECRET_MAX) {
        say(why, why_cap, "the device secret must have 16 to 127 characters");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)secret[i] <= 0x20 || (unsigned char)secret[i] > 0x7e) {
            say(why, why_cap, "the device secret has printable ASCII characters only, no spaces");
            return false;
        }
    }
    return true;
}
