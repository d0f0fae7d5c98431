/**
 * @file app_credentials.h
 * @brief Copying the Wi-Fi SSID and passphrase into ESP-IDF's fixed fields without losing a byte.
 *
 * Why: wifi_sta_config_t holds the SSID in 32 bytes and the passphrase in 64, and a field that
 * is full carries no terminating NUL (a 32-character SSID, a 64-hex-digit raw PSK). snprintf
 * into them cut the last character, so such a network could never be joined. Portable (no
 * ESP-IDF include) so tests/test_credentials.c checks it on the host.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The longest SSID (IEEE 802.11) and passphrase (WPA2: 8–63 characters, or 64 hex digits). */
#define APP_WIFI_SSID_MAX 32
#define APP_WIFI_PASSWORD_MAX 64

/**
 * Copies `src` into the `cap`-byte field `dst` with every byte kept: the rest of the field is
 * zeroed, and no NUL is added when `src` fills it exactly.
 * @return false (and `dst` zeroed) if `src` is NULL or longer than `cap`.
 */
bool app_copy_credential(uint8_t *dst, size_t cap, const char *src);

/** Longest device secret the firmware keeps (its buffer holds 127 characters and a NUL). */
#define APP_SECRET_MAX 127

/**
 * Checks Wi-Fi credentials typed at the provisioning console: an SSID of 1-32 bytes; a
 * password empty (open network), of 8-63 printable characters, or of exactly 64 hex digits
 * (a raw PSK). On a refusal writes one sentence into `why`.
 */
bool app_check_wifi_credentials(const char *ssid, const char *password, char *why, size_t why_cap);

/** Checks a device secret: 16-127 printable ASCII characters, no spaces. */
bool app_check_secret(const char *secret, char *why, size_t why_cap);

#ifdef __cplusplus
}
#endif
