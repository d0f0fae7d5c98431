/**
 * @file baton_str.c
 * @brief Bounded string copy shared by the session's source files (a leaf: calls nothing of the session).
 */
#include <string.h>

#include "baton_session_internal.h"

bool baton_copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = (src == NULL) ? 0 : strlen(src);
    if (n >= cap) {
        return false;
    }
    if (n > 0) {
        memcpy(dst, src, n);
    }
    dst[n] = '\0';
    return true;
}
