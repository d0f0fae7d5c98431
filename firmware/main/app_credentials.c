/**
 * @file app_credentials.c
 * @brief Exact-length copies into the Wi-Fi configuration's fixed fields.
 */
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
