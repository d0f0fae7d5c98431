/**
 * @file baton_status.c
 * @brief Names of status codes, for logs.
 */
#include "baton_status.h"

const char *baton_status_str(baton_status_t status)
{
    switch (status) {
    case BATON_OK: return "BATON_OK";
    case BATON_ERR_INVALID_ARG: return "BATON_ERR_INVALID_ARG";
    case BATON_ERR_NO_SPACE: return "BATON_ERR_NO_SPACE";
    case BATON_ERR_TRUNCATED: return "BATON_ERR_TRUNCATED";
    case BATON_ERR_MALFORMED: return "BATON_ERR_MALFORMED";
    case BATON_ERR_WRONG_TYPE: return "BATON_ERR_WRONG_TYPE";
    case BATON_ERR_NOT_FOUND: return "BATON_ERR_NOT_FOUND";
    case BATON_ERR_STATE: return "BATON_ERR_STATE";
    case BATON_ERR_RETRIES_EXHAUSTED: return "BATON_ERR_RETRIES_EXHAUSTED";
    case BATON_ERR_PORT: return "BATON_ERR_PORT";
    case BATON_ERR_BUSY: return "BATON_ERR_BUSY";
    case BATON_ERR_CONFIG: return "BATON_ERR_CONFIG";
    }
    return "BATON_ERR_UNKNOWN";
}
